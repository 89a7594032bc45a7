"""The July 1 annual Level assignment (era-rules "Level status"; IGP XII.C, XII.D, XVI.A).

Planner: pages through the facility index and sends work messages (`FACILITIES_PER_MESSAGE` WDIDs each) for the
reporting year just ended on the run date (America/Los_Angeles), after creating the run summary.
Worker: per facility, ONE query (statuses, history, the year's samples and the done-marker), `assign_year`,
then ONE transaction (statuses conditioned on their version, immutable history, opened obligations, the
Annual Report obligation, the calendar feeds' notice in the outbox, the marker), then that notice is published.
Before that transaction the two half-year sampling duties of the reporting year beginning (IGP XI.B.2) are opened
(`services.sampling_duties.SamplingDuties.open_year`: a query of that year's samples, a read and at most one write
per duty), so a facility that uploads nothing all year is reminded of them too.
Idempotent per (facility, reporting year): a marker means done; a parameter whose status already carries this
year (a crash between two parts of a split transaction) is not assigned again. A dry run computes and counts,
and writes nothing but the run summary.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from permitclock.clock import Clock, SystemClock, today
from permitclock.domain.coverage import coverage_end
from permitclock.domain.levels import Assignment, FacilityYear, NdPolicy, ParameterStatus, WriteOutcome
from permitclock.domain.notices import NoticeRequest, calendar_update
from permitclock.domain.obligations import Obligation
from permitclock.domain.samples import Sample
from permitclock.errors import BadInput, DomainError
from permitclock.rules.igp.exceedances import left_out
from permitclock.rules.igp.levels import assign_year
from permitclock.rules.igp.nals import nal_by_report_name
from permitclock.rules.igp.obligations import annual_report_obligation
from permitclock.rules.igp.years import label_for_start, reporting_year_of, start_year
from permitclock.services.notice_relay import OutboxPublisher
from permitclock.services.ports import Profiles

JOB = "annual"
FACILITIES_PER_MESSAGE = 25


class WorkQueue(Protocol):
    """The level work queue (`adapters.publisher.SqsMessages`)."""

    def send(self, bodies: Sequence[str]) -> None: ...


class RunSummaries(Protocol):
    """The run summary item, created by the planner, counters added by workers (`adapters.levels.RunSummaryStore`)."""

    def create(self, run_id: str, attributes: dict[str, Any]) -> None: ...

    def set(self, run_id: str, attributes: dict[str, Any]) -> None: ...

    def add(self, run_id: str, counters: dict[str, int]) -> None:
        """Atomically add the counters (zero ones left out)."""
        ...


class Levels(Protocol):
    """A facility-year read in one query and its assignment written at once (`adapters.levels.LevelStore`)."""

    def facility_year(self, wdid: str, reporting_year: str) -> FacilityYear: ...

    def write_assignments(
        self,
        wdid: str,
        reporting_year: str,
        assignments: Sequence[Assignment],
        previous: dict[str, ParameterStatus],
        facility_obligations: Sequence[Obligation],
        *,
        run_id: str,
        notices: Sequence[NoticeRequest] = (),
        now: datetime | None = None,
    ) -> WriteOutcome:
        """Statuses (conditioned on their version), history, obligations, `notices` as outbox items (made at
        `now`) and the
        year's marker; a marker already there means `already_done`; obligations that exist are kept
        (`obligations_existing`)."""
        ...


class SamplingDutyYears(Protocol):
    """The half-year sampling duties (`services.sampling_duties.SamplingDuties`)."""

    def open_year(self, wdid: str, on: date, coverage_ends: date | None) -> list[Obligation]:
        """Open the duties of the reporting year in progress on `on` (idempotent); the ones written."""
        ...


def year_just_ended(on: date) -> str:
    """The reporting year that ended before `on` (July 1 2025 -> 2024-2025), IGP [O67]."""
    return label_for_start(start_year(reporting_year_of(on)) - 1)


def change_kind(a: Assignment) -> str:
    """`baseline_to_level_1`, `level_1_to_baseline`, ...: the summary's counter name for a Level change."""
    return f"{a.prior_level}_to_{a.level}".lower().replace(" ", "_")


class RunRequest(BaseModel):
    """The schedule's input (`{"job": "annual"}`), optionally with a date and dry run (local CLI, reruns)."""

    model_config = ConfigDict(extra="ignore")

    job: str = JOB
    on: date | None = None
    dry_run: bool = False


class WorkMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    job: str = JOB
    run_id: str
    on: date
    reporting_year: str
    dry_run: bool
    wdids: list[str]


@dataclass
class PlanResult:
    run_id: str
    reporting_year: str
    on: date
    dry_run: bool
    facilities: int = 0
    messages: int = 0


class AnnualPlanner:
    """Creates the run summary and fans the facilities out to the level work queue."""

    def __init__(
        self,
        *,
        facility_pages: Callable[[], Iterable[list[str]]],
        queue: WorkQueue,
        summaries: RunSummaries,
        clock: Clock,
        facilities_per_message: int = FACILITIES_PER_MESSAGE,
    ) -> None:
        self._pages = facility_pages
        self._queue = queue
        self._summaries = summaries
        self._clock = clock
        self._per_message = facilities_per_message

    def plan(self, request: RunRequest, *, run_id: str | None = None) -> PlanResult:
        if request.job != JOB:
            raise BadInput(f"unknown job {request.job!r}", code="bad_job")
        on = request.on or today(self._clock)
        year = year_just_ended(on)
        run_id = run_id or f"{on.isoformat()}#{uuid.uuid4().hex[:12]}"
        result = PlanResult(run_id=run_id, reporting_year=year, on=on, dry_run=request.dry_run)
        self._summaries.create(
            run_id,
            {"job": JOB, "on": on.isoformat(), "reporting_year": year, "dry_run": request.dry_run,
             "status": "planning", "started_at": self._clock.now().isoformat()},
        )  # fmt: skip
        for page in self._pages():
            bodies = []
            for start in range(0, len(page), self._per_message):
                message = WorkMessage(
                    run_id=run_id, on=on, reporting_year=year, dry_run=request.dry_run,
                    wdids=page[start : start + self._per_message],
                )  # fmt: skip
                bodies.append(message.model_dump_json())
            self._queue.send(bodies)
            result.facilities += len(page)
            result.messages += len(bodies)
        self._summaries.set(run_id, {"status": "planned", "facilities_planned": result.facilities,
                                     "messages": result.messages})  # fmt: skip
        return result


@dataclass
class FacilityResult:
    wdid: str
    outcome: str  # written | already_done | dry_run | not_covered
    assignments: list[Assignment] = field(default_factory=list)
    changes: Counter[str] = field(default_factory=Counter)
    obligations_opened: int = 0
    sampling_duties_written: int = 0


class FacilityFailures(DomainError):
    """Some facilities of a message failed: the message is retried (done facilities are skipped)."""

    code = "facility_failures"


class LevelWorker:
    """Evaluates the facilities of one work message."""

    def __init__(
        self,
        *,
        levels: Levels,
        summaries: RunSummaries,
        profiles: Profiles,
        sampling: SamplingDutyYears,
        nd_policy: NdPolicy = "zero",
        on_error: Callable[[str, Exception], None] | None = None,
        notices: OutboxPublisher | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._levels = levels
        self._summaries = summaries
        self._profiles = profiles
        self._sampling = sampling
        self._nd_policy = nd_policy
        self._on_error = on_error
        self._notices = notices
        self._clock = clock or SystemClock()

    def process(self, message: WorkMessage) -> list[FacilityResult]:
        """Evaluate every facility of the message, then ADD the counters to the run summary in one update.
        Raises `FacilityFailures` after the others are done when any facility failed."""
        results: list[FacilityResult] = []
        counters: Counter[str] = Counter()
        failed: list[str] = []
        for wdid in message.wdids:
            try:
                outcome = self.evaluate(wdid, message)
            except Exception as err:  # one facility never blocks the rest of its message
                failed.append(wdid)
                counters["failed_attempts"] += 1
                if self._on_error:
                    self._on_error(wdid, err)
                continue
            results.append(outcome)
            counted = outcome.outcome if outcome.outcome in ("already_done", "not_covered") else "facilities_evaluated"
            counters[counted] += 1
            counters["assignments"] += len(outcome.assignments)
            counters["obligations_opened"] += outcome.obligations_opened
            counters["sampling_duties_written"] += outcome.sampling_duties_written
            counters.update({f"change_{k}": v for k, v in outcome.changes.items()})
        self._summaries.add(message.run_id, dict(counters))
        if failed:
            raise FacilityFailures(f"{len(failed)} of {len(message.wdids)} facilities failed", code="facility_failures")
        return results

    def evaluate(self, wdid: str, message: WorkMessage) -> FacilityResult:
        """One facility for the message's reporting year: one query, `assign_year`, one transaction. A facility
        whose coverage ended before the run's day (its NOT effective date, `domain.coverage.coverage_end`) gets no
        Level and no obligation (`not_covered`). The sampling duties of the year beginning are opened before the
        transaction, so its marker means they are there and the feeds' notice finds them (a dry run opens none)."""
        ends = coverage_end(self._profiles.profile(wdid))
        if ends is not None and ends < message.on:
            return FacilityResult(wdid=wdid, outcome="not_covered")
        year = message.reporting_year
        data = self._levels.facility_year(wdid, year)
        if data.done:
            return FacilityResult(wdid=wdid, outcome="already_done")
        # Parameters already assigned this year (an earlier part of a split transaction committed): left out.
        done_nals = {
            nal.parameter
            for name, status in data.statuses.items()
            if status.last_assigned_year is not None
            and status.last_assigned_year >= year
            and (nal := nal_by_report_name(name)) is not None
        }
        statuses = {
            n: s for n, s in data.statuses.items() if not (s.last_assigned_year and s.last_assigned_year >= year)
        }
        samples = [s for s in data.samples if s.nal is not None and s.nal not in done_nals]
        assignments = with_left_out(
            assign_year(wdid, year, statuses, samples, as_of=message.on, nd_policy=self._nd_policy),
            samples,
            self._nd_policy,
        )
        result = FacilityResult(wdid=wdid, outcome="dry_run" if message.dry_run else "written", assignments=assignments)
        result.changes.update(change_kind(a) for a in assignments if a.changed)
        annual = annual_report_obligation(wdid, year)
        opened = sum(len(a.obligations) for a in assignments) + 1
        if message.dry_run:
            result.obligations_opened = opened
            return result
        duties = self._sampling.open_year(wdid, message.on, ends)
        opened_ids = [o.obligation_id for a in assignments for o in a.obligations] + [annual.obligation_id]
        opened_ids += [d.obligation_id for d in duties]
        now = self._clock.now()
        feeds = calendar_update(wdid, "july_1", opened_ids, now)
        outcome = self._levels.write_assignments(
            wdid, year, assignments, data.statuses, [annual], run_id=message.run_id, notices=[feeds], now=now
        )
        if outcome.already_done:  # a duplicate message committed first; the duties written here still count
            return FacilityResult(wdid=wdid, outcome="already_done", sampling_duties_written=len(duties))
        if self._notices is not None:
            self._notices.publish([feeds])
        result.obligations_opened = opened - outcome.obligations_existing
        result.sampling_duties_written = len(duties)
        return result


def with_left_out(assignments: list[Assignment], samples: Sequence[Sample], nd_policy: NdPolicy) -> list[Assignment]:
    """Each assignment with the results of its parameter that were not counted, and why (`left_out`), so the
    history item keeps every result the year had (the Level engine's hot path does not collect them)."""
    by_nal: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        if sample.nal is not None:
            by_nal[sample.nal].append(sample)
    out = []
    for assignment in assignments:
        nal = nal_by_report_name(assignment.parameter)
        dropped = left_out(nal, by_nal.get(nal.parameter, ()), nd_policy) if nal is not None else ()
        if dropped:
            evaluation = assignment.evaluation.model_copy(update={"left_out": dropped})
            assignment = assignment.model_copy(update={"evaluation": evaluation})
        out.append(assignment)
    return out


def summary_view(item: dict[str, Any]) -> dict[str, Any]:
    """The run summary's figures (as `RunSummaries.get` gives them), changes grouped by kind, every counter."""
    out: dict[str, Any] = {"changes": {}}
    for key, value in sorted(item.items()):
        if key in ("pk", "sk", "item_type"):
            continue
        if key.startswith("change_"):
            out["changes"][key.removeprefix("change_")] = value
        else:
            out[key] = value
    counters = ("facilities_evaluated", "already_done", "assignments", "obligations_opened", "sampling_duties_written",
                "failed_attempts")  # fmt: skip
    for counter in counters:
        out.setdefault(counter, 0)
    return out

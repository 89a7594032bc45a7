"""The July 1 run over the fakes: the planner fans out, the worker assigns each facility-year once."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from permitclock.clock import PERMIT_TZ, FixedClock
from permitclock.domain.levels import FacilityYear
from permitclock.services.annual_run import AnnualPlanner, FacilityFailures, LevelWorker, RunRequest, WorkMessage
from permitclock.services.sampling_duties import SamplingDuties

from tests.fakes.pipelines import FakeLevels, FakeRunSummaries, FakeSamples, FakeWorkQueue
from tests.fakes.ports import FakeFacilities
from tests.unit.igp.igp_helpers import sample

LEVEL_1, CLEAN = "1 08I000001", "1 08I000002"
ZINC = "Zinc, Total (Recoverable)"
ON = date(2025, 7, 1)
H1, H2 = "QSE Sampling (July-December)", "QSE Sampling (January-June)"


def test_the_planner_creates_the_summary_and_sends_the_facilities_in_messages() -> None:
    queue, summaries = FakeWorkQueue(), FakeRunSummaries()
    planner = AnnualPlanner(
        facility_pages=lambda: iter([["a", "b", "c"], ["d"]]), queue=queue, summaries=summaries,
        clock=FixedClock(datetime(2025, 7, 1, 6, tzinfo=PERMIT_TZ)), facilities_per_message=2,
    )  # fmt: skip

    result = planner.plan(RunRequest(), run_id="r1")

    assert (result.on, result.reporting_year, result.facilities, result.messages) == (ON, "2024-2025", 4, 3)
    assert [json.loads(b)["wdids"] for b in queue.bodies] == [["a", "b"], ["c"], ["d"]]
    summary = summaries.get("r1")
    assert summary is not None and (summary["status"], summary["facilities_planned"]) == ("planned", 4)


class World:
    def __init__(self) -> None:
        self.samples = FakeSamples()
        self.levels = FakeLevels(self.samples)
        self.summaries = FakeRunSummaries()
        self.failed: list[str] = []
        self.facilities = FakeFacilities()
        sampling = SamplingDuties(self.levels, self.levels.obligations, self.facilities, FixedClock.on(ON))
        self.worker = LevelWorker(
            levels=self.levels, summaries=self.summaries, profiles=self.facilities, sampling=sampling,
            on_error=lambda wdid, _: self.failed.append(wdid),
        )  # fmt: skip
        self.samples.put_new([
            sample("Zinc, Total", "0.5", date(2024, 11, 3), wdid=LEVEL_1, sample_id="a1"),
            sample("Zinc, Total", "0.5", date(2025, 1, 15), wdid=LEVEL_1, sample_id="a2"),
            sample("Zinc, Total", "0.05", date(2024, 11, 3), wdid=CLEAN, sample_id="b1"),
        ])  # fmt: skip

    def message(self, *wdids: str, dry_run: bool = False) -> WorkMessage:
        return WorkMessage(run_id="r1", on=ON, reporting_year="2024-2025", dry_run=dry_run, wdids=list(wdids))

    def duties(self, wdid: str) -> dict[str, dict[str, object]]:
        """The facility's sampling duties by type: period, status and progress."""
        return {
            o.type: {"period": o.period, "status": o.status, "progress": o.facts["progress"]}
            for o in self.levels.obligations.for_facility(wdid)
            if o.type.startswith("QSE Sampling")
        }


@pytest.fixture
def world() -> World:
    return World()


def test_a_facility_over_the_annual_nal_moves_to_level_1_and_its_obligations_open(world: World) -> None:
    # GIVEN zinc averaging 0.5 mg/L at one facility (annual NAL 0.26) and 0.05 at another
    # WHEN the worker takes their message
    results = world.worker.process(world.message(LEVEL_1, CLEAN))
    # THEN the first moves to Level 1 with its ERA obligations and the Annual Report; the second stays
    by_wdid = {r.wdid: r for r in results}
    assert world.levels.statuses[(LEVEL_1, ZINC)].level == "Level 1"
    assert world.levels.statuses[(CLEAN, ZINC)].level == "Baseline"
    assert by_wdid[LEVEL_1].changes == {"baseline_to_level_1": 1}
    opened = {o.type for o in world.levels.obligations.for_facility(LEVEL_1)}
    assert opened == {"Level 1 ERA Evaluation", "Level 1 ERA Report", "Annual Report", H1, H2}
    summary = world.summaries.get("r1")
    assert summary is not None
    assert (summary["facilities_evaluated"], summary["change_baseline_to_level_1"]) == (2, 1)
    assert (summary["obligations_opened"], summary["sampling_duties_written"]) == (4, 4)  # 3 + 1; 2 + 2


def test_july_1_opens_both_sampling_duties_of_the_new_year_at_a_facility_that_uploaded_nothing(world: World) -> None:
    # GIVEN a registered facility with no sample at all
    quiet = "1 08I000003"
    world.facilities.put_profile(quiet, "Quiet Yard")
    # WHEN July 1, 2025 runs, twice (a rerun of the day, a redelivered message)
    [first] = world.worker.process(world.message(quiet))
    [again] = world.worker.process(world.message(quiet))
    # THEN both half-years of 2025-2026 are open with nothing sampled, written once
    assert world.duties(quiet) == {
        H1: {"period": "2025-2026 July-December", "status": "open",
             "progress": "0 of 2 sampled, the half-year ends December 31"},
        H2: {"period": "2025-2026 January-June", "status": "open",
             "progress": "0 of 2 sampled, the half-year ends June 30"},
    }  # fmt: skip
    assert (first.sampling_duties_written, again.outcome, again.sampling_duties_written) == (2, "already_done", 0)


def test_a_message_redelivered_after_a_crash_before_the_transaction_writes_the_duties_once(world: World) -> None:
    real = world.levels.write_assignments
    crashes = [ConnectionError("lost")]

    def crash_once(*args: object, **kwargs: object) -> object:
        if crashes:
            raise crashes.pop()
        return real(*args, **kwargs)  # type: ignore[arg-type]

    world.levels.write_assignments = crash_once  # type: ignore[method-assign, assignment]
    with pytest.raises(FacilityFailures):
        world.worker.process(world.message(CLEAN))
    assert set(world.duties(CLEAN)) == {H1, H2}  # written before the transaction that failed

    [result] = world.worker.process(world.message(CLEAN))

    assert (result.outcome, result.sampling_duties_written) == ("written", 0)
    assert sorted(o.type for o in world.levels.obligations.for_facility(CLEAN)) == ["Annual Report", H2, H1]


def test_a_facility_terminated_in_september_gets_the_july_december_duty_only(world: World) -> None:
    world.facilities.put_profile(CLEAN, "Closing", coverage_status="Terminated", not_effective_date="2025-09-30")

    world.worker.process(world.message(CLEAN))

    assert set(world.duties(CLEAN)) == {H1}  # no duty beginning after the NOT effective date (January 1)


def test_a_facility_year_already_done_is_skipped(world: World) -> None:
    world.worker.process(world.message(LEVEL_1))

    [again] = world.worker.process(world.message(LEVEL_1))

    assert again.outcome == "already_done"
    assert world.levels.statuses[(LEVEL_1, ZINC)].version == 1


def test_a_facility_terminated_before_july_1_gets_no_level_and_no_obligation(world: World) -> None:
    world.facilities.put_profile(LEVEL_1, "Gone", coverage_status="Terminated", not_effective_date="2025-06-30")
    world.facilities.put_profile(CLEAN, "Ends later", coverage_status="Terminated", not_effective_date="2025-07-01")

    results = {r.wdid: r.outcome for r in world.worker.process(world.message(LEVEL_1, CLEAN))}

    assert results == {LEVEL_1: "not_covered", CLEAN: "written"}  # covered on July 1: its Annual Report is due
    assert world.levels.obligations.for_facility(LEVEL_1) == []
    assert set(world.duties(CLEAN)) == {H1}  # covered on July 1 only: no January-June duty
    summary = world.summaries.get("r1")
    assert summary is not None and (summary["not_covered"], summary["facilities_evaluated"]) == (1, 1)


def test_a_dry_run_counts_and_writes_nothing(world: World) -> None:
    [result] = world.worker.process(world.message(LEVEL_1, dry_run=True))

    assert result.outcome == "dry_run" and result.obligations_opened > 1
    assert world.levels.statuses == {} and world.levels.markers == set()
    assert world.levels.obligations.items == {} and result.sampling_duties_written == 0


def test_one_failing_facility_does_not_stop_the_others_and_fails_the_message(world: World) -> None:
    real = world.levels.facility_year

    def failing(wdid: str, year: str) -> FacilityYear:
        if wdid == CLEAN:
            raise ConnectionError("throttled")
        return real(wdid, year)

    world.levels.facility_year = failing  # type: ignore[method-assign]
    with pytest.raises(FacilityFailures):
        world.worker.process(world.message(CLEAN, LEVEL_1))

    assert world.failed == [CLEAN]
    assert (LEVEL_1, "2024-2025") in world.levels.markers
    summary = world.summaries.get("r1")
    assert summary is not None and (summary["failed_attempts"], summary["facilities_evaluated"]) == (1, 1)

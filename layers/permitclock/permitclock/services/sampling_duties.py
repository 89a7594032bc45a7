"""The half-year sampling duties (IGP XI.B.2) of a facility's reporting year in progress, kept as obligations
from the stored samples (`rules.igp.sampling`): opened by the July 1 run for every registered facility
(`open_year`, so one that uploads nothing is reminded too) or at its first upload of the year, progress updated
with each upload, closed when two QSEs of the half are sampled. The deadline sweep reminds them like every other
dated obligation. Recording the day a sampling event's laboratory results were received opens its 30-day
results-reporting deadline, closed when results of that sample date arrive. A facility whose coverage ended
(`domain.coverage.coverage_end`) gets no duty that would begin after its NOT effective date, and one the
termination closed stays closed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from permitclock.clock import Clock, today
from permitclock.domain.coverage import coverage_end
from permitclock.domain.obligations import Obligation
from permitclock.errors import BadInput
from permitclock.notices.ics import next_sequence
from permitclock.rules.igp.coverage import CLOSED_REASON, opens_after_coverage
from permitclock.rules.igp.sampling import SAMPLING_RESULTS_REPORT, results_report_obligation, sampling_obligations
from permitclock.rules.igp.years import reporting_year_of
from permitclock.services.outlook import FacilityYears
from permitclock.services.ports import Obligations, Profiles


class SamplingDuties:
    def __init__(self, levels: FacilityYears, obligations: Obligations, profiles: Profiles, clock: Clock) -> None:
        self._levels = levels
        self._obligations = obligations
        self._profiles = profiles
        self._clock = clock

    def watch(self, wdids: Iterable[str]) -> list[Obligation]:
        """Open or update the duties of each facility for the year in progress; the ones written."""
        year = reporting_year_of(today(self._clock))
        written = []
        for wdid in sorted(set(wdids)):
            ends = coverage_end(self._profiles.profile(wdid))
            written.extend(self._half_years(wdid, year, ends))
            for pending, _ in self._obligations.for_facility_with_sequence(wdid):
                if pending.type == SAMPLING_RESULTS_REPORT and pending.status == "open":
                    closed = self._results_report(wdid, date.fromisoformat(pending.period), pending)
                    if closed.status == "closed" and self._write(closed, ends):
                        written.append(closed)
        return written

    def open_year(self, wdid: str, on: date, coverage_ends: date | None) -> list[Obligation]:
        """The July 1 run's (`services.annual_run.LevelWorker`): open both duties of the reporting year in progress
        on `on` at a facility whose coverage ends `coverage_ends` (None: it has not ended), with the samples it
        already has, whether or not it uploaded any; a rerun writes nothing. The ones written."""
        return self._half_years(wdid, reporting_year_of(on), coverage_ends)

    def _half_years(self, wdid: str, year: str, coverage_ends: date | None) -> list[Obligation]:
        samples = self._levels.facility_year(wdid, year).samples
        return [duty for duty in sampling_obligations(wdid, year, samples) if self._write(duty, coverage_ends)]

    def record_lab_results(self, wdid: str, event_date: date, received_on: date) -> Obligation:
        """Open (or move) the event's 30-day results-reporting deadline; closed at once if its results are in."""
        if received_on > today(self._clock):
            raise BadInput("the laboratory results received date is in the future", field="received_on")
        duty = results_report_obligation(wdid, event_date, received_on, reported=False)
        duty = self._results_report(wdid, event_date, duty)
        self._write(duty, coverage_end(self._profiles.profile(wdid)))
        return duty

    def _results_report(self, wdid: str, event_date: date, duty: Obligation) -> Obligation:
        samples = self._levels.facility_year(wdid, reporting_year_of(event_date)).samples
        received = date.fromisoformat(str(duty.facts["lab_results_received"]))
        reported = any(s.sample_date == event_date for s in samples)
        return results_report_obligation(wdid, event_date, received, reported=reported)

    def _write(self, duty: Obligation, coverage_ends: date | None) -> bool:
        """Open `duty`, or rewrite it when its status, due date or facts changed (a moved due date gets a new
        calendar SEQUENCE, `ics.next_sequence`); False when nothing changed, when it would begin after the coverage
        ended, or when the termination closed it."""
        stored = self._obligations.get(duty.facility_id, duty.obligation_id)
        if stored is None:
            return not opens_after_coverage(duty, coverage_ends) and self._obligations.put_new(duty)
        old, sequence = stored
        if (old.status, old.due, old.facts) == (duty.status, duty.due, duty.facts):
            return False
        if old.status == "closed" and old.facts.get("closed_reason") == CLOSED_REASON:
            return False
        self._obligations.replace(duty, ics_sequence=next_sequence(sequence, old, duty))
        return True

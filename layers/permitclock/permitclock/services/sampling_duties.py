"""The half-year sampling duties (IGP XI.B.2) of a facility's reporting year in progress, kept as obligations
from the stored samples (`rules.igp.sampling`): opened at the facility's first upload of the year, progress
updated with each upload, closed when two QSEs of the half are sampled. The deadline sweep reminds them like
every other dated obligation."""

from __future__ import annotations

from collections.abc import Iterable

from permitclock.clock import Clock, today
from permitclock.domain.obligations import Obligation
from permitclock.rules.igp.sampling import sampling_obligations
from permitclock.rules.igp.years import reporting_year_of
from permitclock.services.outlook import FacilityYears
from permitclock.services.ports import Obligations


class SamplingDuties:
    def __init__(self, levels: FacilityYears, obligations: Obligations, clock: Clock) -> None:
        self._levels = levels
        self._obligations = obligations
        self._clock = clock

    def watch(self, wdids: Iterable[str]) -> list[Obligation]:
        """Open or update the duties of each facility for the year in progress; the ones written."""
        year = reporting_year_of(today(self._clock))
        written = []
        for wdid in sorted(set(wdids)):
            samples = self._levels.facility_year(wdid, year).samples
            for duty in sampling_obligations(wdid, year, samples):
                stored = self._obligations.get(wdid, duty.obligation_id)
                if stored is None:
                    if self._obligations.put_new(duty):
                        written.append(duty)
                elif (stored[0].status, stored[0].facts) != (duty.status, duty.facts):
                    self._obligations.replace(duty, ics_sequence=stored[1])
                    written.append(duty)
        return written

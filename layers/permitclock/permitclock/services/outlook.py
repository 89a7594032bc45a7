"""The in-year outlook of a facility: every parameter it sampled this reporting year, or holds a Level for,
against its NAL (`rules.igp.outlook`), from the stored samples and statuses (one facility-year Query)."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from permitclock.clock import Clock, today
from permitclock.domain.levels import FacilityYear, NdPolicy
from permitclock.domain.outlook import FacilityOutlook
from permitclock.domain.samples import Sample
from permitclock.rules.igp.nals import nal_by_report_name, nal_table
from permitclock.rules.igp.outlook import parameter_outlook
from permitclock.rules.igp.years import reporting_year_of


class FacilityYears(Protocol):
    """A facility's statuses and one reporting year's samples (`adapters.levels.LevelStore`)."""

    def facility_year(self, wdid: str, reporting_year: str) -> FacilityYear: ...


class FacilityOutlooks:
    """The outlook use case behind `GET /facilities/{wdid}/outlook`, the digest and the worsening notices."""

    def __init__(self, levels: FacilityYears, clock: Clock, *, nd_policy: NdPolicy = "zero") -> None:
        self._levels = levels
        self._clock = clock
        self._nd_policy = nd_policy

    def facility(self, wdid: str, as_of: date | None = None) -> FacilityOutlook:
        """Each parameter with a result this year or a stored status, by name; `as_of` defaults to today."""
        day = as_of or today(self._clock)
        year = reporting_year_of(day)
        stored = self._levels.facility_year(wdid, year)
        table = nal_table()
        by_nal: dict[str, list[Sample]] = {}
        for sample in stored.samples:
            if sample.nal is not None:
                by_nal.setdefault(sample.nal, []).append(sample)
        for parameter, status in stored.statuses.items():
            nal = nal_by_report_name(parameter)
            if nal is not None and (status.level != "Baseline" or status.last_assigned_year):
                by_nal.setdefault(nal.parameter, [])
        outlooks = [
            parameter_outlook(
                wdid, table[key], samples, as_of=day,
                status=stored.statuses.get(table[key].level_report_name), nd_policy=self._nd_policy,
            )
            for key, samples in by_nal.items()
        ]  # fmt: skip
        outlooks.sort(key=lambda o: o.parameter)
        return FacilityOutlook(wdid=wdid, reporting_year=year, as_of=day, parameters=outlooks)

"""The sampling duty of IGP Section XI.B.2 ([FS92]): two QSEs sampled between July 1 and December 31, and two
between January 1 and June 30, as one obligation per half-year whose progress comes from the stored samples.

Per-discharge-location reading (docs/igp-rules.md "Sampling duties"): the permit asks for samples from each
discharge location in each QSE (XI.B.4), but permitclock does not hold a facility's list of discharge locations;
so a QSE counts as sampled when any discharge location was sampled that day, and the locations sampled are
kept in the obligation's facts for the reader to check. A QSE sampled is a date with a result of a
qualifying-storm-event sample (any parameter, any qualifier, effluent monitoring when the file says).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from permitclock.domain.obligations import Obligation
from permitclock.domain.samples import Sample
from permitclock.errors import BadInput
from permitclock.rules.igp.exceedances import is_effluent_location, is_qualifying_storm_event
from permitclock.rules.igp.obligations import PROGRAM
from permitclock.rules.igp.outlook import QSES_PER_HALF_YEAR, half_year_ends
from permitclock.rules.igp.years import start_year

RESULTS_REPORT_DAYS = 30
SAMPLING_RESULTS_REPORT = "Sampling Results Report"
RESULTS_SECTION = "IGP XI.B.11.a: within 30 days of obtaining all results of the sampling event ([ALL4-2024], [VANDER])"
QSE_SAMPLING_JULY_DECEMBER = "QSE Sampling (July-December)"
QSE_SAMPLING_JANUARY_JUNE = "QSE Sampling (January-June)"
SECTION = "IGP XI.B.2 (Fact Sheet [FS92])"


def sampling_obligations(wdid: str, reporting_year: str, samples: Iterable[Sample]) -> list[Obligation]:
    """The two half-year sampling duties of `reporting_year` at `wdid`, each `closed` once two QSEs of its half
    are sampled; `facts` carry `sampled`, `required`, the QSE dates with their locations, and `progress`
    ("1 of 2 sampled, the half-year ends December 31")."""
    first_end, second_end = half_year_ends(reporting_year)
    start = start_year(reporting_year)
    halves = (
        (QSE_SAMPLING_JULY_DECEMBER, date(start, 7, 1), first_end, f"{reporting_year} July-December"),
        (QSE_SAMPLING_JANUARY_JUNE, date(start + 1, 1, 1), second_end, f"{reporting_year} January-June"),
    )
    by_day: dict[date, set[str]] = {}
    for s in samples:
        if is_qualifying_storm_event(s.event_type) and is_effluent_location(s.location_type):
            by_day.setdefault(s.sample_date, set()).add(s.location)
    out = []
    for kind, first, last, period in halves:
        days = sorted(d for d in by_day if first <= d <= last)
        out.append(
            Obligation(
                program=PROGRAM,
                type=kind,
                facility_id=wdid,
                subject="facility",
                due=last,
                window_start=first,
                window_end=last,
                section=SECTION,
                status="closed" if len(days) >= QSES_PER_HALF_YEAR else "open",
                period=period,
                facts={
                    "sampled": len(days),
                    "required": QSES_PER_HALF_YEAR,
                    "qses": [{"date": d.isoformat(), "locations": sorted(by_day[d])} for d in days],
                    "progress": f"{min(len(days), QSES_PER_HALF_YEAR)} of {QSES_PER_HALF_YEAR} sampled, "
                    f"the half-year ends {last:%B} {last.day}",
                },
            )
        )
    return out


def results_report_obligation(wdid: str, event_date: date, received_on: date, *, reported: bool) -> Obligation:
    """The sampling event's results are due in SMARTS 30 days after the laboratory's results are received
    (IGP XI.B.11.a; secondary sources, igp-facts.md section 4); `reported` when results of that sample date are
    stored (they were reported: the stored samples are SMARTS's own data), which closes it."""
    if received_on < event_date:
        raise BadInput("the laboratory results cannot be received before the sampling event", field="received_on")
    return Obligation(
        program=PROGRAM,
        type=SAMPLING_RESULTS_REPORT,
        facility_id=wdid,
        subject="facility",
        due=received_on + timedelta(days=RESULTS_REPORT_DAYS),
        section=RESULTS_SECTION,
        status="closed" if reported else "open",
        period=event_date.isoformat(),
        facts={"event_date": event_date.isoformat(), "lab_results_received": received_on.isoformat()},
    )

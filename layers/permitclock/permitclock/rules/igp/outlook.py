"""The in-year outlook of one facility parameter: the reporting year in progress against its NAL, before the
July 1 assignment (which alone changes the Level: era-rules "Level status").

- Results so far: the year's counted results on or before `as_of` (era-rules "Which results count", the same
  `eligible_results` as the July 1 run, `nd_policy` applied), their exact sum and average, and the results above
  the instantaneous-maximum NAL (IGP XII.A.2, [FS141]).
- QSEs still required (IGP XI.B.2, [FS92]): two between July 1 and December 31, two between January 1 and June
  30. A half-year's shortfall is counted while the half is not over; a half that has ended requires nothing
  more (a missed QSE cannot be made up later). A QSE sampled is a date with a qualifying-storm-event result of
  the parameter (a non-detect too, whatever `nd_policy`); locations sampled the same day are one QSE.
- Remaining results: each required QSE is sampled at every discharge location (IGP XI.B.4, [FS92]), so the
  remaining results are the remaining QSEs times the discharge locations sampled so far this year (at least 1).
- State: `exceedance_certain` when two instantaneous exceedances are already in (XII.A.2), or when the average
  would stay above the annual NAL even if every remaining result were zero (sum > NAL x (n + remaining); with
  no result remaining, the current average above the NAL); `at_risk` when the average is above the NAL now but
  can come back, or one instantaneous exceedance is in (one more makes the exceedance); else `on_track`.
- The most the remaining results may average: (NAL x (n + remaining) - sum) / remaining, exact in Decimal when
  the division terminates, else rounded down (so averaging at or below it always keeps the year at the NAL).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_FLOOR, Context, Decimal

from permitclock.domain.levels import NdPolicy, ParameterStatus
from permitclock.domain.outlook import OutlookState, ParameterOutlook
from permitclock.domain.samples import Sample
from permitclock.rules.igp.exceedances import eligible_results, evaluate_eligible, is_qualifying_storm_event
from permitclock.rules.igp.levels import transition
from permitclock.rules.igp.nals import NAL
from permitclock.rules.igp.years import assignment_date, reporting_year_of, start_year

QSES_PER_HALF_YEAR = 2
_FLOOR = Context(prec=28, rounding=ROUND_FLOOR)


def half_year_ends(reporting_year: str) -> tuple[date, date]:
    """December 31 and June 30 of the reporting year: the ends of its two sampling halves (IGP XI.B.2)."""
    start = start_year(reporting_year)
    return date(start, 12, 31), date(start + 1, 6, 30)


def qses_required_remaining(reporting_year: str, as_of: date, qse_dates: Iterable[date]) -> int:
    """QSEs the schedule still requires: per half-year not over on `as_of`, 2 less those sampled in it."""
    first_end, second_end = half_year_ends(reporting_year)
    dates = set(qse_dates)
    remaining = 0
    for start, end in ((date(first_end.year, 7, 1), first_end), (date(second_end.year, 1, 1), second_end)):
        if as_of <= end:
            sampled = sum(1 for d in dates if start <= d <= end)
            remaining += max(0, QSES_PER_HALF_YEAR - sampled)
    return remaining


def parameter_outlook(
    wdid: str,
    nal: NAL,
    samples: Iterable[Sample],
    *,
    as_of: date,
    status: ParameterStatus | None = None,
    nd_policy: NdPolicy = "zero",
) -> ParameterOutlook:
    """The outlook of `nal`'s parameter at `wdid` for the reporting year `as_of` falls in (samples of other
    years, or dated after `as_of`, are ignored). `status` is the parameter's stored Level (Baseline if None)."""
    year = reporting_year_of(as_of)
    eligible, duplicates = eligible_results(nal, year, (s for s in samples if s.sample_date <= as_of))
    evaluation = evaluate_eligible(nal, year, eligible, duplicates, nd_policy)
    qse_dates = {s.sample_date for s in eligible if is_qualifying_storm_event(s.event_type)}
    remaining_qses = qses_required_remaining(year, as_of, qse_dates)
    locations = max(1, len({s.location for s in eligible}))
    remaining = remaining_qses * locations
    count = evaluation.result_count
    inst = evaluation.instantaneous_exceedance_count
    annual = nal.annual
    total = evaluation.annual_sum if evaluation.annual_sum is not None else Decimal(0)
    allowed = annual * (count + remaining) - total if annual is not None else None
    allowance = allowed if remaining and allowed is not None and allowed >= 0 else None
    state: OutlookState
    if inst >= 2:
        state, reason = "exceedance_certain", f"{inst} results outside the instantaneous NAL (two make an exceedance)"
    elif allowed is not None and allowed < 0:
        state = "exceedance_certain"
        reason = (
            f"the average stays above the annual NAL {annual} even if the {remaining} remaining results are zero"
            if remaining
            else f"the average {evaluation.annual_average} is above the annual NAL {annual}, no QSE remains required"
        )
    elif annual is not None and count and total > annual * count:
        state, reason = "at_risk", f"the average {evaluation.annual_average} is above the annual NAL {annual} now"
    elif inst == 1:
        state, reason = "at_risk", "one result outside the instantaneous NAL; a second makes an exceedance"
    else:
        state, reason = "on_track", "at or below the NAL so far" if count else "no result yet this year"
    current = status or ParameterStatus(parameter=nal.level_report_name)
    level, _, opened = transition(current, True, current.recent_qses, assignment_date(year))
    return ParameterOutlook(
        wdid=wdid,
        parameter=nal.level_report_name,
        reporting_year=year,
        as_of=as_of,
        state=state,
        reason=reason,
        result_count=count,
        annual_sum=evaluation.annual_sum,
        running_average=evaluation.annual_average,
        annual_nal=annual,
        instantaneous_low=nal.instantaneous_low,
        instantaneous_high=nal.instantaneous_high,
        instantaneous_exceedance_count=inst,
        qses_sampled=len(qse_dates),
        qses_required_remaining=remaining_qses,
        discharge_locations=locations,
        remaining_results=remaining,
        remaining_sum_allowed=allowance,
        max_remaining_average=None if allowance is None else _FLOOR.divide(allowance, Decimal(remaining)),
        current_level=current.level,
        level_if_exceeded=level,
        obligations_if_exceeded=opened,
    )

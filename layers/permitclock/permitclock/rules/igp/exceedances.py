"""Which results count, and the annual / instantaneous NAL exceedance test for one facility parameter year."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import cache

from permitclock.domain.levels import (
    CountedResult,
    LeftOutReason,
    LeftOutResult,
    NdPolicy,
    QseCheck,
    YearEvaluation,
    trusted,
)
from permitclock.domain.samples import NON_DETECT_QUALIFIERS, Sample
from permitclock.rules.igp.nals import NAL, PH

EFFLUENT = "effluent monitoring"
_ZERO = Decimal(0)


@cache
def is_storm_water_event(event_type: str | None) -> bool:
    """A storm water event, qualifying or not (era-rules "Which results count"); non-storm-water discharge is
    not.

    None (a file without EVENT_TYPE) counts: the column's absence cannot exclude a result.
    """
    if event_type is None:
        return True
    key = event_type.casefold().replace("-", " ").replace("stormwater", "storm water")
    return "storm" in key and "non storm" not in key


@cache
def is_qualifying_storm_event(event_type: str | None) -> bool:
    """A QSE (IGP XI.B.1, [FS134]) for the four-consecutive-QSE test; None (no EVENT_TYPE column) is taken as
    one."""
    if event_type is None:
        return True
    key = event_type.casefold().replace("-", " ")
    return is_storm_water_event(event_type) and "qualifying" in key and "non qualifying" not in key


@cache
def is_effluent_location(location_type: str | None) -> bool:
    """The location type lets a result count: Effluent Monitoring, or None when the file has no such column."""
    return location_type is None or location_type.strip().casefold() == EFFLUENT


def counts(sample: Sample, nal: NAL) -> bool:
    """True when `sample` enters `nal`'s calculation (era-rules "Which results count"; IGP XXI.J.2 voluntary
    results included): mapped to the NAL, Effluent Monitoring location when the file has the column, storm
    water event. Non-detects are decided by `nd_policy` later."""
    if sample.nal != nal.parameter:
        return False
    return is_effluent_location(sample.location_type) and is_storm_water_event(sample.event_type)


def _order(sample: Sample) -> tuple[object, ...]:
    return (sample.sample_date, sample.sample_id, sample.location, sample.file, sample.line)


def deduplicate(samples: Iterable[Sample]) -> tuple[list[Sample], int]:
    """Exact duplicate rows count once (era-rules: same WDID, SAMPLE_ID, location, parameter, qualifier,
    result, units); the copy with the lowest (file, line) is kept so the outcome never depends on row order.
    """
    kept: dict[tuple[object, ...], Sample] = {}
    duplicates = 0
    for sample in samples:
        key = sample.duplicate_key
        other = kept.get(key)
        if other is None:
            kept[key] = sample
            continue
        duplicates += 1
        if (sample.file, sample.line) < (other.file, other.line):
            kept[key] = sample
    ordered = list(kept.values())
    if len(ordered) > 1:
        ordered.sort(key=_order)
    return ordered, duplicates


def eligible_results(nal: NAL, reporting_year: str, samples: Iterable[Sample]) -> tuple[list[Sample], int]:
    """The year's results that count for `nal`, exact duplicates removed (and how many were removed)."""
    return deduplicate(s for s in samples if s.reporting_year == reporting_year and counts(s, nal))


def counted_samples(nal: NAL, samples: Iterable[Sample]) -> tuple[list[Sample], int]:
    """`eligible_results` for samples already known to be of `nal` and of the reporting year (grouped by the
    caller): only the location and event checks of `counts`, then `deduplicate`."""
    return deduplicate(
        s for s in samples if is_effluent_location(s.location_type) and is_storm_water_event(s.event_type)
    )


def judged(value: Decimal, annual: Decimal | None, high: Decimal | None, low: Decimal | None) -> tuple[bool, bool]:
    """(exceeds, clean) of one detected result against an NAL's `annual`, `high` and `low` limits.

    It exceeds the instantaneous limits (IGP XII.A.2, [FS141]) when above the maximum (TSS 400 / O&G 25 mg/L) or,
    for pH, outside 6.0-9.0; exactly at a limit is inside. It is clean for the four-QSE test (IGP XII.C.4 /
    XII.D.4, [SJ-671]; docs/igp-rules.md "Clean QSE") when inside those limits and not above the annual NAL."""
    exceeds = (high is not None and value > high) or (low is not None and value < low)
    return exceeds, not exceeds and not (annual is not None and value > annual)


def has_annual_nal(nal: NAL) -> bool:
    """Whether the parameter has an annual NAL and so an average (pH has neither)."""
    return nal.parameter != PH and nal.annual is not None


def annual_exceeded(nal: NAL, total: Decimal, count: int) -> bool:
    """Annual exceedance (IGP XII.A.1, [FS141], [SJ-670]): the facility-wide average of the `count` counted results
    summing to `total` is strictly greater than the annual NAL, decided exactly as sum > NAL x count."""
    return bool(count) and has_annual_nal(nal) and total > nal.annual * count  # type: ignore[operator]


def evaluate_year(
    nal: NAL, reporting_year: str, samples: Iterable[Sample], nd_policy: NdPolicy = "zero"
) -> YearEvaluation:
    """Annual and instantaneous NAL exceedance of one facility parameter in one reporting year.

    Annual (IGP XII.A.1, [FS141], [SJ-670]): the facility-wide average of all counted results is strictly greater
    than the annual NAL; decided exactly as sum > NAL x count, in Decimal. pH has no annual NAL (and no average).
    Instantaneous (IGP XII.A.2, [FS141]): two or more counted results outside the instantaneous limits.
    `nd_policy` (era-rules *policy*): `zero` counts a non-detect as 0 in the sum and 1 in the count; `exclude`
    leaves it out of both. A year with no counted result has no exceedance.
    """
    eligible, duplicates = eligible_results(nal, reporting_year, samples)
    return evaluate_eligible(nal, reporting_year, eligible, duplicates, nd_policy)


def evaluate_eligible(
    nal: NAL, reporting_year: str, eligible: list[Sample], duplicates: int, nd_policy: NdPolicy
) -> YearEvaluation:
    """`evaluate_year` on results already filtered and deduplicated by `eligible_results`."""
    return evaluate_with_qses(nal, reporting_year, eligible, duplicates, nd_policy)[0]


def evaluate_with_qses(
    nal: NAL, reporting_year: str, eligible: list[Sample], duplicates: int, nd_policy: NdPolicy
) -> tuple[YearEvaluation, list[QseCheck]]:
    """`evaluate_eligible` and the QSEs of the same eligible results, in one pass (the Level engine's hot path).

    The QSEs are those in which the parameter was sampled, each clean or not (four-QSE test, IGP XII.C.4 /
    XII.D.4, [SJ-671]), in date order: a QSE is a sample date with a qualifying-storm-event result; discharge
    locations sampled the same day are the same QSE; every eligible result counts there whatever `nd_policy`
    (a non-detect is clean).

    Per result: it exceeds the instantaneous-maximum NAL (IGP XII.A.2, [FS141]) when above TSS 400 / O&G 25 mg/L,
    or for pH below 6.0 or above 9.0; exactly at the limit is inside. It is clean for the four-QSE test when not
    above the annual NAL and inside the instantaneous limits (docs/igp-rules.md "Clean QSE"). A non-detect never
    exceeds and is clean."""
    total = _ZERO
    count = 0
    inst = 0
    results: list[CountedResult] = []
    by_day: dict[date, bool] = {}
    exclude = nd_policy == "exclude"
    annual = nal.annual
    high = nal.instantaneous_high
    low = nal.instantaneous_low
    for sample in eligible:
        value = sample.value
        nd = sample.qualifier in NON_DETECT_QUALIFIERS  # Sample.non_detect
        if nd or value is None:
            exceeds = False
            clean = True  # a non-detect (or no value) is clean
        else:
            exceeds, clean = judged(value, annual, high, low)
        if is_qualifying_storm_event(sample.event_type):  # every eligible result, any nd_policy
            day = sample.sample_date
            by_day[day] = by_day.get(day, True) and clean
        if nd:
            if exclude:
                continue
            counted_as = _ZERO
        elif value is None:  # the parser never yields a detected result without a value
            continue
        else:
            counted_as = value
        if exceeds:
            inst += 1
        total += counted_as
        count += 1
        results.append(
            CountedResult(
                sample.sample_id, sample.sample_date, sample.location, sample.qualifier, value, counted_as, exceeds,
                sample.line,
            )
        )  # fmt: skip
    has_annual = has_annual_nal(nal)
    annual_exceedance = annual_exceeded(nal, total, count)
    evaluation = trusted(  # every field is built here from typed values: no re-validation
        YearEvaluation,
        {
            "nal_parameter": nal.parameter,
            "parameter": nal.level_report_name,
            "reporting_year": reporting_year,
            "nd_policy": nd_policy,
            "result_count": count,
            "duplicates_ignored": duplicates,
            "annual_sum": total if count and has_annual else None,
            "annual_average": total / count if count and has_annual else None,
            "annual_nal": annual,
            "instantaneous_low": low,
            "instantaneous_high": high,
            "annual_exceedance": annual_exceedance,
            "instantaneous_exceedance_count": inst,
            "instantaneous_exceedance": inst >= 2,
            "results": tuple(results),
            "left_out": (),
        },
    )
    days = sorted(by_day.items()) if len(by_day) > 1 else by_day.items()
    return evaluation, [QseCheck(day, clean) for day, clean in days]


def left_out(nal: NAL, samples: Iterable[Sample], nd_policy: NdPolicy = "zero") -> tuple[LeftOutResult, ...]:
    """The results of `nal` (of one facility and reporting year) that `evaluate_with_qses` does not count, each
    with its reason, in sample order: a location that is not Effluent Monitoring or an event that is not storm
    water (era-rules "Which results count"), an exact duplicate of a counted row, a non-detect under
    nd_policy=exclude. What the annual run keeps so a user can check the average."""
    out: list[tuple[Sample, LeftOutReason]] = []
    eligible: list[Sample] = []
    for sample in samples:
        if sample.nal != nal.parameter:
            continue
        if not is_effluent_location(sample.location_type):
            out.append((sample, "not_effluent_location"))
        elif not is_storm_water_event(sample.event_type):
            out.append((sample, "not_storm_water_event"))
        else:
            eligible.append(sample)
    kept, _ = deduplicate(eligible)
    kept_ids = {id(s) for s in kept}
    out.extend((s, "duplicate") for s in eligible if id(s) not in kept_ids)
    if nd_policy == "exclude":
        out.extend((s, "non_detect_excluded") for s in kept if s.non_detect)
    out.sort(key=lambda entry: _order(entry[0]))
    return tuple(
        LeftOutResult(s.sample_id, s.sample_date, s.location, s.qualifier, reason, s.value, s.line) for s, reason in out
    )

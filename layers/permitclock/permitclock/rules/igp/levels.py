"""The IGP Level state machine and the yearly July 1 assignment of one facility's partition.

`assign_year` is pure: a facility's current statuses and one reporting year's samples in, one `Assignment` per
parameter out (new status, evidence, obligations opened). It never reads the clock: `as_of` is passed in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from itertools import pairwise
from typing import Any

from permitclock.domain.levels import (
    Assignment,
    Level,
    NdPolicy,
    ParameterStatus,
    QseCheck,
    YearEvaluation,
    trusted,
    trusted_copy,
)
from permitclock.domain.obligations import Obligation
from permitclock.domain.samples import Sample
from permitclock.errors import BadInput, Conflict
from permitclock.rules.igp import obligations as ob
from permitclock.rules.igp.exceedances import counted_samples, eligible_results, evaluate_with_qses
from permitclock.rules.igp.nals import NAL, nal_by_report_name, nal_table
from permitclock.rules.igp.years import FIRST_LEVEL_YEAR, assignment_date, has_levels, is_over

QSE_TEST_LENGTH = 4
NO_FURTHER_ERA: frozenset[str] = frozenset({"non_industrial", "natural_background"})

RULE_BASELINE_TO_LEVEL_1 = "Baseline -> Level 1: NAL exceedance, never in Level 2 (IGP XII.C; [FS144], [FS145])"
RULE_BASELINE_TO_LEVEL_2 = (
    "Baseline -> Level 2: NAL exceedance after an earlier return from Level 2; Technical Report update due "
    "(IGP XII.D; [SJ-680])"
)
RULE_LEVEL_1_TO_LEVEL_2 = "Level 1 -> Level 2: NAL exceedance while in Level 1 (IGP XII.D; [FS144])"
RULE_LEVEL_2_STAYS = "Level 2 stays Level 2: NAL exceedance while in Level 2 (IGP XII.D.3.c; [CASQA-L2TR])"
RULE_LEVEL_2_NO_FURTHER_ERA = (
    "Level 2 stays Level 2: exceedance after a Non-Industrial / Natural Background demonstration, "
    "no further ERA unless the Regional Board directs (IGP XII.D.2.b-c; [FS150])"
)
RULE_LEVEL_1_TO_BASELINE = (
    "Level 1 -> Baseline: Level 1 ERA Report submitted, BMPs implemented, four consecutive clean QSEs after "
    "implementation (IGP XII.C.4; [SJ-671])"
)
RULE_LEVEL_2_TO_BASELINE = (
    "Level 2 -> Baseline: Technical Report with an Industrial Activity BMP Demonstration expected to "
    "eliminate future exceedances, four consecutive clean QSEs after implementation (IGP XII.D.4; [SJ-680])"
)
RULE_UNCHANGED_NO_EXCEEDANCE = "unchanged: no NAL exceedance in the reporting year (IGP XII.B)"
RULE_UNCHANGED_NO_RESULTS = "unchanged: no counted result in the reporting year (IGP XII.B)"


def merge_qses(previous: Iterable[QseCheck], new: Iterable[QseCheck]) -> tuple[QseCheck, ...]:
    """The four most recent QSEs of the parameter, oldest first (a QSE seen twice is clean only if both
    were)."""
    by_day: dict[date, bool] = {}
    for check in (*previous, *new):
        by_day[check.event_date] = by_day.get(check.event_date, True) and check.clean
    recent = sorted(by_day.items())[-QSE_TEST_LENGTH:]
    return tuple(QseCheck(event_date=day, clean=clean) for day, clean in recent)


def merge_sorted_qses(previous: tuple[QseCheck, ...], new: list[QseCheck]) -> tuple[QseCheck, ...]:
    """`merge_qses` for `new` as `evaluate_with_qses` returns it (sorted, one per day): when every new QSE is later than
    the stored ones, and the stored ones are in order one per day (the usual case: years assigned in order), the
    result is the last four of both, as is."""
    if not previous:
        return tuple(new[-QSE_TEST_LENGTH:])
    if all(a.event_date < b.event_date for a, b in pairwise(previous)) and (
        not new or previous[-1].event_date < new[0].event_date
    ):
        return (*previous, *new)[-QSE_TEST_LENGTH:]
    return merge_qses(previous, new)


def four_clean_qses_after(qses: tuple[QseCheck, ...], implemented: date | None) -> bool:
    """The four most recent consecutive QSEs sampled after the BMP implementation date each had no result
    above the annual NAL nor outside the instantaneous limits (IGP XII.C.4 / XII.D.4; [SJ-671], [SJ-680]). The
    QSEs may span reporting years. The four most recent after a date are the last four overall when all four
    are after it."""
    if implemented is None or len(qses) < QSE_TEST_LENGTH:
        return False
    last = qses[-QSE_TEST_LENGTH:]
    return all(q.clean and q.event_date > implemented for q in last)


def _on_or_before(fact: date | None, day: date) -> bool:
    return fact is not None and fact <= day


def may_return_from_level_1(status: ParameterStatus, qses: tuple[QseCheck, ...], assigned_on: date) -> bool:
    """Level 1 -> Baseline (IGP XII.C.4; [SJ-671], [TRINITY]): the Level 1 ERA Report submitted, its BMPs
    implemented (a date), and four consecutive clean QSEs sampled after that date, all known by July 1."""
    return (
        _on_or_before(status.level_1_report_submitted, assigned_on)
        and _on_or_before(status.bmps_implemented, assigned_on)
        and four_clean_qses_after(qses, status.bmps_implemented)
    )


def may_return_from_level_2(status: ParameterStatus, qses: tuple[QseCheck, ...], assigned_on: date) -> bool:
    """Level 2 -> Baseline (IGP XII.D.4; [SJ-680]): the Technical Report submitted with an Industrial Activity
    BMP Demonstration stating the BMPs are expected to eliminate future exceedances, plus the four-clean-QSE
    test. A Non-Industrial or Natural Background demonstration never returns to Baseline ([FS150])."""
    return (
        status.demonstration == "industrial_activity_eliminates"
        and _on_or_before(status.technical_report_submitted, assigned_on)
        and _on_or_before(status.bmps_implemented, assigned_on)
        and four_clean_qses_after(qses, status.bmps_implemented)
    )


def transition(
    status: ParameterStatus, exceeded: bool, qses: tuple[QseCheck, ...], assigned_on: date
) -> tuple[Level, str, tuple[str, ...]]:
    """The new level, the rule applied and the obligation types opened (era-rules "Level status" table).

    Exceedance: Baseline -> Level 1 (never in Level 2) or -> Level 2 (returned from Level 2 earlier, Technical
    Report update due); Level 1 -> Level 2; Level 2 stays, with a Technical Report update when the Technical
    Report was submitted before July 1 (none after a Non-Industrial / Natural Background demonstration). There
    is no direct Baseline -> Level 2 for a parameter never in Level 2. No exceedance: unchanged unless a
    return to Baseline holds.
    """
    level = status.level
    if exceeded:
        if level == "Baseline":
            if status.ever_level_2:
                return "Level 2", RULE_BASELINE_TO_LEVEL_2, (ob.LEVEL_2_ERA_TECHNICAL_REPORT_UPDATE,)
            return "Level 1", RULE_BASELINE_TO_LEVEL_1, (ob.LEVEL_1_ERA_EVALUATION, ob.LEVEL_1_ERA_REPORT)
        if level == "Level 1":
            return (
                "Level 2",
                RULE_LEVEL_1_TO_LEVEL_2,
                (ob.LEVEL_2_ERA_ACTION_PLAN, ob.LEVEL_2_ERA_TECHNICAL_REPORT),
            )
        if status.demonstration in NO_FURTHER_ERA:
            return "Level 2", RULE_LEVEL_2_NO_FURTHER_ERA, ()
        if _on_or_before(status.technical_report_submitted, assigned_on):
            return "Level 2", RULE_LEVEL_2_STAYS, (ob.LEVEL_2_ERA_TECHNICAL_REPORT_UPDATE,)
        return "Level 2", RULE_LEVEL_2_STAYS, ()
    if level == "Level 1" and may_return_from_level_1(status, qses, assigned_on):
        return "Baseline", RULE_LEVEL_1_TO_BASELINE, ()
    if level == "Level 2" and may_return_from_level_2(status, qses, assigned_on):
        return "Baseline", RULE_LEVEL_2_TO_BASELINE, ()
    return level, RULE_UNCHANGED_NO_EXCEEDANCE, ()


def _new_status(
    status: ParameterStatus, level: Level, qses: tuple[QseCheck, ...], reporting_year: str, assigned_on: date
) -> ParameterStatus:
    """The status after the assignment. A new level starts on July 1 with the return facts of the old one
    cleared: a dated fact (Level 1 ERA Report submitted, BMPs implemented) is kept only when it is dated on or
    after that July 1 (it belongs to the new level: facts take effect by their dates, whenever they were
    recorded); the demonstration goes with them. The submitted Technical Report is kept across every change
    (Level 2 -> Baseline -> Level 2 opens its update, era-rules "Level status")."""
    update: dict[str, Any] = {
        "recent_qses": qses,
        "last_assigned_year": reporting_year,
        "version": status.version + 1,
    }
    if level != status.level:
        update.update(
            level=level,
            since=assigned_on,
            ever_level_2=status.ever_level_2 or level == "Level 2",
            level_1_report_submitted=_dated_from(status.level_1_report_submitted, assigned_on),
            bmps_implemented=_dated_from(status.bmps_implemented, assigned_on),
        )
        if _dated_from(status.technical_report_submitted, assigned_on) is None:
            update["demonstration"] = None
    return trusted_copy(status, update)  # status.model_copy(update=update), without copy.copy


def _dated_from(fact: date | None, day: date) -> date | None:
    return fact if fact is not None and fact >= day else None


def _facts(evaluation: YearEvaluation, prior: Level, level: Level, rule: str) -> dict[str, Any]:
    def text(value: object) -> str | None:
        return None if value is None else str(value)

    return {
        "reporting_year": evaluation.reporting_year,
        "prior_level": prior,
        "level": level,
        "rule": rule,
        "result_count": evaluation.result_count,
        "annual_average": text(evaluation.annual_average),
        "annual_nal": text(evaluation.annual_nal),
        "annual_exceedance": evaluation.annual_exceedance,
        "instantaneous_exceedance_count": evaluation.instantaneous_exceedance_count,
        "instantaneous_exceedance": evaluation.instantaneous_exceedance,
        "nd_policy": evaluation.nd_policy,
    }


def assign_parameter(
    wdid: str,
    reporting_year: str,
    nal: NAL,
    status: ParameterStatus,
    samples: Iterable[Sample],
    nd_policy: NdPolicy = "zero",
) -> Assignment:
    """The July 1 assignment of one parameter: evaluate the year, update the QSE history, apply the
    transition, open the obligations (era-rules "Level status", "Obligations and due dates")."""
    eligible, duplicates = eligible_results(nal, reporting_year, samples)
    return _assign(wdid, reporting_year, assignment_date(reporting_year), nal, status, eligible, duplicates, nd_policy)


def _assign(
    wdid: str,
    reporting_year: str,
    assigned_on: date,
    nal: NAL,
    status: ParameterStatus,
    eligible: list[Sample],
    duplicates: int,
    nd_policy: NdPolicy,
) -> Assignment:
    """`assign_parameter` on the year's eligible results (`eligible_results`)."""
    evaluation, checks = evaluate_with_qses(nal, reporting_year, eligible, duplicates, nd_policy)
    qses = merge_sorted_qses(status.recent_qses, checks)
    prior = status.level
    level, rule, opened = transition(status, evaluation.exceedance, qses, assigned_on)
    if evaluation.result_count == 0 and level == prior:
        rule = RULE_UNCHANGED_NO_RESULTS
    obligations: tuple[Obligation, ...] = ()
    if opened:
        facts = _facts(evaluation, prior, level, rule)
        obligations = tuple(
            ob.era_obligation(
                kind, wdid, nal.level_report_name, reporting_year, facts, technical_report_id=status.technical_report_id
            )
            for kind in opened
        )
    return trusted(  # every field is built here from typed values: no re-validation
        Assignment,
        {
            "wdid": wdid,
            "parameter": nal.level_report_name,
            "reporting_year": reporting_year,
            "assigned_on": assigned_on,
            "prior_level": prior,
            "level": level,
            "rule": rule,
            "evaluation": evaluation,
            "obligations": obligations,
            "status": _new_status(status, level, qses, reporting_year, assigned_on),
        },
    )


_BASELINES: dict[str, ParameterStatus] = {}


def _baseline(nal: NAL) -> ParameterStatus:
    """The Baseline status of a parameter without one (frozen, so one instance per parameter is shared)."""
    status = _BASELINES.get(nal.level_report_name)
    if status is None:
        status = _BASELINES[nal.level_report_name] = ParameterStatus(parameter=nal.level_report_name)
    return status


def assign_year(
    wdid: str,
    reporting_year: str,
    statuses: Mapping[str, ParameterStatus],
    samples: Iterable[Sample],
    *,
    as_of: date,
    nd_policy: NdPolicy = "zero",
) -> list[Assignment]:
    """Assign the Levels of one facility for one reporting year, on the July 1 after it (era-rules "Level
    status").

    `statuses` maps a parameter's level_report_name (`Zinc, Total (Recoverable)`) to its current status; a
    parameter without one starts at Baseline. `samples` may hold other facilities and years: only this WDID's
    samples of this reporting year are used. Returns one assignment per parameter that has a status or a
    sample mapped to an NAL this year, sorted by parameter. Raises `Conflict` when the year is not over on
    `as_of` (a Level never changes from a year not yet over), predates 2015-2016, or was already assigned.
    """
    _check_year(reporting_year, as_of)
    by_nal: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        if sample.nal is not None and sample.wdid == wdid and sample.reporting_year == reporting_year:
            by_nal[sample.nal].append(sample)
    return assign_grouped(wdid, reporting_year, statuses, by_nal, as_of=as_of, nd_policy=nd_policy, checked=True)


def assign_grouped(
    wdid: str,
    reporting_year: str,
    statuses: Mapping[str, ParameterStatus],
    by_nal: Mapping[str, Iterable[Sample]],
    *,
    as_of: date,
    nd_policy: NdPolicy = "zero",
    checked: bool = False,
) -> list[Assignment]:
    """`assign_year` on samples already grouped by NAL parameter key (`Sample.nal`), every one of them of this
    WDID and reporting year (the caller grouped them; `permitclock levels` does it once while reading). Same
    checks, same result. `checked`: the year was already checked by `assign_year`."""
    if not checked:
        _check_year(reporting_year, as_of)
    table = nal_table()
    current: dict[str, ParameterStatus] = {}
    for name, status in statuses.items():
        nal = nal_by_report_name(name)
        if nal is None or status.parameter != nal.level_report_name:
            raise BadInput(f"status key {name!r} is not an NAL parameter's Level report name", field="statuses")
        if status.last_assigned_year is not None and status.last_assigned_year >= reporting_year:
            raise Conflict(
                f"{wdid} {name}: already assigned through {status.last_assigned_year}",
                code="already_assigned",
            )
        current[nal.parameter] = status
    assigned_on = assignment_date(reporting_year)
    assignments = []
    for key in sorted(set(current).union(by_nal)):
        nal = table[key]
        status = current.get(key) or _baseline(nal)
        samples = by_nal.get(key, ())
        eligible, duplicates = counted_samples(nal, samples)
        assignments.append(_assign(wdid, reporting_year, assigned_on, nal, status, eligible, duplicates, nd_policy))
    if len(assignments) > 1:
        assignments.sort(key=_by_parameter)
    return assignments


def _by_parameter(assignment: Assignment) -> str:
    return assignment.parameter


def _check_year(reporting_year: str, as_of: date) -> None:
    if not has_levels(reporting_year):
        raise Conflict(f"reporting year {reporting_year} predates {FIRST_LEVEL_YEAR}: no Level", code="no_level_year")
    if not is_over(reporting_year, as_of):
        raise Conflict(
            f"reporting year {reporting_year} is not over on {as_of.isoformat()}: Levels are assigned on "
            f"{assignment_date(reporting_year).isoformat()}",
            code="year_not_over",
        )

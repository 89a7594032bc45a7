"""One test per rule of shared/reference/era-rules.md (exceedances, counting, state machine, obligations)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from igp_helpers import WDID, sample
from permitclock.domain.levels import ParameterStatus, QseCheck
from permitclock.errors import Conflict
from permitclock.rules.igp import (
    LEVEL_1_ERA_EVALUATION,
    LEVEL_1_ERA_REPORT,
    LEVEL_2_ERA_ACTION_PLAN,
    LEVEL_2_ERA_TECHNICAL_REPORT,
    LEVEL_2_ERA_TECHNICAL_REPORT_UPDATE,
    annual_report_obligation,
    assign_year,
    automatic_extension_due,
    evaluate_year,
    nal_for,
    nal_table,
    reporting_year_of,
)
from permitclock.rules.igp.levels import four_clean_qses_after, merge_qses
from permitclock.rules.igp.nals import UnitError, conversion_factor
from permitclock.rules.igp.obligations import latest_board_extension_due
from permitclock.rules.igp.years import assignment_date, has_levels, is_over

ZINC = nal_table()["Zinc"]
TSS = nal_table()["Total Suspended Solids (TSS)"]
PH = nal_table()["pH"]
OG = nal_table()["Oil and Grease"]
ZINC_NAME = "Zinc, Total (Recoverable)"
Y = "2016-2017"
D = date(2016, 11, 1)
AS_OF = date(2025, 11, 1)


def ev(nal, *samples, nd_policy="zero", year=Y):  # type: ignore[no-untyped-def]
    return evaluate_year(nal, year, samples, nd_policy)


def assign(samples, statuses=None, year=Y, nd_policy="zero"):  # type: ignore[no-untyped-def]
    return {a.parameter: a for a in assign_year(WDID, year, statuses or {}, samples, as_of=AS_OF, nd_policy=nd_policy)}


def zinc_over(day: date = D) -> list:  # type: ignore[type-arg]
    return [sample("Zinc, Total", "0.5", day)]


# ---------------------------------------------------------------- reporting year
def test_reporting_year_runs_july_1_to_june_30() -> None:
    assert reporting_year_of(date(2017, 6, 30)) == "2016-2017"
    assert reporting_year_of(date(2017, 7, 1)) == "2017-2018"


def test_first_level_year_is_2015_2016_earlier_results_never_assigned() -> None:
    assert has_levels("2015-2016") and not has_levels("2014-2015")
    assert assignment_date("2015-2016") == date(2016, 7, 1)
    with pytest.raises(Conflict):
        assign_year(WDID, "2014-2015", {}, [sample(day=date(2014, 12, 1))], as_of=AS_OF)


def test_result_belongs_to_reporting_year_of_its_sample_date() -> None:
    june, july = sample(day=date(2017, 6, 30)), sample(day=date(2017, 7, 1))
    assert ev(ZINC, june, july).result_count == 1
    assert ev(ZINC, june, july, year="2017-2018").result_count == 1


# ---------------------------------------------------------------- which results count
def test_only_effluent_monitoring_location_type_counts() -> None:
    other = sample(location_type="Receiving Water")
    assert ev(ZINC, other, sample()).result_count == 1
    assert ev(ZINC, sample(location_type=None)).result_count == 1  # column absent


def test_storm_water_events_count_qualifying_or_not_non_storm_water_discharge_does_not() -> None:
    rows = [
        sample(event_type="Qualifying Storm Event"),
        sample(event_type="Non-Qualifying Storm Event"),
        sample(event_type="Non-Storm Water Discharge"),
    ]
    assert ev(ZINC, *rows).result_count == 2


def test_extra_voluntary_results_count() -> None:
    rows = [sample(result="0.1", day=date(2016, 8, d)) for d in range(1, 9)]
    assert ev(ZINC, *rows).result_count == 8


def test_alias_table_maps_smarts_names_to_nal() -> None:
    for name in ("Zinc, Total", "Zinc Total", "zinc,total recoverable", "Zinc, Total (Recoverable)"):
        assert nal_for(name) is ZINC
    assert nal_for("Oil and Grease") is OG


def test_dissolved_never_maps_to_total_metal_nal() -> None:
    assert nal_for("Zinc, Dissolved") is None
    assert nal_for("Zinc Dissolved") is None
    assert ev(ZINC, sample("Zinc, Dissolved", "5")).result_count == 0


def test_unmapped_parameter_has_no_level() -> None:
    s = sample("Electrical Conductivity @ 25 Deg. C", "900", units="umhos/cm")
    assert s.nal is None
    assert assign([s]) == {}


def test_units_converted_ug_per_l_and_ng_per_l_to_mg_per_l() -> None:
    assert conversion_factor("ug/L", "mg/L") == Decimal("0.001")
    assert conversion_factor("ng/L", "mg/L") == Decimal("0.000001")
    assert conversion_factor("SU", "SU") == 1
    e = ev(ZINC, sample(result="260", units="ug/L"), sample(result="300", units="ug/L"))
    assert e.annual_average == Decimal("0.28") and e.annual_exceedance
    assert not ev(ZINC, sample(result="260", units="ug/L")).annual_exceedance  # exactly 0.26


def test_unconvertible_unit_is_an_error() -> None:
    with pytest.raises(UnitError):
        conversion_factor("MPN/100 mL", "mg/L")
    with pytest.raises(UnitError):
        conversion_factor("mg/L", "SU")


def test_exact_duplicate_rows_count_once() -> None:
    a = sample(result="0.5", sample_id="X1")
    b = sample(result="0.5", sample_id="X1")
    e = ev(ZINC, a, b, sample(result="0.1", sample_id="X2"))
    assert e.result_count == 2 and e.duplicates_ignored == 1


def test_distinct_samples_from_different_locations_same_day_each_count() -> None:
    rows = [sample(result="0.1", sample_id="X", location=loc) for loc in ("DP-1", "DP-2")]
    assert ev(ZINC, *rows).result_count == 2


def test_nd_policy_zero_counts_non_detect_as_zero_in_sum_and_count() -> None:
    e = ev(ZINC, sample(result="0.4"), sample(result=None, qualifier="ND"))
    assert e.result_count == 2 and e.annual_average == Decimal("0.2") and not e.annual_exceedance


def test_nd_policy_exclude_leaves_non_detect_out_of_sum_and_count() -> None:
    e = ev(ZINC, sample(result="0.4"), sample(result=None, qualifier="ND"), nd_policy="exclude")
    assert e.result_count == 1 and e.annual_average == Decimal("0.4") and e.annual_exceedance


def test_less_than_with_value_is_a_non_detect() -> None:
    e = ev(ZINC, sample(result="0.9", qualifier="<"))
    assert e.annual_average == 0 and not e.annual_exceedance


def test_non_detect_is_never_an_instantaneous_exceedance() -> None:
    rows = [sample("Total Suspended Solids (TSS)", "500", qualifier="ND") for _ in range(3)]
    assert ev(TSS, *rows).instantaneous_exceedance_count == 0


def test_dnq_and_greater_than_use_the_reported_value() -> None:
    assert ev(ZINC, sample(result="0.3", qualifier="DNQ")).annual_exceedance
    assert ev(ZINC, sample(result="0.3", qualifier=">")).annual_exceedance


def test_exact_decimal_zinc_0_1_0_2_0_48_averages_0_26_and_does_not_exceed() -> None:
    e = ev(ZINC, sample(result="0.1"), sample(result="0.2"), sample(result="0.48"))
    assert e.annual_average == Decimal("0.26")
    assert not e.annual_exceedance


# ---------------------------------------------------------------- exceedances
def test_annual_exceedance_is_average_strictly_greater_than_annual_nal() -> None:
    assert not ev(ZINC, sample(result="0.26")).annual_exceedance
    assert ev(ZINC, sample(result="0.2600001")).annual_exceedance


def test_ph_has_no_annual_nal() -> None:
    e = ev(PH, sample("pH", "12"), sample("pH", "7"))
    assert e.annual_nal is None and e.annual_average is None and not e.annual_exceedance


def test_instantaneous_exceedance_needs_two_or_more_results_above_the_max() -> None:
    one = ev(TSS, sample("Total Suspended Solids (TSS)", "401"))
    assert one.instantaneous_exceedance_count == 1 and not one.instantaneous_exceedance
    two = ev(TSS, sample("Total Suspended Solids (TSS)", "401"), sample("Total Suspended Solids (TSS)", "450"))
    assert two.instantaneous_exceedance_count == 2 and two.instantaneous_exceedance
    og = ev(OG, sample("Oil and Grease", "26"), sample("Oil and Grease", "30"))
    assert og.instantaneous_exceedance


def test_instantaneous_exactly_at_the_limit_is_inside() -> None:
    rows = [sample("Total Suspended Solids (TSS)", "400") for _ in range(3)]
    assert ev(TSS, *rows).instantaneous_exceedance_count == 0
    assert ev(OG, sample("Oil and Grease", "25"), sample("Oil and Grease", "25")).instantaneous_exceedance_count == 0


def test_ph_instantaneous_below_6_or_above_9_exactly_6_and_9_inside() -> None:
    inside = ev(PH, sample("pH", "6.0"), sample("pH", "9.0"), sample("pH", "6"), sample("pH", "9"))
    assert inside.instantaneous_exceedance_count == 0
    outside = ev(PH, sample("pH", "5.9"), sample("pH", "9.1"))
    assert outside.instantaneous_exceedance_count == 2 and outside.instantaneous_exceedance


def test_parameter_with_no_counted_results_has_no_exceedance() -> None:
    e = ev(ZINC)
    assert e.result_count == 0 and not e.annual_exceedance and not e.instantaneous_exceedance


def test_decision_keeps_its_evidence() -> None:
    a = assign([sample(result="0.3"), sample(result="0.5")])[ZINC_NAME]
    e = a.evaluation
    assert e.result_count == 2 and e.annual_average == Decimal("0.4") and e.annual_nal == Decimal("0.26")
    assert [r.counted_as for r in e.results] == [Decimal("0.3"), Decimal("0.5")]
    assert "Baseline -> Level 1" in a.rule and "XII.C" in a.rule
    assert a.obligations[0].facts["annual_average"] == "0.4"


# ---------------------------------------------------------------- level status
def status(level: str = "Baseline", **kw: object) -> ParameterStatus:
    return ParameterStatus(parameter=ZINC_NAME, level=level, **kw)  # type: ignore[arg-type]


def test_baseline_never_in_level_2_exceedance_goes_to_level_1() -> None:
    a = assign(zinc_over())[ZINC_NAME]
    assert (a.prior_level, a.level, a.assigned_on) == ("Baseline", "Level 1", date(2017, 7, 1))
    assert a.status.since == date(2017, 7, 1)


def test_no_direct_baseline_to_level_2_for_a_parameter_never_in_level_2() -> None:
    rows = [sample(result="9", day=date(2016, 8, d)) for d in range(1, 20)]
    assert assign(rows)[ZINC_NAME].level == "Level 1"


def test_level_1_exceedance_goes_to_level_2() -> None:
    a = assign(zinc_over(), {ZINC_NAME: status("Level 1", since=date(2016, 7, 1))})[ZINC_NAME]
    assert a.level == "Level 2" and a.status.ever_level_2
    assert [(o.type, o.due) for o in a.obligations] == [
        (LEVEL_2_ERA_ACTION_PLAN, date(2018, 1, 1)),
        (LEVEL_2_ERA_TECHNICAL_REPORT, date(2019, 1, 1)),
    ]


def test_baseline_after_level_2_exceedance_goes_back_to_level_2_with_technical_report_update() -> None:
    prior = status("Baseline", ever_level_2=True, technical_report_submitted=date(2015, 12, 1))
    a = assign(zinc_over(), {ZINC_NAME: prior})[ZINC_NAME]
    assert a.level == "Level 2"
    assert [(o.type, o.due) for o in a.obligations] == [(LEVEL_2_ERA_TECHNICAL_REPORT_UPDATE, date(2017, 7, 15))]


def test_level_2_exceedance_stays_level_2_update_due_only_if_technical_report_submitted() -> None:
    without = assign(zinc_over(), {ZINC_NAME: status("Level 2", ever_level_2=True)})[ZINC_NAME]
    assert without.level == "Level 2" and without.obligations == ()
    submitted = status("Level 2", ever_level_2=True, technical_report_submitted=date(2016, 12, 20))
    a = assign(zinc_over(), {ZINC_NAME: submitted})[ZINC_NAME]
    assert [(o.type, o.due) for o in a.obligations] == [(LEVEL_2_ERA_TECHNICAL_REPORT_UPDATE, date(2017, 7, 15))]


def test_level_2_non_industrial_or_natural_background_stays_with_no_further_era() -> None:
    for demo in ("non_industrial", "natural_background"):
        prior = status("Level 2", ever_level_2=True, technical_report_submitted=date(2016, 1, 1), demonstration=demo)
        a = assign(zinc_over(), {ZINC_NAME: prior})[ZINC_NAME]
        assert a.level == "Level 2" and a.obligations == () and "no further ERA" in a.rule


def test_no_exceedance_leaves_level_unchanged() -> None:
    for level in ("Baseline", "Level 1", "Level 2"):
        a = assign([sample(result="0.01")], {ZINC_NAME: status(level)})[ZINC_NAME]
        assert a.level == level and a.obligations == ()


def clean_qses(n: int, start: date = date(2016, 10, 1)) -> list:  # type: ignore[type-arg]
    return [sample(result="0.01", day=date(start.year, start.month, start.day + 7 * i)) for i in range(n)]


def test_level_1_returns_to_baseline_after_report_bmps_and_four_clean_qses() -> None:
    prior = status(
        "Level 1", since=date(2016, 7, 1), level_1_report_submitted=date(2016, 9, 1),
        bmps_implemented=date(2016, 9, 15),
    )  # fmt: skip
    a = assign(clean_qses(4), {ZINC_NAME: prior})[ZINC_NAME]
    assert a.level == "Baseline" and "Level 1 -> Baseline" in a.rule
    assert a.status.level_1_report_submitted is None and not a.status.ever_level_2


@pytest.mark.parametrize(
    ("facts", "qses"),
    [
        ({"bmps_implemented": date(2016, 9, 15)}, 4),  # no Level 1 ERA Report
        ({"level_1_report_submitted": date(2016, 9, 1)}, 4),  # no BMP implementation date
        ({"level_1_report_submitted": date(2016, 9, 1), "bmps_implemented": date(2016, 9, 15)}, 3),  # 3 QSEs
        (
            {"level_1_report_submitted": date(2016, 9, 1), "bmps_implemented": date(2016, 10, 1)},
            4,
        ),  # one on the day
    ],
)
def test_level_1_does_not_return_to_baseline_without_every_fact(facts: dict, qses: int) -> None:  # type: ignore[type-arg]
    a = assign(clean_qses(qses), {ZINC_NAME: status("Level 1", **facts)})[ZINC_NAME]
    assert a.level == "Level 1"


def test_four_clean_qse_test_is_consecutive_and_spans_years() -> None:
    dirty = QseCheck(event_date=date(2016, 2, 1), clean=False)
    cleans = [QseCheck(event_date=date(2016, 3, d), clean=True) for d in (1, 2, 3)]
    history = merge_qses([dirty, *cleans], [])
    assert not four_clean_qses_after(history, date(2015, 1, 1))
    history = merge_qses(history, [QseCheck(event_date=date(2016, 11, 1), clean=True)])
    assert four_clean_qses_after(history, date(2016, 1, 1))
    assert not four_clean_qses_after(history, date(2016, 3, 1))  # only three after the BMP date


def test_qse_with_one_result_above_annual_nal_is_not_clean() -> None:
    prior = status("Level 1", level_1_report_submitted=date(2016, 9, 1), bmps_implemented=date(2016, 9, 15))
    rows = [*clean_qses(4), sample(result="0.3", day=date(2016, 10, 22), location="DP-2")]  # avg still < NAL
    a = assign(rows, {ZINC_NAME: prior})[ZINC_NAME]
    assert not a.evaluation.annual_exceedance and a.level == "Level 1"


def test_level_2_returns_to_baseline_only_with_industrial_activity_bmps_eliminating_exceedances() -> None:
    facts = {"technical_report_submitted": date(2016, 9, 1), "bmps_implemented": date(2016, 9, 15)}
    ok = assign(
        clean_qses(4),
        {ZINC_NAME: status("Level 2", ever_level_2=True, demonstration="industrial_activity_eliminates", **facts)},
    )[ZINC_NAME]
    assert ok.level == "Baseline" and ok.status.ever_level_2
    for demo in ("industrial_activity", "non_industrial", "natural_background"):
        a = assign(clean_qses(4), {ZINC_NAME: status("Level 2", ever_level_2=True, demonstration=demo, **facts)})
        assert a[ZINC_NAME].level == "Level 2"


def test_level_never_changes_from_a_reporting_year_not_yet_over() -> None:
    assert not is_over(Y, date(2017, 6, 30)) and is_over(Y, date(2017, 7, 1))
    with pytest.raises(Conflict):
        assign_year(WDID, Y, {}, zinc_over(), as_of=date(2017, 6, 30))
    assert assign_year(WDID, Y, {}, zinc_over(), as_of=date(2017, 7, 1))[0].level == "Level 1"


def test_a_year_is_assigned_once() -> None:
    a = assign(zinc_over())[ZINC_NAME]
    with pytest.raises(Conflict):
        assign_year(WDID, Y, {ZINC_NAME: a.status}, zinc_over(), as_of=AS_OF)


def test_every_parameter_has_its_own_status() -> None:
    rows = [*zinc_over(), sample("Total Suspended Solids (TSS)", "10")]
    out = assign(rows)
    assert out[ZINC_NAME].level == "Level 1" and out["Total Suspended Solids (TSS)"].level == "Baseline"


# ---------------------------------------------------------------- obligations
def test_level_1_era_evaluation_due_october_1_and_report_january_1() -> None:
    a = assign(zinc_over())[ZINC_NAME]
    assert [(o.type, o.due) for o in a.obligations] == [
        (LEVEL_1_ERA_EVALUATION, date(2017, 10, 1)),
        (LEVEL_1_ERA_REPORT, date(2018, 1, 1)),  # a holiday, not rolled
    ]
    o = a.obligations[0]
    assert (o.program, o.facility_id, o.subject, o.period, o.status) == ("igp", WDID, ZINC_NAME, Y, "open")
    assert "XII.C.1" in o.section


def test_annual_report_due_july_15_after_the_reporting_year() -> None:
    o = annual_report_obligation(WDID, "2023-2024")
    assert (o.type, o.due) == ("Annual Report", date(2024, 7, 15))


def test_the_automatic_extension_moves_only_the_january_1_due_date_and_a_board_date_is_bounded() -> None:
    a = assign(zinc_over(), {ZINC_NAME: status("Level 1")})[ZINC_NAME]
    tr = next(o for o in a.obligations if o.type == LEVEL_2_ERA_TECHNICAL_REPORT)
    assert tr.due == date(2019, 1, 1)
    assert automatic_extension_due(tr.due) == date(2019, 6, 30)
    assert automatic_extension_due(date(2019, 6, 30)) is None  # already moved: by it, or by the Board
    assert latest_board_extension_due(date(2026, 12, 3)) == date(2031, 12, 3)
    assert latest_board_extension_due(date(2028, 2, 29)) == date(2033, 2, 28)

"""The in-year outlook at its boundaries: exactly at the NAL, one and two instantaneous exceedances, the last QSE
of the year, an average that cannot come back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from igp_helpers import WDID, sample
from permitclock.domain.levels import ParameterStatus
from permitclock.rules.igp.nals import nal_for
from permitclock.rules.igp.outlook import parameter_outlook, qses_required_remaining

ZINC = nal_for("Zinc, Total")
TSS = nal_for("Total Suspended Solids (TSS)")
assert ZINC is not None and TSS is not None


def zinc(*results: tuple[str, date], location: str = "DP-1") -> list:  # type: ignore[type-arg]
    return [sample("Zinc, Total", value, day, location=location) for value, day in results]


def test_qses_required_count_only_halves_not_over() -> None:
    year = "2025-2026"
    assert qses_required_remaining(year, date(2025, 7, 1), []) == 4
    assert qses_required_remaining(year, date(2025, 11, 1), [date(2025, 10, 2)]) == 3
    assert qses_required_remaining(year, date(2026, 1, 1), [date(2025, 10, 2)]) == 2  # the missed one is gone
    assert qses_required_remaining(year, date(2026, 3, 1), [date(2026, 2, 1), date(2026, 2, 20)]) == 0
    assert qses_required_remaining(year, date(2026, 3, 1), [date(2026, 2, 1)] * 3) == 1  # one date, one QSE


def test_exactly_at_the_nal_is_on_track_and_may_average_the_nal() -> None:
    # 0.1 + 0.2 + 0.48 = 0.78 over 3 is exactly 0.26: not above the NAL (era-rules "Exceedances")
    samples = zinc(("0.1", date(2025, 10, 1)), ("0.2", date(2025, 11, 1)), ("0.48", date(2026, 1, 10)))
    out = parameter_outlook(WDID, ZINC, samples, as_of=date(2026, 2, 1))
    assert out.state == "on_track" and out.running_average == Decimal("0.26")
    assert (out.qses_sampled, out.qses_required_remaining, out.remaining_results) == (3, 1, 1)
    assert out.max_remaining_average == Decimal("0.26") and out.remaining_sum_allowed == Decimal("0.26")


def test_over_the_nal_now_but_able_to_come_back_is_at_risk_with_the_exact_allowance() -> None:
    samples = zinc(("0.5", date(2025, 10, 1)))
    out = parameter_outlook(WDID, ZINC, samples, as_of=date(2025, 10, 2))
    # three QSEs remain (one this half, two next): 0.26 x 4 - 0.5 = 0.54 over 3 results = 0.18
    assert out.state == "at_risk" and out.qses_required_remaining == 3
    assert out.max_remaining_average == Decimal("0.18") and out.running_average == Decimal("0.5")
    assert out.level_if_exceeded == "Level 1" and "Level 1 ERA Evaluation" in " ".join(out.obligations_if_exceeded)


def test_an_average_that_cannot_come_back_is_certain() -> None:
    samples = zinc(("1.2", date(2025, 10, 1)))  # 1.2 > 0.26 x 4 = 1.04 even with three zeros to come
    out = parameter_outlook(WDID, ZINC, samples, as_of=date(2025, 10, 2))
    assert out.state == "exceedance_certain" and out.max_remaining_average is None
    just = parameter_outlook(WDID, ZINC, zinc(("1.04", date(2025, 10, 1))), as_of=date(2025, 10, 2))
    assert just.state == "at_risk" and just.max_remaining_average == Decimal(0)  # only zeros keep it at the NAL


def test_the_last_qse_of_the_year_decides() -> None:
    first = zinc(("0.1", date(2025, 10, 1)), ("0.2", date(2025, 11, 1)), ("0.5", date(2026, 1, 10)))
    before = parameter_outlook(WDID, ZINC, first, as_of=date(2026, 2, 1))
    assert before.state == "at_risk" and before.max_remaining_average == Decimal("0.24")
    at_limit = parameter_outlook(WDID, ZINC, [*first, *zinc(("0.24", date(2026, 3, 1)))], as_of=date(2026, 3, 2))
    assert at_limit.state == "on_track" and at_limit.qses_required_remaining == 0
    assert at_limit.running_average == Decimal("0.26") and at_limit.max_remaining_average is None
    over = parameter_outlook(WDID, ZINC, [*first, *zinc(("0.25", date(2026, 3, 1)))], as_of=date(2026, 3, 2))
    assert over.state == "exceedance_certain" and "no QSE remains required" in over.reason


def test_one_instantaneous_exceedance_is_at_risk_two_are_certain() -> None:
    one = [sample("Total Suspended Solids (TSS)", "401", date(2025, 10, 1)),
           sample("Total Suspended Solids (TSS)", "400", date(2025, 11, 1))]  # fmt: skip
    # average 400.5 > 100 is at risk already; check the instantaneous count separately on pH (no annual NAL)
    assert parameter_outlook(WDID, TSS, one, as_of=date(2025, 11, 2)).instantaneous_exceedance_count == 1
    ph = nal_for("pH")
    assert ph is not None
    readings = [sample("pH", "5.9", date(2025, 10, 1), units="SU"), sample("pH", "6.0", date(2025, 11, 1), units="SU")]
    single = parameter_outlook(WDID, ph, readings, as_of=date(2025, 11, 2))
    assert single.state == "at_risk" and single.annual_nal is None and single.max_remaining_average is None
    both = parameter_outlook(WDID, ph, [*readings, sample("pH", "9.1", date(2026, 1, 5), units="SU")],
                             as_of=date(2026, 1, 6))  # fmt: skip
    assert both.state == "exceedance_certain" and both.instantaneous_exceedance_count == 2


def test_remaining_results_count_every_discharge_location_and_floor_a_repeating_division() -> None:
    samples = [*zinc(("0.3", date(2025, 10, 1))), *zinc(("0.3", date(2025, 10, 1)), location="DP-2")]
    out = parameter_outlook(WDID, ZINC, samples, as_of=date(2025, 10, 2))
    # one QSE (two locations) sampled; 3 QSEs x 2 locations = 6 results; (0.26 x 8 - 0.6) / 6 = 0.24666...
    assert (out.qses_sampled, out.discharge_locations, out.remaining_results) == (1, 2, 6)
    assert out.remaining_sum_allowed == Decimal("1.48")
    assert out.max_remaining_average is not None and out.max_remaining_average * 6 <= Decimal("1.48")
    assert str(out.max_remaining_average).startswith("0.24666666") and str(out.max_remaining_average)[-1] == "6"


def test_other_years_later_results_and_the_stored_level() -> None:
    samples = zinc(("9", date(2025, 6, 30)), ("9", date(2025, 12, 1)))  # last year, and after as_of
    out = parameter_outlook(WDID, ZINC, samples, as_of=date(2025, 11, 1), status=ParameterStatus(
        parameter=ZINC.level_report_name, level="Level 1", since=date(2025, 7, 1)))  # fmt: skip
    assert out.result_count == 0 and out.state == "on_track" and out.reporting_year == "2025-2026"
    assert (out.current_level, out.level_if_exceeded) == ("Level 1", "Level 2")


def test_cli_outlook_prints_every_parameter_with_exact_numbers(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from permitclock.cli.main import main

    from infra.sample_documents import RAW_HEADER, raw_row

    path = tmp_path / "m.txt"
    rows = [
        raw_row(result="0.5", sample_date="10/17/2016", reporting_year="2016", sample_id="a"),  # Level 1 on 2017-07-01
        raw_row(result="0.5", sample_date="10/17/2017", reporting_year="2017", sample_id="b"),
        raw_row("pH", "7", sample_date="10/17/2017", reporting_year="2017", units="SU", sample_id="c"),
    ]
    path.write_text("\n".join([RAW_HEADER, *rows]) + "\n")
    assert main(["outlook", str(path), "--as-of", "2017-10-18"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert data["reporting_year"] == "2017-2018" and data["rejected_rows"] == []
    by_parameter = {o["parameter"]: o for o in data["outlooks"]}
    zinc_out, ph_out = by_parameter["Zinc, Total (Recoverable)"], by_parameter["pH"]
    assert (zinc_out["state"], zinc_out["current_level"]) == ("at_risk", "Level 1")
    assert zinc_out["level_if_exceeded"] == "Level 2"
    assert zinc_out["max_remaining_average"] == 0.18 and '"max_remaining_average": 0.18,' in out
    assert ph_out["state"] == "on_track" and ph_out["annual_nal"] is None
    assert main(["outlook", str(tmp_path / "missing.txt")]) == 1

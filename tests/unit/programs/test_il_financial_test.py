"""35 Ill. Adm. Code 725.243(e)(1): each criterion at its boundary (strict < / > for ratios, >= else)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from permitclock.domain.programs import Financials
from permitclock.rules import il_725_243

from .conftest import il_facts, il_payload

ESTIMATE = Decimal(2_000_000)  # six times: 12,000,000
# Passes (A) with every ratio: TL/NW 0.5, cash flow/TL 1.0, CA/CL 3.0; NWC 20M, TNW 20M, all assets in the US.
BASE = {
    "total_liabilities": 10_000_000,
    "net_worth": 20_000_000,
    "net_income": 9_000_000,
    "depreciation_depletion_amortization": 1_000_000,
    "current_assets": 30_000_000,
    "current_liabilities": 10_000_000,
    "tangible_net_worth": 20_000_000,
    "total_assets": 30_000_000,
    "us_assets": 30_000_000,
}


def run(**changes):
    return il_725_243.financial_test(Financials.model_validate({**BASE, **changes}), ESTIMATE)


def test_base_passes_a():
    result = run()
    assert (result.passes, result.alternative, result.estimates) == (True, "A", ESTIMATE)


@pytest.mark.parametrize(
    ("changes", "criterion", "met"),
    [
        ({"total_liabilities": 40_000_000}, "liabilities_to_net_worth_below_2", False),  # exactly 2.0
        ({"total_liabilities": 39_999_999}, "liabilities_to_net_worth_below_2", True),
        ({"net_worth": -1, "total_liabilities": 0}, "liabilities_to_net_worth_below_2", False),
        (
            {"net_income": 0, "depreciation_depletion_amortization": 1_000_000},
            "cash_flow_to_liabilities_above_0.1",
            False,
        ),
        (
            {"net_income": 1, "depreciation_depletion_amortization": 1_000_000},
            "cash_flow_to_liabilities_above_0.1",
            True,
        ),
        ({"current_assets": 15_000_000}, "current_ratio_above_1.5", False),  # exactly 1.5
        ({"current_assets": 15_000_001}, "current_ratio_above_1.5", True),
        ({"tangible_net_worth": 11_999_999}, "tangible_net_worth_6x_estimates", False),
        ({"tangible_net_worth": 12_000_000}, "tangible_net_worth_6x_estimates", True),
        ({"current_assets": 21_999_999}, "net_working_capital_6x_estimates", False),  # NWC 11,999,999
        ({"current_assets": 22_000_000}, "net_working_capital_6x_estimates", True),
        ({"us_assets": 26_999_999, "total_assets": 30_000_000}, "us_assets", True),  # >= 6x (12M) suffices
        ({"us_assets": 11_999_999, "total_assets": 30_000_000}, "us_assets", False),
        ({"us_assets": 27_000_000, "total_assets": 30_000_000}, "us_assets", True),
    ],
)
def test_criterion_boundaries(changes, criterion, met):
    assert run(**changes).criteria[criterion] is met


def test_tangible_net_worth_ten_million_boundary():
    small = {"closure_estimates": 1_000_000}  # six times: 6M, so only the $10M floor binds
    assert run(tangible_net_worth=10_000_000, **small).criteria["tangible_net_worth_10_million"] is True
    assert run(tangible_net_worth=9_999_999, **small).passes is False


def test_us_assets_90_percent_boundary():
    # Estimates of 5M: six times is 30M, so only the 90 percent branch can pass.
    big = {
        "closure_estimates": 1,
        "post_closure_estimates": 4_999_999,
        "tangible_net_worth": 40_000_000,
        "current_assets": 50_000_000,
        "total_assets": 30_000_000,
    }
    assert run(us_assets=27_000_000, **big).criteria["us_assets"] is True
    assert run(us_assets=26_999_999, **big).criteria["us_assets"] is False


def test_two_of_three_ratios():
    one_bad = run(current_assets=15_000_000, current_liabilities=10_000_000, tangible_net_worth=20_000_000)
    # CA/CL fails, NWC = 5M < 12M as well: fails (A); no rating: fails (B).
    assert one_bad.criteria["two_of_three_ratios"] is True and one_bad.passes is False
    two_bad = run(total_liabilities=40_000_000, net_income=0, depreciation_depletion_amortization=0)
    assert (two_bad.criteria["two_of_three_ratios"], two_bad.passes) == (False, False)


@pytest.mark.parametrize(
    ("rating", "ok"),
    [
        ("AAA", True),
        ("BBB", True),
        ("BBB-", True),
        ("Baa", True),
        ("Baa3", True),
        ("A", True),
        ("BB+", False),
        ("Ba1", False),
        ("", False),
    ],
)
def test_bond_rating_alternative(rating, ok):
    # Ratios and working capital fail; (B) needs only the rating with TNW and US assets.
    result = run(
        total_liabilities=40_000_000,
        net_income=0,
        depreciation_depletion_amortization=0,
        current_assets=1,
        bond_rating=rating,
    )
    assert result.passes is ok
    assert result.alternative == ("B" if ok else None)


def test_failing_year_end_figures_start_the_e6_clocks(il_obligations):
    figures = {**BASE, "tangible_net_worth": 9_000_000}
    test = {
        "id": "ft",
        "type": "financial_test",
        "amount": 1_000_000,
        "events": [{"type": "fiscal_year_end", "date": "2023-12-31", "financials": figures}],
    }
    obs = il_obligations(il_payload(test))
    assert obs[("ft", "alternate_assurance_notice_due")].due.isoformat() == "2024-03-30"
    assert obs[("ft", "alternate_assurance_due")].due.isoformat() == "2024-04-29"
    assert ("ft", "financial_test_update_due") not in obs
    cov = il_725_243.coverage(il_facts(il_payload(test)), obs[("ft", "alternate_assurance_due")].due)
    assert (cov.assured, cov.mechanisms[0].reason[:6]) == (Decimal(0), "(e)(6)")

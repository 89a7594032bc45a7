"""35 Ill. Adm. Code 725.243: each row of the windows table, with its day arithmetic."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from permitclock.rules import il_725_243

from .conftest import il_facts, il_payload

D = date.fromisoformat
AS_OF_COV = date(2024, 6, 1)


def bond(*events, amount=1_000_000, id="bond"):
    return {"id": id, "type": "surety_bond", "amount": amount, "events": list(events)}


def notice(owner=None, agency=None, type="cancellation_notice", **extra):
    return {"type": type, "owner_received": owner, "agency_received": agency, **extra}


@pytest.mark.parametrize(
    ("owner", "agency", "r"),
    [("2024-03-01", "2024-03-04", "2024-03-04"), ("2024-03-09", "2024-03-04", "2024-03-09")],
)
def test_bond_cancellation_runs_from_the_later_receipt(il_obligations, owner, agency, r):
    obs = il_obligations(il_payload(bond(notice(owner, agency))))
    window = obs[("bond", "no_cancellation_before")]
    assert window.window_start == D(r)
    assert window.window_end == D(r) + timedelta(days=119)  # the 120th day of the period
    assert window.due == D(r) + timedelta(days=120)  # the first day cancellation may take effect
    assert window.section == "35 Ill. Adm. Code 725.243(b)(8)"
    assert window.facts["received_by_both"] == D(r)
    alternate = obs[("bond", "alternate_assurance_due")]
    assert alternate.section.endswith("(b)(4)(C)")
    assert alternate.due == D(r) + timedelta(days=90)


def test_bond_cancellation_exact_dates(il_obligations):
    obs = il_obligations(il_payload(bond(notice("2024-03-01", "2024-03-04"))))
    assert obs[("bond", "no_cancellation_before")].window_end == D("2024-07-01")  # last day cancellation barred
    assert obs[("bond", "no_cancellation_before")].due == D("2024-07-02")  # first day it may take effect
    assert obs[("bond", "alternate_assurance_due")].due == D("2024-06-02")


@pytest.mark.parametrize(("owner", "agency"), [("2024-03-01", None), (None, "2024-03-04"), (None, None)])
def test_one_receipt_missing_is_pending_with_the_known_date(il_obligations, owner, agency):
    obs = il_obligations(il_payload(bond(notice(owner, agency))))
    for kind in ("no_cancellation_before", "alternate_assurance_due"):
        ob = obs[("bond", kind)]
        assert ob.status == "pending"
        assert ob.due is None
        known = {k: D(v) for k, v in (("owner_received", owner), ("agency_received", agency)) if v}
        assert {k: ob.facts[k] for k in known} == known


def test_a_receipt_after_as_of_has_not_happened_yet(il_obligations):
    payload = il_payload(bond(notice("2024-03-01", "2024-03-04")))
    assert il_obligations(payload, D("2024-03-03"))[("bond", "no_cancellation_before")].status == "pending"
    assert il_obligations(payload, D("2024-03-04"))[("bond", "no_cancellation_before")].status == "open"


def test_letter_of_credit_non_extension(il_obligations):
    loc = {
        "id": "loc",
        "type": "letter_of_credit",
        "amount": 1_000_000,
        "expires": "2025-06-30",
        "events": [notice("2024-11-01", "2024-10-28", type="non_extension_notice")],
    }
    obs = il_obligations(il_payload(loc))
    draw = obs[("loc", "agency_must_draw")]
    assert (draw.due, draw.section) == (D("2025-01-30"), "35 Ill. Adm. Code 725.243(c)(9)")  # R + 90
    assert obs[("loc", "alternate_assurance_due")].due == D("2025-01-30")
    assert draw.facts["notice_timely"] is True
    deadline = obs[("loc", "extension_notice_deadline")]
    assert (deadline.due, deadline.section[-6:]) == (D("2025-03-02"), "(c)(5)")  # expiry - 120


def test_late_non_extension_notice_is_flagged(il_obligations):
    loc = {
        "id": "loc",
        "type": "letter_of_credit",
        "amount": 1_000_000,
        "expires": "2025-03-01",
        "events": [notice("2024-11-01", "2024-11-02", type="non_extension_notice")],
    }
    assert il_obligations(il_payload(loc))[("loc", "agency_must_draw")].facts["notice_timely"] is False


def insurance(*events):
    return {"id": "pol", "type": "insurance", "amount": 1_000_000, "events": list(events)}


def test_insurance_cancellation_window(il_obligations):
    ob = il_obligations(il_payload(insurance(notice("2024-02-01", "2024-02-05"))))[("pol", "no_cancellation_before")]
    assert (ob.window_start, ob.window_end, ob.due) == (D("2024-02-05"), D("2024-06-03"), D("2024-06-04"))
    assert ob.section.endswith("(d)(8)")


@pytest.mark.parametrize(
    ("kind", "section"),
    [
        ("facility_abandoned", "(d)(8)(A)"),
        ("interim_status_terminated", "(d)(8)(B)"),
        ("closure_ordered", "(d)(8)(C)"),
        ("bankruptcy", "(d)(8)(D)"),
        ("premium_paid", "(d)(8)(E)"),
    ],
)
def test_insurance_exceptions_keep_the_policy_in_force(il_obligations, kind, section):
    on_expiry = {"type": kind, "date": "2024-06-04"}  # R + 120: "on or before the date of expiration"
    obs = il_obligations(il_payload(insurance(notice("2024-02-01", "2024-02-05"), on_expiry)))
    assert ("pol", "no_cancellation_before") not in obs
    kept = obs[("pol", "policy_remains_in_force")]
    assert (kept.status, kept.due, kept.section[-9:]) == ("closed", D("2024-06-04"), section)


def test_insurance_exception_after_expiry_does_not_help(il_obligations):
    late = {"type": "premium_paid", "date": "2024-06-05"}
    obs = il_obligations(il_payload(insurance(notice("2024-02-01", "2024-02-05"), late)))
    assert obs[("pol", "no_cancellation_before")].status == "open"


def test_premium_paid_before_the_notice_is_a_different_premium(il_obligations):
    earlier = {"type": "premium_paid", "date": "2023-12-01"}
    obs = il_obligations(il_payload(insurance(notice("2024-02-01", "2024-02-05"), earlier)))
    assert obs[("pol", "no_cancellation_before")].status == "open"


def test_insurance_exception_with_one_receipt_known(il_obligations):
    paid = {"type": "premium_paid", "date": "2024-03-01"}  # before known + 120 <= R + 120
    obs = il_obligations(il_payload(insurance(notice("2024-02-01", None), paid)))
    assert obs[("pol", "policy_remains_in_force")].status == "closed"


def test_corporate_guarantee_cancellation(il_obligations):
    guarantee = {
        "id": "cg",
        "type": "corporate_guarantee",
        "amount": 1_000_000,
        "events": [notice("2024-04-10", "2024-04-08")],
    }
    obs = il_obligations(il_payload(guarantee))
    assert obs[("cg", "no_cancellation_before")].due == D("2024-08-08")
    assert obs[("cg", "no_cancellation_before")].section.endswith("(e)(10)(B)")
    assert obs[("cg", "alternate_assurance_due")].due == D("2024-07-09")
    assert obs[("cg", "guarantor_must_provide_assurance")].section.endswith("(e)(10)(C)")


def test_cost_estimate_increase_above_the_penal_sum(il_obligations):
    estimates = (("2024-01-02", 900_000), ("2024-05-15", 1_100_000))
    ob = il_obligations(il_payload(bond(), estimates=estimates))[("bond", "increase_assurance_due")]
    assert (ob.due, ob.section[-6:]) == (D("2024-07-14"), "(b)(7)")  # 60 days after


def test_increase_still_covered_gives_no_obligation(il_obligations):
    estimates = (("2024-01-02", 900_000), ("2024-05-15", 1_000_000))
    assert ("bond", "increase_assurance_due") not in il_obligations(il_payload(bond(), estimates=estimates))


def test_increase_as_a_mechanism_event_and_a_later_decrease_keep_the_first_clock(il_obligations):
    policy = insurance(
        {"type": "cost_estimate_increase", "date": "2024-05-15", "amount": 1_300_000},
        {"type": "cost_estimate_increase", "date": "2024-06-20", "amount": 1_200_000},
    )
    ob = il_obligations(il_payload(policy))[("pol", "increase_assurance_due")]
    assert (ob.due, ob.section[-6:]) == (D("2024-07-14"), "(d)(9)")


def test_letter_of_credit_increase(il_obligations):
    loc = {"id": "loc", "type": "letter_of_credit", "amount": 500_000}
    estimates = (("2024-01-02", 500_000), ("2024-02-01", 600_000))
    ob = il_obligations(il_payload(loc, estimates=estimates))[("loc", "increase_assurance_due")]
    assert (ob.due, ob.section[-6:]) == (D("2024-04-01"), "(c)(7)")


def trust(**extra):
    return {"id": "tf", "type": "trust_fund", "amount": 250_000, **extra}


def test_trust_fund_after_pay_in_deposit_and_schedule_a(il_obligations):
    estimates = (("2020-01-02", 200_000), ("2024-03-01", 300_000))
    obs = il_obligations(il_payload(trust(first_payment="2014-01-15", pay_in_years=5), estimates=estimates))
    assert obs[("tf", "increase_assurance_due")].due == D("2024-04-30")  # (a)(6)
    assert obs[("tf", "increase_assurance_due")].section.endswith("(a)(6)")
    assert obs[("tf", "schedule_a_update_due")].due == D("2024-04-30")  # (a)(2)


def test_trust_fund_in_pay_in_has_payments_not_a_deposit_clock(il_obligations):
    estimates = (("2020-01-02", 200_000), ("2024-03-01", 300_000))
    obs = il_obligations(il_payload(trust(first_payment="2022-01-15", pay_in_years=5), estimates=estimates))
    assert ("tf", "increase_assurance_due") not in obs
    payment = obs[("tf", "trust_payment_due")]
    # Anniversary 3 is 2025-01-15: due 30 days after; Y = 5 - 3 = 2 years left; (300,000 - 250,000) / 2.
    assert (payment.due, payment.amount, payment.section[-9:]) == (
        D("2025-02-14"),
        Decimal(25_000),
        "(a)(3)(B)",
    )


def test_trust_payment_cycle_and_rounding(il_obligations):
    payload = il_payload(trust(amount=100_000, first_payment="2023-07-01", pay_in_years=10))
    # as of the 30th day after the first anniversary, that payment is still the next one.
    ob = il_obligations(payload, D("2024-07-31"))[("tf", "trust_payment_due")]
    assert (ob.due, ob.amount) == (D("2024-07-31"), Decimal(100_000))  # (1,000,000 - 100,000) / 9
    ob = il_obligations(payload, D("2024-08-01"))[("tf", "trust_payment_due")]
    assert (ob.due, ob.amount) == (D("2025-07-31"), Decimal("112500.00"))  # / 8
    payload["mechanisms"][0]["amount"] = 1
    ob = il_obligations(payload, D("2024-08-01"))[("tf", "trust_payment_due")]
    assert ob.amount == Decimal("124999.88")  # 999,999 / 8 = 124,999.875, rounded up to the cent


def test_first_trust_payment(il_obligations):
    payload = il_payload(trust(amount=0, first_payment="2025-03-01", pay_in_years=3))
    ob = il_obligations(payload, D("2025-01-01"))[("tf", "trust_payment_due")]
    assert (ob.due, ob.amount, ob.section[-9:]) == (D("2025-03-01"), Decimal("333333.34"), "(a)(3)(A)")


def test_trust_payment_feb_29_anniversary(il_obligations):
    payload = il_payload(trust(amount=0, first_payment="2024-02-29", pay_in_years=4))
    assert il_obligations(payload, D("2024-12-31"))[("tf", "trust_payment_due")].due == D("2025-03-30")


def test_fiscal_year_end_update(il_obligations):
    test = {
        "id": "ft",
        "type": "financial_test",
        "amount": 1_000_000,
        "events": [{"type": "fiscal_year_end", "date": "2023-12-31"}],
    }
    ob = il_obligations(il_payload(test))[("ft", "financial_test_update_due")]
    assert (ob.due, ob.section[-6:]) == (D("2024-03-30"), "(e)(5)")


def test_finding_and_disallowance(il_obligations):
    test = {
        "id": "ft",
        "type": "financial_test",
        "amount": 1_000_000,
        "events": [{"type": "finding", "owner_received": "2024-05-01"}],
    }
    ob = il_obligations(il_payload(test))[("ft", "alternate_assurance_due")]
    assert (ob.due, ob.section[-6:]) == (D("2024-05-31"), "(e)(7)")
    test["events"] = [{"type": "disallowance", "date": "2024-05-01"}]
    ob = il_obligations(il_payload(test))[("ft", "alternate_assurance_due")]
    assert (ob.due, ob.section[-6:]) == (D("2024-05-31"), "(e)(8)")


@pytest.mark.parametrize(
    ("mech_type", "event", "kind", "section"),
    [
        ("trust_fund", "release_request", "agency_release_instruction_due", "(a)(9)"),
        ("trust_fund", "reimbursement_bills", "agency_reimbursement_instruction_due", "(a)(10)"),
        ("insurance", "reimbursement_bills", "agency_reimbursement_instruction_due", "(d)(5)"),
        ("surety_bond", "closure_certification", "agency_release_notice_due", "(h)"),
    ],
)
def test_agency_acts_within_60_days(il_obligations, mech_type, event, kind, section):
    mech = {
        "id": "m",
        "type": mech_type,
        "amount": 1_000_000,
        "events": [{"type": event, "agency_received": "2024-09-02"}],
    }
    ob = il_obligations(il_payload(mech))[("m", kind)]
    assert ob.due == D("2024-11-01")
    assert ob.section.endswith(section)


def test_closure_order_funds_the_standby_trust_within_15_days(il_obligations):
    obs = il_obligations(il_payload(bond({"type": "closure_ordered", "date": "2024-10-01"})))
    assert obs[("bond", "fund_standby_trust_due")].due == D("2024-10-16")


def test_obligation_ids_are_stable_as_receipts_arrive(il_obligations):
    pending = il_obligations(il_payload(bond(notice("2024-03-01", None, id="n1"))))
    dated = il_obligations(il_payload(bond(notice("2024-03-01", "2024-03-04", id="n1"))))
    key = ("bond", "no_cancellation_before")
    assert pending[key].obligation_id == dated[key].obligation_id


def test_multiple_mechanisms_combine():
    payload = il_payload(
        bond(amount=400_000),
        {"id": "loc", "type": "letter_of_credit", "amount": 350_000},
        insurance(),
        estimates=(("2024-01-02", 1_500_000),),
    )
    cov = il_725_243.coverage(il_facts(payload), AS_OF_COV)
    assert (cov.required, cov.assured, cov.shortfall) == (Decimal(1_500_000), Decimal(1_750_000), Decimal(0))
    payload["cost_estimates"].append({"date": "2024-05-01", "amount": 1_800_000})
    cov = il_725_243.coverage(il_facts(payload), AS_OF_COV)
    assert (cov.required, cov.shortfall) == (Decimal(1_800_000), Decimal(50_000))
    assert il_725_243.coverage(il_facts(payload), date(2024, 4, 30)).required == Decimal(1_500_000)


def test_one_mechanism_for_several_facilities():
    shared = bond(amount=900_000)
    shared["facilities"] = [
        {"id": "ILD000000001", "amount": 600_000},
        {"id": "ILD000000002", "amount": 300_000},
    ]
    cov = il_725_243.coverage(il_facts(il_payload(shared)), AS_OF_COV)
    assert (cov.assured, cov.shortfall) == (Decimal(600_000), Decimal(400_000))
    shared["facilities"][1]["amount"] = 300_001  # designated 900,001 > 900,000: not a valid (g) mechanism
    cov = il_725_243.coverage(il_facts(il_payload(shared)), AS_OF_COV)
    assert (cov.assured, cov.mechanisms[0].counted) == (Decimal(0), False)
    assert cov.mechanisms[0].reason.startswith("(g)")
    shared["facilities"] = [{"id": "ILD000000009", "amount": 300_000}]
    assert il_725_243.coverage(il_facts(il_payload(shared)), AS_OF_COV).mechanisms[0].reason.startswith("(g)")


def test_financial_test_is_not_combined():
    partial = {"id": "ft", "type": "financial_test", "amount": 500_000}
    cov = il_725_243.coverage(il_facts(il_payload(partial, bond(amount=500_000))), AS_OF_COV)
    assert (cov.assured, cov.shortfall) == (Decimal(500_000), Decimal(500_000))
    assert cov.mechanisms[0].reason.startswith("(f)")
    whole = {"id": "ft", "type": "financial_test", "amount": 1_000_000}
    assert il_725_243.coverage(il_facts(il_payload(whole)), AS_OF_COV).shortfall == 0

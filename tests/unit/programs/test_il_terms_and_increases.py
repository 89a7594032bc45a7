"""35 Ill. Adm. Code 725.243: a letter of credit's automatic extension (c)(5), the 60-day duties after each
increase ((a)(6), (b)(7), (c)(7), (d)(9)) and coverage once a cancellation may take effect, at their boundaries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from permitclock.domain.programs import LetterOfCredit
from permitclock.rules import il_725_243

from .conftest import il_facts, il_payload

D = date.fromisoformat


def loc(*events, expires="2025-03-31", amount=1_000_000):
    return {"id": "loc", "type": "letter_of_credit", "amount": amount, "expires": expires, "events": list(events)}


def non_extension(owner=None, agency=None):
    return {"type": "non_extension_notice", "owner_received": owner, "agency_received": agency}


def term(payload, as_of):
    mech = il_facts(payload).mechanisms[0]
    assert isinstance(mech, LetterOfCredit)
    return il_725_243.credit_term(mech, D(as_of))


# ---- (c)(5) automatic extension


@pytest.mark.parametrize(
    ("as_of", "expires", "deadline", "extensions"),
    [
        ("2025-03-30", "2025-03-31", "2024-12-01", 0),
        ("2025-03-31", "2025-03-31", "2024-12-01", 0),  # in force through its expiration day
        ("2025-04-01", "2026-03-31", "2025-12-01", 1),  # the day after: extended one year
        ("2027-04-01", "2028-03-31", "2027-12-02", 3),
    ],
)
def test_letter_of_credit_rolls_over_when_no_notice_came(il_obligations, as_of, expires, deadline, extensions):
    ob = il_obligations(il_payload(loc()), D(as_of))[("loc", "extension_notice_deadline")]
    assert (ob.due, ob.period, ob.status) == (D(deadline), expires, "open")
    assert ob.facts["current_expiration"] == D(expires) and ob.facts["extensions"] == extensions
    assert ob.facts["expires"] == D("2025-03-31")  # the stated date stays in the evidence


def test_each_term_has_its_own_obligation_id(il_obligations):
    before = il_obligations(il_payload(loc()), D("2025-03-31"))[("loc", "extension_notice_deadline")]
    after = il_obligations(il_payload(loc()), D("2025-04-01"))[("loc", "extension_notice_deadline")]
    assert before.obligation_id != after.obligation_id


def test_february_29_expiration_extends_to_february_28():
    assert term(il_payload(loc(expires="2024-02-29")), "2024-03-01").expires == D("2025-02-28")


@pytest.mark.parametrize(
    ("received", "ends_on", "timely"),
    [
        ("2024-11-30", "2025-03-31", True),
        ("2024-12-01", "2025-03-31", True),  # 120 days before the expiration: "at least 120 days"
        ("2024-12-02", "2026-03-31", False),  # too late for 2025-03-31: the credit extends, and ends in 2026
    ],
)
def test_a_timely_notice_stops_the_extension(il_obligations, received, ends_on, timely):
    payload = il_payload(loc(non_extension(received, received)))
    found = term(payload, "2027-01-01")
    assert (found.expires, found.ends) == (D(ends_on), True)
    draw = il_obligations(payload, D("2025-01-15"))[("loc", "agency_must_draw")]
    assert draw.facts["notice_timely"] is timely


def test_an_expired_letter_stops_counting_the_day_after_its_expiration():
    payload = il_payload(loc(non_extension("2024-11-01", "2024-11-04")))
    on_expiry = il_725_243.coverage(il_facts(payload), D("2025-03-31"))
    assert (on_expiry.assured, on_expiry.mechanisms[0].counted) == (Decimal(1_000_000), True)
    after = il_725_243.coverage(il_facts(payload), D("2025-04-01"))
    assert (after.assured, after.shortfall) == (Decimal(0), Decimal(1_000_000))
    assert after.mechanisms[0].reason.startswith("(c)(5): expired 2025-03-31")


def test_a_notice_known_received_by_one_only_leaves_the_extension_open():
    payload = il_payload(loc(non_extension("2024-11-01", None)))
    found = term(payload, "2025-06-01")
    assert (found.expires, found.ends, found.uncertain) == (D("2025-03-31"), False, True)
    assert il_725_243.coverage(il_facts(payload), D("2025-06-01")).mechanisms[0].counted


def test_a_late_one_sided_receipt_does_not_block_the_extension():
    payload = il_payload(loc(non_extension("2024-12-15", None)))  # after 2024-12-01: late whatever R is
    assert term(payload, "2025-04-01").expires == D("2026-03-31")
    assert term(payload, "2025-04-01").uncertain  # but in time for 2026-03-31 if the Agency got it too


# ---- increases


def bond(*events, amount=1_000_000, id="bond"):
    return {"id": id, "type": "surety_bond", "amount": amount, "events": list(events)}


def increases(obs):
    return sorted(
        (o.subject, o.due, o.section[-6:]) for (_, kind), o in obs.items() if kind == "increase_assurance_due"
    )


def test_an_increase_opens_its_duty_even_when_the_estimate_was_already_above(il_obligations):
    estimates = (("2024-01-02", 1_200_000), ("2024-03-01", 1_300_000))  # 1.2M > 1M from the first
    obs = il_obligations(il_payload(bond(), estimates=estimates), D("2024-06-30"))
    ob = obs[("bond", "increase_assurance_due")]
    assert (ob.due, ob.period) == (D("2024-04-30"), "estimate:2024-03-01")
    assert ob.facts["previous_estimate"] == Decimal(1_200_000) and ob.facts["assured"] == Decimal(1_000_000)


def test_every_increase_above_the_amount_has_its_own_sixty_days():
    estimates = (("2024-01-02", 900_000), ("2024-02-01", 1_100_000), ("2024-05-01", 1_200_000))
    found = il_725_243.obligations(il_facts(il_payload(bond(), estimates=estimates)), D("2024-06-30"))
    assert sorted(o.due for o in found if o.type == "increase_assurance_due") == [D("2024-04-01"), D("2024-06-30")]


@pytest.mark.parametrize(("amount", "duty"), [(1_000_000, False), ("1000000.01", True)])
def test_an_increase_to_exactly_the_amount_is_covered(il_obligations, amount, duty):
    estimates = (("2024-01-02", 900_000), ("2024-03-01", amount))
    obs = il_obligations(il_payload(bond(), estimates=estimates), D("2024-06-30"))
    assert (("bond", "increase_assurance_due") in obs) is duty


@pytest.mark.parametrize(
    ("as_of", "due"), [("2024-02-29", None), ("2024-03-01", "2024-04-30"), ("2024-03-02", "2024-04-30")]
)
def test_the_increase_is_seen_from_its_date(il_obligations, as_of, due):
    estimates = (("2024-01-02", 900_000), ("2024-03-01", 1_100_000))
    ob = il_obligations(il_payload(bond(), estimates=estimates), D(as_of)).get(("bond", "increase_assurance_due"))
    assert (ob.due if ob else None) == (D(due) if due else None)


def test_a_decrease_still_above_opens_a_trust_duty_but_not_a_bond_duty():
    trust = {"id": "tf", "type": "trust_fund", "amount": 500_000, "first_payment": "2010-01-15", "pay_in_years": 5}
    estimates = (("2024-01-02", 400_000), ("2024-02-01", 1_800_000), ("2024-04-01", 1_700_000))
    found = il_725_243.obligations(il_facts(il_payload(trust, bond(), estimates=estimates)), D("2024-06-30"))
    duties = sorted((o.subject, o.due, o.section[-6:]) for o in found if o.type == "increase_assurance_due")
    assert duties == [
        ("bond", D("2024-04-01"), "(b)(7)"),
        ("tf", D("2024-04-01"), "(a)(6)"),
        ("tf", D("2024-05-31"), "(a)(6)"),  # (a)(6): "whenever the current closure cost estimate changes"
    ]


def test_a_change_during_the_pay_in_period_is_not_an_a6_duty_after_it():
    trust = {"id": "tf", "type": "trust_fund", "amount": 500_000, "first_payment": "2019-03-01", "pay_in_years": 5}
    estimates = (("2019-01-02", 400_000), ("2024-02-29", 900_000))  # pay-in ends 2024-03-01
    obs = il_725_243.obligations(il_facts(il_payload(trust, estimates=estimates)), D("2024-06-30"))
    assert not [o for o in obs if o.type == "increase_assurance_due"]
    estimates = (("2019-01-02", 400_000), ("2024-03-01", 900_000))  # on the first day after the period
    obs = il_725_243.obligations(il_facts(il_payload(trust, estimates=estimates)), D("2024-06-30"))
    assert [o.due for o in obs if o.type == "increase_assurance_due"] == [D("2024-04-30")]


# ---- cancellation takes effect


def cancellation(owner, agency):
    return {"type": "cancellation_notice", "owner_received": owner, "agency_received": agency}


@pytest.mark.parametrize(("as_of", "counted"), [("2024-07-01", True), ("2024-07-02", False), ("2024-07-03", False)])
def test_a_cancelled_bond_stops_counting_from_r_plus_120(as_of, counted):
    payload = il_payload(bond(cancellation("2024-03-01", "2024-03-04")))  # R + 120 = 2024-07-02
    cov = il_725_243.coverage(il_facts(payload), D(as_of))
    assert cov.mechanisms[0].counted is counted
    assert cov.shortfall == (0 if counted else Decimal(1_000_000))
    if not counted:
        assert cov.mechanisms[0].reason.startswith("(b)(8): cancellation may take effect from 2024-07-02")


def test_a_cancelled_bond_gets_no_increase_duty_and_its_past_cover_stands():
    other = {"id": "pol", "type": "insurance", "amount": 300_000}
    estimates = (("2024-01-02", 1_000_000), ("2024-02-01", 1_200_000))  # covered by 1M + 300k when it rose
    payload = il_payload(bond(cancellation("2024-03-01", "2024-03-04")), other, estimates=estimates)
    found = il_725_243.obligations(il_facts(payload), D("2024-08-01"))
    assert not [o for o in found if o.type == "increase_assurance_due"]  # no phantom duty from the old rise
    payload["cost_estimates"].append({"date": "2024-07-15", "amount": 1_250_000})
    found = il_725_243.obligations(il_facts(payload), D("2024-08-01"))
    assert [(o.subject, o.due) for o in found if o.type == "increase_assurance_due"] == [("pol", D("2024-09-13"))]


def test_a_policy_kept_in_force_still_counts():
    policy = {
        "id": "pol",
        "type": "insurance",
        "amount": 1_000_000,
        "events": [cancellation("2024-02-01", "2024-02-05"), {"type": "premium_paid", "date": "2024-03-01"}],
    }
    assert il_725_243.coverage(il_facts(il_payload(policy)), D("2024-12-31")).mechanisms[0].counted
    policy["events"].pop()
    cov = il_725_243.coverage(il_facts(il_payload(policy)), D("2024-12-31"))
    assert cov.mechanisms[0].reason.startswith("(d)(8): cancellation may take effect from 2024-06-04")


def test_a_cancelled_guarantee_stops_counting():
    guarantee = {
        "id": "cg",
        "type": "corporate_guarantee",
        "amount": 1_000_000,
        "events": [cancellation("2024-04-10", "2024-04-08")],
    }
    assert il_725_243.coverage(il_facts(il_payload(guarantee)), D("2024-08-07")).mechanisms[0].counted
    cov = il_725_243.coverage(il_facts(il_payload(guarantee)), D("2024-08-08"))
    assert cov.mechanisms[0].reason.startswith("(e)(10)(B)")


def test_a_one_sided_cancellation_receipt_has_not_started_anything():
    payload = il_payload(bond(cancellation("2024-03-01", None)))
    assert il_725_243.coverage(il_facts(payload), D("2025-12-31")).mechanisms[0].counted

"""35 Ill. Adm. Code 725.243: financial assurance for closure (interim status facilities).

Pure functions over `ILClosureFacts`: `obligations(facts, as_of)` lists the windows and deadlines of every
mechanism, `coverage(facts, as_of)` checks the mechanisms in force against the current closure cost estimate
((f), (g)), `credit_term(letter, as_of)` follows a letter of credit's automatic extensions ((c)(5)), and
`financial_test(figures, estimates)` evaluates (e)(1). Facts dated after `as_of` have not happened yet.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_CEILING, Decimal
from typing import Literal

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict, Field

from permitclock.domain.obligations import Obligation, ObligationStatus
from permitclock.domain.programs import (
    AgencyReceipt,
    CancellationNotice,
    CostEstimate,
    CostEstimateIncrease,
    DatedEvent,
    Financials,
    FinancialTest,
    Finding,
    FiscalYearEnd,
    ILClosureFacts,
    LetterOfCredit,
    Mechanism,
    NonExtensionNotice,
    ReceiptEvent,
    TrustFund,
)
from permitclock.errors import BadInput
from permitclock.rules.programs import days_after

PROGRAM = "il_725_243"
FACTS = ILClosureFacts
SECTION = "35 Ill. Adm. Code 725.243"
CENT = Decimal("0.01")

# (c)(5): the expiration date "will be automatically extended for a period of at least one year"; the minimum is
# assumed (a longer extension is given by updating `expires`).
EXTENSION = relativedelta(years=1)
# Cancellation of a bond (b)(8), a policy (d)(8) or a guarantee (e)(10)(B) may take effect from R + 120.
CANCELLATION_SECTIONS = {"surety_bond": "(b)(8)", "insurance": "(d)(8)", "corporate_guarantee": "(e)(10)(B)"}
# (d)(8)(A)-(E): occurring on or before expiration, these keep an insurance policy in full force.
POLICY_KEEPERS = {
    "facility_abandoned": "(d)(8)(A)",
    "interim_status_terminated": "(d)(8)(B)",
    "closure_ordered": "(d)(8)(C)",
    "bankruptcy": "(d)(8)(D)",
    "premium_paid": "(d)(8)(E)",
}
# "Within 60 days after the increase" (a trust fund: "after the change") the amount must cover the estimate.
INCREASE_SECTIONS = {
    "surety_bond": "(b)(7)",
    "letter_of_credit": "(c)(7)",
    "insurance": "(d)(9)",
    "trust_fund": "(a)(6)",
}
# Notices received by both the owner or operator and the Agency: (obligation type, days after R, subsection,
# whether the days are a period "beginning on" R, so that `due` is its first day after).
RECEIPT_RULES: dict[tuple[str, str], tuple[tuple[str, int, str, bool], ...]] = {
    ("surety_bond", "cancellation_notice"): (
        ("no_cancellation_before", 120, "(b)(8)", True),
        ("alternate_assurance_due", 90, "(b)(4)(C)", False),
    ),
    ("letter_of_credit", "non_extension_notice"): (
        ("alternate_assurance_due", 90, "(c)(9)", False),
        ("agency_must_draw", 90, "(c)(9)", False),
    ),
    ("insurance", "cancellation_notice"): (("no_cancellation_before", 120, "(d)(8)", True),),
    ("corporate_guarantee", "cancellation_notice"): (
        ("no_cancellation_before", 120, "(e)(10)(B)", True),
        ("alternate_assurance_due", 90, "(e)(10)(C)", False),
        ("guarantor_must_provide_assurance", 90, "(e)(10)(C)", False),
    ),
}
# The Agency acts within 60 days after receiving these (a closure certification, (h), for any mechanism).
AGENCY_ACTIONS = {
    ("trust_fund", "release_request"): ("agency_release_instruction_due", "(a)(9)"),
    ("trust_fund", "reimbursement_bills"): ("agency_reimbursement_instruction_due", "(a)(10)"),
    ("insurance", "reimbursement_bills"): ("agency_reimbursement_instruction_due", "(d)(5)"),
}
# (e)(7), (e)(8): alternate assurance within 30 days after notification.
FINDING_SECTIONS = {"finding": "(e)(7)", "disallowance": "(e)(8)"}
S_AND_P = ("AAA", "AA", "A", "BBB")
MOODYS = ("Aaa", "Aa", "A", "Baa")


class FinancialTestResult(BaseModel):
    """The (e)(1) criteria one by one; `passes` under (A) or (B)."""

    model_config = ConfigDict(frozen=True)

    passes: bool
    alternative: Literal["A", "B"] | None
    criteria: dict[str, bool]
    estimates: Decimal


class MechanismCredit(BaseModel):
    model_config = ConfigDict(frozen=True)

    mechanism: str
    assured: Decimal
    counted: bool
    reason: str = ""
    in_force: bool = True  # False once cancelled or expired: its amount can no longer be raised


class CreditTerm(BaseModel):
    """A letter of credit's expiration as of a day, after the automatic extensions of 725.243(c)(5)."""

    model_config = ConfigDict(frozen=True)

    expires: date = Field(description="the current expiration date")
    extensions: int = Field(description="automatic one-year extensions since the stated `expires`")
    ends: bool = Field(description="a notice received by both in time stops the extension: it expires then")
    uncertain: bool = Field(default=False, description="a notice is known received by one only, in time for this date")


class Coverage(BaseModel):
    """Current closure cost estimate vs the mechanisms that count toward it (725.243(f), (g))."""

    model_config = ConfigDict(frozen=True)

    required: Decimal
    assured: Decimal
    shortfall: Decimal
    estimate_date: date
    mechanisms: list[MechanismCredit]


def financial_test(fin: Financials, closure_estimate: Decimal) -> FinancialTestResult:
    """35 Ill. Adm. Code 725.243(e)(1)(A) or (B), with the inequalities strict or not exactly as the text has
    them.

    Ratios are compared by cross-multiplication (no division by a zero denominator; a non-positive net worth
    fails the liabilities ratio). A rating counts with its S&P +/- or Moody's 1-3 modifier (BBB- is a BBB
    rating).
    """
    closure = fin.closure_estimates if fin.closure_estimates is not None else closure_estimate
    six_x = 6 * (closure + fin.post_closure_estimates + fin.plugging_estimates)
    ratios = {
        "liabilities_to_net_worth_below_2": fin.total_liabilities < 2 * fin.net_worth,
        "cash_flow_to_liabilities_above_0.1": (
            fin.net_income + fin.depreciation_depletion_amortization > Decimal("0.1") * fin.total_liabilities
        ),
        "current_ratio_above_1.5": fin.current_assets > Decimal("1.5") * fin.current_liabilities,
    }
    criteria = {
        **ratios,
        "two_of_three_ratios": sum(ratios.values()) >= 2,
        "net_working_capital_6x_estimates": fin.current_assets - fin.current_liabilities >= six_x,
        "tangible_net_worth_6x_estimates": fin.tangible_net_worth >= six_x,
        "tangible_net_worth_10_million": fin.tangible_net_worth >= Decimal(10_000_000),
        "us_assets": fin.us_assets >= Decimal("0.9") * fin.total_assets or fin.us_assets >= six_x,
        "bond_rating": _investment_grade(fin.bond_rating),
    }
    common = all(criteria[k] for k in ("tangible_net_worth_6x_estimates", "tangible_net_worth_10_million", "us_assets"))
    alternative: Literal["A", "B"] | None = None
    if common and criteria["two_of_three_ratios"] and criteria["net_working_capital_6x_estimates"]:
        alternative = "A"
    elif common and criteria["bond_rating"]:
        alternative = "B"
    return FinancialTestResult(
        passes=alternative is not None, alternative=alternative, criteria=criteria, estimates=six_x / 6
    )


def _investment_grade(rating: str) -> bool:
    """(e)(1)(B)(i): AAA, AA, A or BBB (Standard and Poor's) or Aaa, Aa, A or Baa (Moody's)."""
    rating = rating.strip()
    return rating.rstrip("+-") in S_AND_P or rating.rstrip("123") in MOODYS


def cost_estimate_series(facts: ILClosureFacts, as_of: date) -> list[CostEstimate]:
    """The closure cost estimates dated on or before `as_of`, oldest first; the last is the current one.

    Entries of `cost_estimates` and `cost_estimate_increase` events of any mechanism make up one series.
    """
    series = [e for e in facts.cost_estimates if e.date <= as_of]
    series += [
        CostEstimate(date=ev.date, amount=ev.amount)
        for mech in facts.mechanisms
        for ev in mech.events
        if isinstance(ev, CostEstimateIncrease) and ev.date <= as_of
    ]
    if not series:
        raise BadInput(f"cost_estimates: no estimate dated on or before {as_of.isoformat()}", field="cost_estimates")
    return sorted(series, key=lambda e: e.date)


def coverage(facts: ILClosureFacts, as_of: date) -> Coverage:
    """35 Ill. Adm. Code 725.243(f), (g): the counted mechanisms must together assure the current estimate.

    A mechanism shared by several facilities counts with the amount designated for this facility, and only if
    its amount is at least the sum designated for all of them (g). A financial test or corporate guarantee
    cannot be combined (f): it counts only if it alone assures the whole estimate and the latest figures pass
    (e)(1). A mechanism no longer in force does not count: a bond, policy or guarantee from the day its
    cancellation may take effect (R + 120, (b)(8), (d)(8), (e)(10)(B); a policy kept in force by (d)(8)(A)-(E)
    still counts), a letter of credit after the expiration a timely non-extension notice left standing ((c)(5)).
    """
    return _coverage(facts, cost_estimate_series(facts, as_of)[-1], as_of)


def _coverage(facts: ILClosureFacts, current: CostEstimate, as_of: date) -> Coverage:
    credits = [_credit(facts, mech, current.amount, as_of) for mech in facts.mechanisms]
    assured = sum((c.assured for c in credits if c.counted), Decimal(0))
    return Coverage(
        required=current.amount,
        assured=assured,
        shortfall=max(current.amount - assured, Decimal(0)),
        estimate_date=current.date,
        mechanisms=credits,
    )


def _credit(facts: ILClosureFacts, mech: Mechanism, required: Decimal, as_of: date) -> MechanismCredit:
    share = mech.amount
    reason = _ended(mech, as_of)
    if reason:
        return MechanismCredit(mechanism=mech.id, assured=share, counted=False, reason=reason, in_force=False)
    if mech.facilities:
        keys = {facts.facility.id, facts.facility.epa_id, facts.facility.name} - {""}
        designated = sum((f.amount for f in mech.facilities), Decimal(0))
        mine = [f.amount for f in mech.facilities if f.id in keys]
        share = mine[0] if mine else Decimal(0)
        if not mine:
            reason = "(g): designates no amount for this facility"
        elif designated > mech.amount:
            reason = f"(g): amounts designated for its facilities ({designated}) exceed its amount ({mech.amount})"
    if not reason and isinstance(mech, FinancialTest):
        reason = _test_failure(mech, required, as_of)
        if not reason and share < required:
            reason = "(f): a financial test or corporate guarantee must assure the whole estimate on its own"
    return MechanismCredit(mechanism=mech.id, assured=share, counted=not reason, reason=reason)


def _ended(mech: Mechanism, as_of: date) -> str:
    """Why `mech` is no longer in force on `as_of` ("" while it is): cancelled, or expired without extension."""
    if isinstance(mech, LetterOfCredit):
        term = credit_term(mech, as_of)
        if term is not None and term.ends and as_of > term.expires:
            return f"(c)(5): expired {term.expires} (a non-extension notice was received by both in time)"
        return ""
    section = CANCELLATION_SECTIONS.get(mech.type)
    if section is None:
        return ""
    for ev in mech.events:
        if not isinstance(ev, CancellationNotice):
            continue
        r, known = received_by_both(ev, as_of)
        if r is None or as_of < days_after(r, 120):
            continue
        if mech.type == "insurance" and _kept_in_force(mech, r, known, as_of) is not None:
            continue
        return f"{section}: cancellation may take effect from {days_after(r, 120)} (notice received by both {r})"
    return ""


def credit_term(loc: LetterOfCredit, as_of: date) -> CreditTerm | None:
    """35 Ill. Adm. Code 725.243(c)(5): the letter's expiration as of `as_of` (None without `expires`).

    The expiration "will be automatically extended for a period of at least one year unless, at least 120 days
    before the current expiration date", the issuer notifies both the owner or operator and the Agency: once a
    stated expiration has passed with no non-extension notice received by both (R) on or before it minus 120
    days, the credit runs one more year (the minimum), and the notice deadline follows the new expiration. The
    credit is still in force on its expiration day; the extension is seen from the day after. A notice received
    too late for one expiration stops the next one. A notice known received by one only, in time for the
    current expiration, leaves the question open: no extension is assumed (`uncertain`).
    """
    if loc.expires is None:
        return None
    receipts = [received_by_both(ev, as_of) for ev in loc.events if isinstance(ev, NonExtensionNotice)]
    extensions = 0
    while True:
        expires = loc.expires + EXTENSION * extensions
        deadline = days_after(expires, -120)
        if any(r is not None and r <= deadline for r, _ in receipts):
            return CreditTerm(expires=expires, extensions=extensions, ends=True)
        if any(r is None and known and max(known.values()) <= deadline for r, known in receipts):
            return CreditTerm(expires=expires, extensions=extensions, ends=False, uncertain=True)
        if as_of <= expires:
            return CreditTerm(expires=expires, extensions=extensions, ends=False)
        extensions += 1


def _test_failure(mech: FinancialTest, required: Decimal, as_of: date) -> str:
    """Why the latest facts say (e)(1) is not met: the last year-end figures, or a later Agency finding."""
    verdicts: list[tuple[date, str]] = []
    for ev in mech.events:
        if isinstance(ev, FiscalYearEnd) and ev.date <= as_of and ev.financials is not None:
            passes = financial_test(ev.financials, required).passes
            verdicts.append((ev.date, "" if passes else f"(e)(6): fails (e)(1) for the year ending {ev.date}"))
        elif isinstance(ev, Finding) and ev.notified <= as_of:
            verdicts.append((ev.notified, f"{FINDING_SECTIONS[ev.type]}: Agency {ev.type} notified {ev.notified}"))
    return max(verdicts)[1] if verdicts else ""


def received_by_both(notice: ReceiptEvent, as_of: date) -> tuple[date | None, dict[str, date]]:
    """R, the later of the owner's and the Agency's receipt ("as evidenced by the return receipts"), and the
    receipts known on `as_of`. R is None until both are known: the window has not started."""
    known = {
        name: day
        for name in ("owner_received", "agency_received")
        if (day := getattr(notice, name)) is not None and day <= as_of
    }
    return (max(known.values()) if len(known) == 2 else None), known


def obligations(facts: ILClosureFacts, as_of: date) -> list[Obligation]:
    """Every window and deadline of 35 Ill. Adm. Code 725.243 the facts give rise to on `as_of`, by date."""
    cov = coverage(facts, as_of)
    series = cost_estimate_series(facts, as_of)
    increases = _uncovered_increases(facts, series)
    in_force = {c.mechanism for c in cov.mechanisms if c.in_force}
    out: list[Obligation] = []
    for mech in facts.mechanisms:
        out += _event_obligations(facts, mech, as_of)
        if isinstance(mech, LetterOfCredit):
            out += _extension_deadline(facts, mech, as_of)
        if isinstance(mech, TrustFund):
            out += _trust_obligations(facts, mech, cov, series, as_of)
        if mech.type in INCREASE_SECTIONS and mech.id in in_force:
            out += _increase_obligations(facts, mech, increases, as_of)
    return sorted(out, key=lambda o: (o.due or date.max, o.subject, o.type))


def _extension_deadline(facts: ILClosureFacts, loc: LetterOfCredit, as_of: date) -> list[Obligation]:
    """35 Ill. Adm. Code 725.243(c)(5): a non-extension notice must reach both 120 days before the current
    expiration (`credit_term`); the period is that expiration, so each extension gives the next deadline."""
    term = credit_term(loc, as_of)
    if term is None:
        return []
    evidence: dict[str, object] = {
        "expires": loc.expires,
        "current_expiration": term.expires,
        "extensions": term.extensions,
        "ends": term.ends,
    }
    if term.uncertain:
        evidence["uncertain"] = "a non-extension notice is known received by one of the two only"
    return [
        _ob(
            facts,
            loc.id,
            "extension_notice_deadline",
            "(c)(5)",
            str(term.expires),
            due=days_after(term.expires, -120),
            evidence=evidence,
        )
    ]


def _ob(
    src: ILClosureFacts,
    mechanism: str,
    kind: str,
    subsection: str,
    period: str,
    *,
    due: date | None = None,
    status: ObligationStatus = "open",
    window: tuple[date, date] | None = None,
    amount: Decimal | None = None,
    evidence: dict[str, object] | None = None,
) -> Obligation:
    return Obligation(
        program=PROGRAM,
        type=kind,
        facility_id=src.facility.key,
        subject=mechanism,
        due=due,
        window_start=window[0] if window else None,
        window_end=window[1] if window else None,
        section=f"{SECTION}{subsection}",
        status=status,
        period=period,
        amount=amount,
        facts=evidence or {},
    )


def _event_obligations(facts: ILClosureFacts, mech: Mechanism, as_of: date) -> list[Obligation]:
    out: list[Obligation] = []
    for index, ev in enumerate(mech.events):
        period = f"{ev.type}:{ev.id or index}"
        if isinstance(ev, CancellationNotice | NonExtensionNotice):
            out += _receipt_windows(facts, mech, ev, period, as_of)
        elif isinstance(ev, FiscalYearEnd) and ev.date <= as_of:
            out += _fiscal_year_end(facts, mech.id, ev, period, as_of)
        elif isinstance(ev, Finding) and ev.notified <= as_of:
            out.append(
                _ob(
                    facts,
                    mech.id,
                    "alternate_assurance_due",
                    FINDING_SECTIONS[ev.type],
                    period,
                    due=days_after(ev.notified, 30),
                    evidence={"notified": ev.notified},
                )
            )
        elif isinstance(ev, AgencyReceipt) and ev.agency_received <= as_of:
            kind, sub = AGENCY_ACTIONS.get((mech.type, ev.type), ("agency_release_notice_due", "(h)"))
            out.append(
                _ob(
                    facts,
                    mech.id,
                    kind,
                    sub,
                    period,
                    due=days_after(ev.agency_received, 60),
                    evidence={"agency_received": ev.agency_received},
                )
            )
        elif (
            isinstance(ev, DatedEvent)
            and ev.type == "closure_ordered"
            and mech.type == "surety_bond"
            and ev.date <= as_of
        ):
            out.append(
                _ob(
                    facts,
                    mech.id,
                    "fund_standby_trust_due",
                    "(b)(4)(B)",
                    period,
                    due=days_after(ev.date, 15),
                    evidence={"ordered": ev.date},
                )
            )
    return out


def _receipt_windows(
    facts: ILClosureFacts,
    mech: Mechanism,
    notice: CancellationNotice | NonExtensionNotice,
    period: str,
    as_of: date,
) -> list[Obligation]:
    """The windows a notice opens on R, the date both the owner or operator and the Agency received it.

    35 Ill. Adm. Code 725.243(b)(4)(C), (b)(8), (c)(9), (d)(8), (e)(10)(B)-(C): "within 90 days after" R is
    due R + 90; "the 120 days beginning on" R run R..R+119, so cancellation may take effect from R + 120. With
    one receipt missing the obligations are `pending`, carrying the receipt known.
    """
    r, known = received_by_both(notice, as_of)
    kept = _kept_in_force(mech, r, known, as_of) if mech.type == "insurance" else None
    out = []
    for kind, days, sub, is_period in RECEIPT_RULES[(mech.type, notice.type)]:
        evidence: dict[str, object] = {**known, "received_by_both": r}
        if isinstance(mech, LetterOfCredit) and mech.expires is not None and r is not None:
            received_in = credit_term(mech.model_copy(update={"events": []}), r)  # the term R fell in
            term = credit_term(mech, as_of)
            assert received_in is not None and term is not None
            evidence["notice_timely"] = r <= days_after(received_in.expires, -120)  # (c)(5)
            evidence["current_expiration"] = term.expires
        if kept is not None and kind == "no_cancellation_before":
            out.append(
                _ob(
                    facts,
                    mech.id,
                    "policy_remains_in_force",
                    POLICY_KEEPERS[kept.type],
                    period,
                    due=kept.date,
                    status="closed",
                    evidence={**evidence, kept.type: kept.date},
                )
            )
        elif r is None:
            out.append(_ob(facts, mech.id, kind, sub, period, status="pending", evidence=evidence))
        else:
            window = (r, days_after(r, days - 1)) if is_period else None
            out.append(
                _ob(
                    facts,
                    mech.id,
                    kind,
                    sub,
                    period,
                    due=days_after(r, days),
                    window=window,
                    evidence=evidence,
                )
            )
    return out


def _kept_in_force(mech: Mechanism, r: date | None, known: dict[str, date], as_of: date) -> DatedEvent | None:
    """35 Ill. Adm. Code 725.243(d)(8)(A)-(E): the first event, on or before expiration (at the earliest R +
    120), that keeps the policy in force. With R unknown the known receipt bounds it: R + 120 is no earlier
    than that + 120. A premium payment counts only from the notice on (it pays the premium the notice is
    about)."""
    if not known:
        return None
    bound = days_after(r or max(known.values()), 120)
    keepers = [
        ev
        for ev in mech.events
        if isinstance(ev, DatedEvent)
        and ev.type in POLICY_KEEPERS
        and ev.date <= min(bound, as_of)
        and (ev.type != "premium_paid" or ev.date >= min(known.values()))
    ]
    return min(keepers, key=lambda ev: ev.date, default=None)


def _fiscal_year_end(
    facts: ILClosureFacts, mech: str, fye: FiscalYearEnd, period: str, as_of: date
) -> list[Obligation]:
    """35 Ill. Adm. Code 725.243(e)(5)-(6): updated CFO letter and reports within 90 days after the fiscal
    year ends; if the year-end figures fail (e)(1), notice within 90 days and alternate assurance within 120
    days after it."""
    if fye.financials is not None:
        result = financial_test(fye.financials, cost_estimate_series(facts, as_of)[-1].amount)
        if not result.passes:
            evidence = {"fiscal_year_end": fye.date, **result.criteria}
            return [
                _ob(
                    facts,
                    mech,
                    "alternate_assurance_notice_due",
                    "(e)(6)",
                    period,
                    due=days_after(fye.date, 90),
                    evidence=evidence,
                ),
                _ob(
                    facts,
                    mech,
                    "alternate_assurance_due",
                    "(e)(6)",
                    period,
                    due=days_after(fye.date, 120),
                    evidence=evidence,
                ),
            ]
    return [
        _ob(
            facts,
            mech,
            "financial_test_update_due",
            "(e)(5)",
            period,
            due=days_after(fye.date, 90),
            evidence={"fiscal_year_end": fye.date},
        )
    ]


def _in_pay_in(trust: TrustFund, as_of: date) -> bool:
    if trust.first_payment is None or trust.pay_in_years is None:
        return False  # funded in full when established (a)(4)
    return as_of < trust.first_payment + relativedelta(years=trust.pay_in_years)


def _trust_obligations(
    facts: ILClosureFacts, trust: TrustFund, cov: Coverage, series: list[CostEstimate], as_of: date
) -> list[Obligation]:
    """The next payment into the trust fund (a)(3); the Schedule A update after an estimate change (a)(2)."""
    out = []
    if len(series) > 1 and series[-1].amount != series[-2].amount:
        out.append(
            _ob(
                facts,
                trust.id,
                "schedule_a_update_due",
                "(a)(2)",
                f"estimate:{series[-1].date}",
                due=days_after(series[-1].date, 60),
                evidence={"estimate": series[-1].amount},
            )
        )
    others = sum((c.assured for c in cov.mechanisms if c.counted and c.mechanism != trust.id), Decimal(0))
    payment = trust_payment(trust, max(cov.required - others, Decimal(0)), as_of)
    if payment is not None:
        out.append(
            _ob(
                facts,
                trust.id,
                "trust_payment_due",
                payment[2],
                str(payment[0]),
                due=payment[0],
                amount=payment[1],
                evidence={"estimate_covered": cov.required - others, "value": trust.amount},
            )
        )
    return out


def trust_payment(trust: TrustFund, ce: Decimal, as_of: date) -> tuple[date, Decimal, str] | None:
    """The next payment into a closure trust fund: (due date, amount, subsection), None when nothing is due.

    35 Ill. Adm. Code 725.243(a)(3): the first payment at least CE / Y; each later one no later than 30 days
    after an anniversary of the first, (CE - CV) / Y with Y the years left in the pay-in period (rounded up to
    the cent). The payment of the anniversary whose 30 days have not all passed on `as_of` is the next one.
    """
    if trust.first_payment is None or trust.pay_in_years is None:
        return None
    years = trust.pay_in_years
    if as_of <= trust.first_payment:
        return trust.first_payment, (ce / years).quantize(CENT, ROUND_CEILING), "(a)(3)(A)"
    for k in range(1, years):
        due = days_after(trust.first_payment + relativedelta(years=k), 30)
        if as_of <= due:
            amount = ((ce - trust.amount) / (years - k)).quantize(CENT, ROUND_CEILING)
            return (due, amount, "(a)(3)(B)") if amount > 0 else None
    return None


def _uncovered_increases(
    facts: ILClosureFacts, series: list[CostEstimate]
) -> list[tuple[CostEstimate, CostEstimate, Decimal]]:
    """(previous, new, assured on the new one's date) for every change of the estimate in the current run of
    estimates above what the mechanisms in force on their dates assured (the combination's total, (f)).

    Each estimate is compared with the coverage on its own date, so a bond cancelled later does not turn past
    increases it covered into duties; an estimate followed by one the assurance covered ends a run (its duty
    was met or overtaken). The first estimate of all is a shortfall, not an increase.
    """
    by_day = {e.date: e for e in series}  # the last estimate of each day is that day's
    runs: list[tuple[CostEstimate, Decimal]] = []
    for day, estimate in by_day.items():
        assured = _coverage(facts, estimate, day).assured
        runs = [*runs, (estimate, assured)] if estimate.amount > assured else []
    if not runs:
        return []
    days = list(by_day)
    first = days.index(runs[0][0].date)
    previous = by_day[days[first - 1]] if first else None
    out = []
    for estimate, assured in runs:
        if previous is not None and estimate.amount != previous.amount:
            out.append((previous, estimate, assured))
        previous = estimate
    return out


def _increase_obligations(
    facts: ILClosureFacts,
    mech: Mechanism,
    increases: list[tuple[CostEstimate, CostEstimate, Decimal]],
    as_of: date,
) -> list[Obligation]:
    """35 Ill. Adm. Code 725.243(b)(7), (c)(7), (d)(9): "whenever the current closure cost estimate increases to an
    amount greater than" the bond's, credit's or policy's amount, within 60 days after the increase raise it to
    the estimate or obtain other assurance; (a)(6): after the pay-in period, whenever the estimate changes to
    more than the trust fund's value, within 60 days after the change.

    The condition is the amount after the increase, so every increase to an estimate above the assurance opens
    its own 60 days, also when the estimate was above it already. Under (f) the assurance is the combination's,
    and every mechanism in force gets the obligation (raising any one satisfies it).
    """
    out = []
    for previous, estimate, assured in increases:
        if isinstance(mech, TrustFund):
            if _in_pay_in(mech, estimate.date) or _in_pay_in(mech, as_of):
                continue  # during the pay-in period the payments of (a)(3) close the gap
        elif estimate.amount < previous.amount:
            continue  # a decrease is not an increase; only (a)(6) speaks of any change
        out.append(
            _ob(
                facts,
                mech.id,
                "increase_assurance_due",
                INCREASE_SECTIONS[mech.type],
                f"estimate:{estimate.date}",
                due=days_after(estimate.date, 60),
                evidence={
                    "estimate": estimate.amount,
                    "estimate_date": estimate.date,
                    "previous_estimate": previous.amount,
                    "assured": assured,
                },
            )
        )
    return out

"""Massachusetts drinking water state revolving fund: Acts of 1998 (chapter 78), Sections 14, 15 and 22.

`obligations(facts, as_of)`: pricing system in effect within 90 days of a loan award (Section 15; for a
regional local governmental unit, by each of its members instead), rate
reduction petition within 30 days after approving a memorandum of understanding (Section 22), the department's
contract assistance report by March 1 (Section 22). `subsidy` is the 50 percent grant equivalent (Section 14,
Section 22).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from permitclock.domain.obligations import Obligation
from permitclock.domain.programs import MASRFFacts
from permitclock.rules.programs import days_after, next_annual

PROGRAM = "ma_srf"
FACTS = MASRFFacts
SECTION = "Mass. Acts 1998"
SUBSIDY_SHARE = Decimal("0.5")
MEMBER_CONSEQUENCE = "without it the member is ineligible to receive its allocable share of the loan (Section 15)"


def subsidy(eligible_costs: Decimal) -> Decimal:
    """Acts of 1998 Section 14 (G.L. c. 29C section 18(g)) and Section 22: a grant of 50 percent of eligible
    costs."""
    return (eligible_costs * SUBSIDY_SHARE).quantize(Decimal("0.01"), ROUND_HALF_UP)


def obligations(facts: MASRFFacts, as_of: date) -> list[Obligation]:
    """The SRF deadlines on `as_of`: per loan award and approved memorandum, and the next annual report.

    Section 15: the borrower's pricing system must be adopted "to take effect within 90 days of the award",
    except for a project the department found a pricing system inapplicable to, and except for a regional
    local governmental unit; then "each city, town, commission, board or other instrumentality which is a
    member or other service recipient thereof shall adopt a pricing system satisfying the foregoing
    requirements" (read: in effect within the same 90 days) or lose its allocable share: one obligation per
    member and loan, on the unit's facts.
    """

    def ob(subject: str, kind: str, section: str, period: str, due: date, **extra: object) -> Obligation:
        return Obligation.model_validate(
            {
                "program": PROGRAM,
                "type": kind,
                "facility_id": facts.entity_id,
                "subject": subject,
                "due": due,
                "section": f"{SECTION}, {section}",
                "period": period,
                **extra,
            }
        )

    priced = [loan for loan in facts.loans if loan.awarded <= as_of and not loan.pricing_system_exempt]
    out = [
        ob(
            loan.id,
            "pricing_system_effective_due",
            "Section 15",
            str(loan.awarded),
            days_after(loan.awarded, 90),
            amount=subsidy(loan.eligible_costs) if loan.eligible_costs is not None else None,
        )
        for loan in priced
        if not facts.regional_unit
    ]
    out += [
        ob(
            member,
            "member_pricing_system_effective_due",
            "Section 15",
            f"{loan.id}:{loan.awarded}",
            days_after(loan.awarded, 90),
            facts={"loan": loan.id, "regional_unit": facts.entity_id, "consequence": MEMBER_CONSEQUENCE},
        )
        for loan in priced
        if facts.regional_unit
        for member in facts.members
    ]
    out += [
        ob(m.id, "rate_reduction_petition_due", "Section 22", str(m.approved), days_after(m.approved, 30))
        for m in facts.memoranda
        if m.approved <= as_of
    ]
    if facts.files_contract_assistance_report:
        due = next_annual(as_of, 3, 1)
        out.append(ob("contract assistance", "contract_assistance_report_due", "Section 22", str(due.year), due))
    return sorted(out, key=lambda o: (o.due or date.max, o.subject, o.type))

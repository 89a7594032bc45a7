"""30 TAC 115.140-115.149: control of VOC from industrial wastewater (Dallas/Fort Worth, El Paso,
Houston/Galveston).

`is_affected` (115.140), `annual_loading_mg` and `plant_loading_mg` (115.148), `exemptions` (115.147(1)-(2),
(5)) and `obligations(facts, as_of)`: repairs, inspections, reports and notices, each carrying the plant's
`basis` (stream loadings, plant total, which exemptions hold) in its facts.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict

from permitclock.domain.obligations import Obligation, ObligationStatus
from permitclock.domain.programs import TXWastewaterFacts, WastewaterStream
from permitclock.rules.programs import days_after, next_annual

PROGRAM = "tx_115"
FACTS = TXWastewaterFacts
SECTION = "30 TAC "

# 115.140 "Affected source category": SIC codes.
AFFECTED_SIC = frozenset(
    {"2821", "2823", "2824", "2865", "2869", "2879", "2911", "2833", "2834", "2836", "4952", "4953", "4959"}
)
HIGH_PPMW = Decimal(10_000)
LOW_PPMW = Decimal(1_000)
MIN_FLOW_LPM = Decimal(10)
EXEMPT_MG_PER_YEAR = Decimal(10)
# Loading units: L/min x min/yr x kg/L (water) x ppmw (mg/kg) / (mg/Mg) = Mg/yr.
MINUTES_PER_YEAR = 365 * 24 * 60
WATER_KG_PER_L = Decimal(1)
MG_PER_MEGAGRAM = Decimal(10) ** 9
# 115.144: seals and covers semiannually (1)(A), secondary seals visually semiannually (2)(C), a vapor-mounted
# primary seal's secondary-seal gap measured annually (2)(A).
INSPECTION_INTERVALS = {
    "seals_and_covers": (relativedelta(months=6), "115.144(1)(A)"),
    "secondary_seal_visual": (relativedelta(months=6), "115.144(2)(C)"),
    "secondary_seal_gap": (relativedelta(years=1), "115.144(2)(A)"),
}


SIP_NOTE_6 = (
    "uncertain: the seed's note to reader says it is unclear whether 115.147(6) is still in the SIP (it is not in "
    "115.147 as adopted April 30, 1997, approved by EPA at 105P)"
)


class Exemptions(BaseModel):
    """30 TAC 115.147(1)-(2) and (5) for one plant."""

    model_config = ConfigDict(frozen=True)

    plant_loading_mg: Decimal
    plant_exempt: bool
    exempted_streams_mg: Decimal
    stream_exemptions_valid: bool
    exempted_streams: list[str]
    controlled_streams: list[str]
    control_plan_exempt: bool = False


def is_affected(stream: WastewaterStream) -> bool:
    """30 TAC 115.140: from an affected source category, with VOC >= 10,000 ppmw, or >= 1,000 ppmw at a flow
    of >= 10 L/min."""
    return stream.sic.strip() in AFFECTED_SIC and (
        stream.voc_ppmw >= HIGH_PPMW or (stream.voc_ppmw >= LOW_PPMW and stream.flow_lpm >= MIN_FLOW_LPM)
    )


def annual_loading_mg(stream: WastewaterStream) -> Decimal:
    """30 TAC 115.148(4): annual average flow x flow-weighted annual average VOC concentration, in Mg/yr.

    Flow in L/min over a 365-day year, water at 1 kg/L, concentration in ppmw (mg VOC per kg of wastewater).
    """
    kg_per_year = stream.flow_lpm * MINUTES_PER_YEAR * WATER_KG_PER_L
    return kg_per_year * stream.voc_ppmw / MG_PER_MEGAGRAM


def plant_loading_mg(facts: TXWastewaterFacts) -> Decimal:
    """30 TAC 115.148(5): the sum of the loadings of the plant's affected VOC wastewater streams, Mg/yr."""
    return sum((annual_loading_mg(s) for s in facts.streams if is_affected(s)), Decimal(0))


def exemptions(facts: TXWastewaterFacts, as_of: date | None = None) -> Exemptions:
    """30 TAC 115.147(1): a plant at or below 10 Mg/yr is exempt; (2): above it, the streams the owner exempts
    must sum to at most 10 Mg/yr. Affected streams not validly exempted must be controlled (115.142).

    (5): "Wastewater components are exempt from the control requirements of 115.142" when the account's
    overall control is at least 90% below the 1990 baseline (`control_plan_exemption`); a plan submitted
    after 1996 must be approved first ((5)(A)), so with `control_plan_approved` the exemption holds from that
    day on (`as_of`; without `as_of` it is not decided and is False).
    """
    total = plant_loading_mg(facts)
    affected = [s for s in facts.streams if is_affected(s)]
    exempted = sum((annual_loading_mg(s) for s in affected if s.exempt), Decimal(0))
    plant_exempt = total <= EXEMPT_MG_PER_YEAR
    valid = plant_exempt or exempted <= EXEMPT_MG_PER_YEAR
    approved = facts.control_plan_approved
    five = as_of is not None and facts.control_plan_exemption and (approved is None or approved <= as_of)
    controlled = [] if plant_exempt or five else [s.id for s in affected if not (valid and s.exempt)]
    return Exemptions(
        plant_loading_mg=total,
        plant_exempt=plant_exempt,
        exempted_streams_mg=exempted,
        stream_exemptions_valid=valid,
        exempted_streams=[s.id for s in affected if s.exempt and valid and not plant_exempt],
        controlled_streams=controlled,
        control_plan_exempt=five,
    )


def basis(facts: TXWastewaterFacts, as_of: date) -> dict[str, object]:
    """Why the plant's duties exist: each affected stream's loading (Mg/yr), the plant total, which exemptions
    hold and the streams left to control. Carried in every obligation's facts."""
    ex = exemptions(facts, as_of)
    return {
        "stream_loadings_mg": {s.id: annual_loading_mg(s) for s in facts.streams if is_affected(s)},
        "plant_loading_mg": ex.plant_loading_mg,
        "exemptions": {
            "115.147(1)": ex.plant_exempt,
            "115.147(2)": ex.exempted_streams,
            "115.147(5)": ex.control_plan_exempt,
        },
        "stream_exemptions_valid": ex.stream_exemptions_valid,
        "controlled_streams": ex.controlled_streams,
    }


def obligations(facts: TXWastewaterFacts, as_of: date) -> list[Obligation]:
    """Deadlines of 30 TAC 115.142, 115.144 and 115.147 on `as_of`.

    Repairs (115.142(1)(H)) and inspections (115.144, which applies to "a facility subject to the control
    requirements of 115.142") only where control applies: not at a plant exempt under 115.147(1), nor while
    its wastewater components are exempt under 115.147(5).
    """
    ex = exemptions(facts, as_of)
    why = basis(facts, as_of)
    out: list[Obligation] = []
    if not (ex.plant_exempt or ex.control_plan_exempt):
        out += _repairs(facts, as_of) + _inspections(facts)
    if ex.control_plan_exempt:
        due = next_annual(as_of, 3, 31)
        out.append(_ob(facts, "plant", "annual_exemption_report_due", "115.147(5)(B)", str(due.year - 1), due))
    out += [
        _ob(facts, "control plan", "revised_control_plan_due", "115.147(5)(C)", str(d), days_after(d, 30))
        for d in facts.plan_changes
        if d <= as_of
    ]
    out += [
        _ob(facts, p.id, "project_notice_due", "115.142(3)(B)", str(p.starts), days_after(p.starts, -30))
        for p in facts.projects
    ]
    sip: dict[str, object] = {"sip_status": SIP_NOTE_6}
    if facts.reapplication_requested and facts.reapplication_requested <= as_of:
        requested = facts.reapplication_requested
        due = requested + relativedelta(months=3)
        out.append(
            _ob(facts, "exemption", "exemption_reapplication_due", "115.147(6)(B)", str(requested), due, extra=sip)
        )
    if facts.exemption_denied and facts.exemption_denied <= as_of:
        due = facts.exemption_denied + relativedelta(years=2)
        out.append(
            _ob(
                facts,
                "exemption",
                "control_compliance_due",
                "115.147(6)(B)",
                str(facts.exemption_denied),
                due,
                extra=sip,
            )
        )
    out = [o.model_copy(update={"facts": {**why, **o.facts}}) for o in out]
    return sorted(out, key=lambda o: (o.due or date.max, o.subject, o.type))


def _repairs(facts: TXWastewaterFacts, as_of: date) -> list[Obligation]:
    """30 TAC 115.142(1)(H): repair within 15 days of detection, or before the end of the next unit shutdown
    when it needs one (pending until that date is known); 115.144(1)(B): inspect when repaired."""
    out = []
    for defect in facts.defects:
        if defect.detected > as_of:
            continue
        repaired = defect.repaired if defect.repaired is not None and defect.repaired <= as_of else None
        due = defect.shutdown_ends if defect.needs_shutdown else days_after(defect.detected, 15)
        status: ObligationStatus = "closed" if repaired else ("pending" if due is None else "open")
        period = str(defect.detected)
        out.append(_ob(facts, defect.component, "repair_due", "115.142(1)(H)", period, due or repaired, status))
        if repaired:
            out.append(_ob(facts, defect.component, "inspection_due", "115.144(1)(B)", period, repaired))
    return out


def _inspections(facts: TXWastewaterFacts) -> list[Obligation]:
    """30 TAC 115.144(1)(A), (2)(A), (2)(C): the next inspection, six months or a year after the last."""
    out = []
    for insp in facts.inspections:
        interval, section = INSPECTION_INTERVALS[insp.kind]
        out.append(
            _ob(
                facts,
                insp.component,
                f"{insp.kind}_inspection_due",
                section,
                str(insp.last),
                insp.last + interval,
            )
        )
    return out


def _ob(
    facts: TXWastewaterFacts,
    subject: str,
    kind: str,
    section: str,
    period: str,
    due: date | None,
    status: ObligationStatus = "open",
    extra: dict[str, object] | None = None,
) -> Obligation:
    return Obligation(
        program=PROGRAM,
        type=kind,
        facility_id=facts.plant_id,
        subject=subject,
        due=due,
        section=f"{SECTION}{section}",
        status=status,
        period=period,
        facts=extra or {},
    )

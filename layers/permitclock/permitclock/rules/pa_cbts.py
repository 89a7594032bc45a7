"""Pennsylvania Chesapeake Bay Tributary Strategy (CBTS) in sewage facilities (Act 537) planning.

`is_significant`, `onlot_offset_lb`, `balances` (zero net increase per nutrient) and
`obligations(facts, as_of)`: the offsets or credits still needed, due with the planning submission.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from permitclock.domain.obligations import Obligation
from permitclock.domain.programs import PACBTSFacts, PointSource, RetiredOnLot

PROGRAM = "pa_cbts"
FACTS = PACBTSFacts
SECTION = "PA CBTS sewage facilities planning"

SIGNIFICANT_SEWAGE_MGD = Decimal("0.4")
SIGNIFICANT_TN_LB_PER_DAY = Decimal(75)
SIGNIFICANT_TP_LB_PER_DAY = Decimal(25)
INDIVIDUAL_ONLOT_TN_LB_PER_YEAR = Decimal(25)
COMMUNITY_GPD_PER_SYSTEM = Decimal("262.5")
OFFSETS_FROM = date(2003, 1, 1)  # 2002 is the Tributary Strategy's base year
FOOTNOTE = "CBTS planning C.1 note 2"


class NutrientBalance(BaseModel):
    """New load minus offsets and credits, lb/yr; zero net when not above zero."""

    model_config = ConfigDict(frozen=True)

    nutrient: Literal["TN", "TP"]
    new_load: Decimal
    offsets: Decimal
    credits: Decimal
    net: Decimal
    zero_net: bool


def is_significant(source: PointSource) -> bool:
    """CBTS definitions: a sewage point source with a design flow of 0.4 MGD or more; an industrial waste
    point source discharging at least 75 lb/day TN or 25 lb/day TP (annual average daily load)."""
    if source.kind == "sewage":
        return source.design_flow_mgd is not None and source.design_flow_mgd >= SIGNIFICANT_SEWAGE_MGD
    return (source.tn_lb_per_day or 0) >= SIGNIFICANT_TN_LB_PER_DAY or (
        source.tp_lb_per_day or 0
    ) >= SIGNIFICANT_TP_LB_PER_DAY


def onlot_ineligible(system: RetiredOnLot) -> str:
    """Why a retired on-lot system gives no offset ("" when it does): CBTS planning C.1 note 2, "On-lot systems
    must have been in existence prior to and retired after January 1, 2003".

    Read with the 2007 on-lot guidance in the same seed ("retired ... beginning on January 1, 2003"; 2002 is
    the Tributary Strategy's base year): installed on or before 2002-12-31 (in the base year's load), and
    retired on or after 2003-01-01 (a retirement on January 1, 2003 counts: it is the first day after the
    base year, and the guidance begins there).
    """
    if system.installed >= OFFSETS_FROM:
        return f"{FOOTNOTE}: installed {system.installed}, not in existence before {OFFSETS_FROM}"
    if system.retired < OFFSETS_FROM:
        return f"{FOOTNOTE}: retired {system.retired}, before {OFFSETS_FROM} (in the 2002 base year)"
    return ""


def onlot_offset_lb(system: RetiredOnLot) -> Decimal:
    """CBTS planning C.1-C.2 and the 2007 on-lot guidance: TN offset in lb/yr of retired on-lot systems.

    25 lb/yr per individual system; a community system's design gpd / 262.5 x 25 lb/yr. Only systems in
    existence before and retired on or after January 1, 2003 count (`onlot_ineligible`). No TP offset (C.3).
    """
    if onlot_ineligible(system):
        return Decimal(0)
    if system.kind == "individual":
        return INDIVIDUAL_ONLOT_TN_LB_PER_YEAR * system.count
    assert system.design_gpd is not None  # the model requires it for a community system
    return system.design_gpd / COMMUNITY_GPD_PER_SYSTEM * INDIVIDUAL_ONLOT_TN_LB_PER_YEAR * system.count


def balances(facts: PACBTSFacts) -> list[NutrientBalance]:
    """CBTS "New Discharges and Facility Expansions": new TN and TP loads minus offsets and credits must not
    be above zero, each nutrient on its own (on-lot retirements offset TN only)."""
    tn_offsets = sum((onlot_offset_lb(s) for s in facts.retired_onlot), Decimal(0))
    rows: list[tuple[Literal["TN", "TP"], Decimal, Decimal, Decimal]] = [
        ("TN", facts.new_tn_lb_per_year, tn_offsets, facts.tn_credits_lb_per_year),
        ("TP", facts.new_tp_lb_per_year, Decimal(0), facts.tp_credits_lb_per_year),
    ]
    return [
        NutrientBalance(
            nutrient=name,
            new_load=load,
            offsets=off,
            credits=cred,
            net=load - off - cred,
            zero_net=load - off - cred <= 0,
        )
        for name, load, off, cred in rows
    ]


def obligations(facts: PACBTSFacts, as_of: date) -> list[Obligation]:
    """For each nutrient short of zero net: the lb/yr still to offset or credit, due with the planning
    submission (pending while that date is unknown). `as_of` is unused: the check does not depend on the day.
    """
    del as_of
    return [
        Obligation(
            program=PROGRAM,
            type="zero_net_offsets_needed",
            facility_id=facts.project_id,
            subject=b.nutrient,
            period="planning",
            due=facts.planning_submission,
            section=f"{SECTION}: zero net {b.nutrient}",
            status="open" if facts.planning_submission else "pending",
            amount=b.net,
            facts={
                "significant": is_significant(facts.point_source),
                **b.model_dump(),
                **({"onlot": onlot_evidence(facts)} if b.nutrient == "TN" and facts.retired_onlot else {}),
            },
        )
        for b in balances(facts)
        if not b.zero_net
    ]


def onlot_evidence(facts: PACBTSFacts) -> list[dict[str, object]]:
    """Per retired on-lot system (in input order): its offset and, when it gives none, why."""
    return [
        {"kind": s.kind, "count": s.count, "installed": s.installed, "retired": s.retired,
         "offset": onlot_offset_lb(s), **({"not_counted": why} if (why := onlot_ineligible(s)) else {})}
        for s in facts.retired_onlot
    ]  # fmt: skip

"""Input models of the programs beside the IGP: the facts a program's `obligations(facts, as_of)` reads.

One top-level model per program (`ILClosureFacts`, `TXWastewaterFacts`, `PACBTSFacts`, `MASRFFacts`); the
registry in `permitclock.rules.programs` routes a JSON payload to it by program name. Unknown keys are ignored
(descriptive fields such as an issuer's name may ride along); every date is an ISO `YYYY-MM-DD`, every amount
a decimal.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Day = date  # for fields named `date`, whose name would shadow the type in the class body
Money = Annotated[Decimal, Field(ge=0)]


class _Input(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


# ---- 35 Ill. Adm. Code 725.243 (closure assurance)


class ILFacility(_Input):
    id: str = ""
    epa_id: str = ""
    name: str = ""

    @property
    def key(self) -> str:
        """The facility id the obligations carry: `id`, else the USEPA id, else the name."""
        return self.id or self.epa_id or self.name or "facility"


class CostEstimate(_Input):
    date: Day
    amount: Money


class Financials(_Input):
    """Year-end figures from the CFO letter, for the financial test of 725.243(e)(1)."""

    total_liabilities: Money
    net_worth: Decimal
    net_income: Decimal
    depreciation_depletion_amortization: Money = Decimal(0)
    current_assets: Money
    current_liabilities: Money
    tangible_net_worth: Decimal
    total_assets: Money
    us_assets: Money
    bond_rating: str = ""
    closure_estimates: Money | None = Field(
        None, description="sum of current closure estimates in the CFO letter; default: this facility's"
    )
    post_closure_estimates: Money = Decimal(0)
    plugging_estimates: Money = Decimal(0)


class _Event(_Input):
    id: str = Field("", description="stable name of the event; default: its position in the list")


class ReceiptEvent(_Event):
    """A notice sent by certified mail to the owner or operator and the Agency (receipt by both starts the
    clock)."""

    owner_received: date | None = None
    agency_received: date | None = None


class CancellationNotice(ReceiptEvent):
    type: Literal["cancellation_notice"]


class NonExtensionNotice(ReceiptEvent):
    type: Literal["non_extension_notice"]


class AgencyReceipt(_Event):
    """Something the Agency must act on within 60 days after receiving it (725.243(a)(9), (a)(10), (d)(5),
    (h))."""

    type: Literal["release_request", "reimbursement_bills", "closure_certification"]
    agency_received: date


class CostEstimateIncrease(_Event):
    """Same as a `cost_estimates` entry; may be given on the mechanism it affects."""

    type: Literal["cost_estimate_increase"]
    date: Day
    amount: Money


class FiscalYearEnd(_Event):
    type: Literal["fiscal_year_end"]
    date: Day
    financials: Financials | None = None


class Finding(_Event):
    """The Agency's finding under (e)(7) or disallowance under (e)(8): `owner_received` (or `date`) is
    notification."""

    type: Literal["finding", "disallowance"]
    owner_received: Day | None = None
    date: Day | None = None

    @model_validator(mode="after")
    def _notified(self) -> Finding:
        if self.owner_received is None and self.date is None:
            raise ValueError("owner_received: required (the date of notification)")
        return self

    @property
    def notified(self) -> Day:
        notified = self.owner_received or self.date
        assert notified is not None
        return notified


class DatedEvent(_Event):
    """An event that happened on `date`: an insurance exception of (d)(8)(A)-(E), or a closure order."""

    type: Literal["premium_paid", "facility_abandoned", "interim_status_terminated", "bankruptcy", "closure_ordered"]
    date: Day


class FacilityShare(_Input):
    """One facility's designated amount under a mechanism covering several facilities (725.243(g))."""

    id: str
    amount: Money


class _Mechanism(_Input):
    # Agency-receipt events that apply: release requests (a)(9) and bills (a)(10), (d)(5) only to some.
    agency_receipts: ClassVar[frozenset[str]] = frozenset({"closure_certification"})

    id: Annotated[str, Field(min_length=1)]
    amount: Money
    facilities: list[FacilityShare] = Field(default_factory=list)

    @model_validator(mode="after")
    def _agency_receipts_apply(self) -> _Mechanism:
        for ev in getattr(self, "events", []):
            if isinstance(ev, AgencyReceipt) and ev.type not in self.agency_receipts:
                raise ValueError(f"events: a {ev.type} does not apply to this mechanism")
        return self


class TrustFund(_Mechanism):
    """Closure trust fund (725.243(a)): `amount` is the fund's current value (CV)."""

    type: Literal["trust_fund"]
    agency_receipts: ClassVar[frozenset[str]] = frozenset(
        {"release_request", "reimbursement_bills", "closure_certification"}
    )
    first_payment: date | None = None
    pay_in_years: Annotated[int, Field(ge=1)] | None = None
    events: list[Annotated[CostEstimateIncrease | AgencyReceipt, Field(discriminator="type")]] = Field(
        default_factory=list
    )

    @model_validator(mode="after")
    def _pay_in(self) -> TrustFund:
        if self.first_payment is not None and self.pay_in_years is None:
            raise ValueError("pay_in_years: required with first_payment")
        if self.pay_in_years is not None and self.first_payment is None:
            raise ValueError("first_payment: required with pay_in_years")
        return self


class SuretyBond(_Mechanism):
    """Surety bond guaranteeing payment into a closure trust fund (725.243(b)): `amount` is the penal sum."""

    type: Literal["surety_bond"]
    events: list[
        Annotated[
            CancellationNotice | CostEstimateIncrease | DatedEvent | AgencyReceipt,
            Field(discriminator="type"),
        ]
    ] = Field(default_factory=list)


class LetterOfCredit(_Mechanism):
    """Closure letter of credit (725.243(c))."""

    type: Literal["letter_of_credit"]
    expires: date | None = None
    events: list[Annotated[NonExtensionNotice | CostEstimateIncrease | AgencyReceipt, Field(discriminator="type")]] = (
        Field(default_factory=list)
    )


class Insurance(_Mechanism):
    """Closure insurance (725.243(d)): `amount` is the face amount."""

    type: Literal["insurance"]
    agency_receipts: ClassVar[frozenset[str]] = frozenset({"reimbursement_bills", "closure_certification"})
    events: list[
        Annotated[
            CancellationNotice | CostEstimateIncrease | DatedEvent | AgencyReceipt,
            Field(discriminator="type"),
        ]
    ] = Field(default_factory=list)


class FinancialTest(_Mechanism):
    """Financial test (725.243(e)(1)-(9)) or corporate guarantee ((e)(10)): `amount` is the estimate it
    assures."""

    type: Literal["financial_test", "corporate_guarantee"]
    events: list[
        Annotated[
            CancellationNotice | FiscalYearEnd | Finding | CostEstimateIncrease | AgencyReceipt,
            Field(discriminator="type"),
        ]
    ] = Field(default_factory=list)

    @model_validator(mode="after")
    def _cancellation_is_a_guarantors(self) -> FinancialTest:
        if self.type == "financial_test" and any(e.type == "cancellation_notice" for e in self.events):
            raise ValueError("events: a financial test has no cancellation notice (only a corporate guarantee)")
        return self


Mechanism = Annotated[TrustFund | SuretyBond | LetterOfCredit | Insurance | FinancialTest, Field(discriminator="type")]


class ILClosureFacts(_Input):
    """One facility's closure cost estimates and the mechanisms assuring them (35 Ill. Adm. Code 725.243)."""

    facility: ILFacility = Field(default_factory=ILFacility)
    cost_estimates: Annotated[list[CostEstimate], Field(min_length=1)]
    mechanisms: list[Mechanism] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> ILClosureFacts:
        seen: set[str] = set()
        for mech in self.mechanisms:
            if mech.id in seen:
                raise ValueError(f"mechanisms: duplicate id {mech.id!r}")
            seen.add(mech.id)
        return self


# ---- 30 TAC 115.140-115.149 (industrial wastewater VOC)


class WastewaterStream(_Input):
    id: Annotated[str, Field(min_length=1)]
    sic: str = Field(description="SIC code of the source generating the stream")
    voc_ppmw: Annotated[Decimal, Field(ge=0)] = Field(description="flow-weighted annual average, ppm by weight")
    flow_lpm: Annotated[Decimal, Field(ge=0)] = Field(description="annual average flow rate, litres per minute")
    exempt: bool = Field(False, description="the owner elects to exempt this stream under 115.147(2)")


class SealDefect(_Input):
    component: str
    detected: date
    needs_shutdown: bool = False
    shutdown_ends: date | None = Field(None, description="end of the next unit shutdown, when a repair needs one")
    repaired: date | None = None


class Inspection(_Input):
    component: str
    kind: Literal["seals_and_covers", "secondary_seal_visual", "secondary_seal_gap"]
    last: date


class Project(_Input):
    id: str
    starts: date


class TXWastewaterFacts(_Input):
    """A plant (one TCEQ account) under 30 TAC 115.140-115.149."""

    plant_id: Annotated[str, Field(min_length=1)]
    streams: list[WastewaterStream] = Field(default_factory=list)
    defects: list[SealDefect] = Field(default_factory=list)
    inspections: list[Inspection] = Field(default_factory=list)
    control_plan_exemption: bool = Field(False, description="the plant relies on the 90% exemption, 115.147(5)")
    control_plan_approved: date | None = Field(
        None, description="the executive director's approval of a plan submitted after 1996 (115.147(5)(A))"
    )
    plan_changes: list[date] = Field(default_factory=list)
    projects: list[Project] = Field(default_factory=list)
    reapplication_requested: date | None = None
    exemption_denied: date | None = None

    @model_validator(mode="after")
    def _unique_streams(self) -> TXWastewaterFacts:
        seen: set[str] = set()
        for stream in self.streams:
            if stream.id in seen:
                raise ValueError(f"streams: duplicate id {stream.id!r}")
            seen.add(stream.id)
        return self


# ---- Pennsylvania Chesapeake Bay Tributary Strategy


class PointSource(_Input):
    kind: Literal["sewage", "industrial"]
    design_flow_mgd: Annotated[Decimal, Field(ge=0)] | None = None
    tn_lb_per_day: Annotated[Decimal, Field(ge=0)] | None = None
    tp_lb_per_day: Annotated[Decimal, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _figures(self) -> PointSource:
        if self.kind == "sewage" and self.design_flow_mgd is None:
            raise ValueError("design_flow_mgd: required for a sewage point source")
        for name in ("tn_lb_per_day", "tp_lb_per_day"):
            if self.kind == "industrial" and getattr(self, name) is None:
                raise ValueError(f"{name}: required for an industrial waste point source")
        return self


class RetiredOnLot(_Input):
    kind: Literal["individual", "community"]
    installed: date = Field(description="when the system came into existence (for `count` systems: the latest)")
    retired: date
    count: Annotated[int, Field(ge=1)] = 1
    design_gpd: Annotated[Decimal, Field(ge=0)] | None = Field(None, description="community systems only")

    @model_validator(mode="after")
    def _flow(self) -> RetiredOnLot:
        if self.kind == "community" and self.design_gpd is None:
            raise ValueError("design_gpd: required for a community on-lot system")
        if self.retired < self.installed:
            raise ValueError("retired: before the installed date")
        return self


class PACBTSFacts(_Input):
    """A new discharge or expansion in Act 537 planning under Pennsylvania's Chesapeake Bay Tributary
    Strategy."""

    project_id: Annotated[str, Field(min_length=1)]
    point_source: PointSource
    new_tn_lb_per_year: Annotated[Decimal, Field(ge=0)]
    new_tp_lb_per_year: Annotated[Decimal, Field(ge=0)]
    retired_onlot: list[RetiredOnLot] = Field(default_factory=list)
    tn_credits_lb_per_year: Annotated[Decimal, Field(ge=0)] = Decimal(0)
    tp_credits_lb_per_year: Annotated[Decimal, Field(ge=0)] = Decimal(0)
    planning_submission: date | None = Field(None, description="when the planning module is due to DEP")


# ---- Massachusetts drinking water SRF (Acts of 1998)


class SRFLoan(_Input):
    id: Annotated[str, Field(min_length=1)]
    awarded: date
    eligible_costs: Money | None = None
    pricing_system_exempt: bool = Field(False, description="the department found a pricing system inapplicable")


class MOU(_Input):
    id: Annotated[str, Field(min_length=1)]
    approved: date


class MASRFFacts(_Input):
    """A borrower's (or private water company's, or the department's) duties under the Acts of 1998 SRF
    sections."""

    entity_id: Annotated[str, Field(min_length=1)]
    loans: list[SRFLoan] = Field(default_factory=list)
    memoranda: list[MOU] = Field(default_factory=list)
    files_contract_assistance_report: bool = Field(False, description="the entity is the department")
    regional_unit: bool = Field(False, description="the borrower is a regional local governmental unit")
    members: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=list, description="a regional unit's members and other service recipients"
    )

    @model_validator(mode="after")
    def _members_of_a_regional_unit(self) -> MASRFFacts:
        if self.members and not self.regional_unit:
            raise ValueError("members: only a regional local governmental unit has members (regional_unit)")
        if len(set(self.members)) != len(self.members):
            raise ValueError("members: listed twice")
        return self

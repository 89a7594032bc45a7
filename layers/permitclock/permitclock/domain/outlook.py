"""The in-year Level outlook of one facility parameter: where the reporting year in progress stands against its
NAL before July 1 decides anything (`rules.igp.outlook`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from permitclock.domain.levels import Level

OutlookState = Literal["on_track", "at_risk", "exceedance_certain"]
STATE_ORDER: dict[OutlookState, int] = {"on_track": 0, "at_risk": 1, "exceedance_certain": 2}
"""How bad a state is: an email goes out when a parameter's state rises (docs/igp-rules.md "In-year outlook")."""


class ParameterOutlook(BaseModel):
    """One parameter of one facility for the reporting year in progress, as of `as_of`."""

    model_config = ConfigDict(frozen=True)

    wdid: str
    parameter: str = Field(description="NAL level_report_name, e.g. 'Zinc, Total (Recoverable)'")
    reporting_year: str
    as_of: date
    state: OutlookState
    reason: str = Field(description="why the state, in one sentence")
    result_count: int = Field(description="results counted so far this year (nd_policy applied)")
    annual_sum: Decimal | None = None
    running_average: Decimal | None = None
    annual_nal: Decimal | None = None
    instantaneous_low: Decimal | None = None
    instantaneous_high: Decimal | None = None
    instantaneous_exceedance_count: int = 0
    qses_sampled: int = Field(description="QSEs (sample dates) with a counted result this year")
    qses_required_remaining: int = Field(
        description="QSEs the IGP XI.B.2 schedule still requires this year (2 per half-year, halves not over)"
    )
    discharge_locations: int = Field(description="discharge locations sampled this year (at least 1)")
    remaining_results: int = Field(description="qses_required_remaining x discharge_locations")
    remaining_sum_allowed: Decimal | None = Field(
        None, description="the most the remaining required results may add up to for the average to stay at the NAL"
    )
    max_remaining_average: Decimal | None = Field(
        None,
        description="the most the remaining required results may average to stay at or below the NAL (exact, or "
        "rounded down when the division does not terminate); None without an annual NAL or remaining result",
    )
    current_level: Level = "Baseline"
    level_if_exceeded: Level = Field(description="the Level July 1 brings if the year ends in an exceedance")
    obligations_if_exceeded: tuple[str, ...] = ()


class FacilityOutlook(BaseModel):
    wdid: str
    reporting_year: str
    as_of: date
    parameters: list[ParameterOutlook]

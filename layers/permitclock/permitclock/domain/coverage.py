"""A facility's coverage as SMARTS records it, kept on its profile (`FAC#{wdid}` / `PROFILE`) by the facility
import (`services.facility_import`): the fields of SMARTS's "Industrial Application Specific Data"."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

TERMINATED = "Terminated"
"""The STATUS of an application whose coverage a Notice of Termination ended."""


class SmartsProfile(BaseModel):
    """What the profile keeps of a facility's SMARTS application (`profile_attributes` names them on the item)."""

    model_config = ConfigDict(frozen=True)

    wdid: str
    name: str
    operator: str = ""
    address: str = ""
    county: str = ""
    region: str = ""
    coverage_status: str
    noi_processed_date: date | None = None
    not_effective_date: date | None = None
    sic_codes: tuple[str, ...] = ()
    smarts_app_id: str = ""

    def profile_attributes(self) -> dict[str, Any]:
        """The profile item's attributes (dates ISO, SIC codes a list); the WDID is the item's key."""
        return self.model_dump(mode="json", exclude={"wdid"})


def coverage_end(profile: dict[str, Any] | None) -> date | None:
    """The NOT effective date of a stored profile whose coverage is terminated; None while it stands (or when
    SMARTS gives a termination without a date: the duties are kept, docs/smarts.md)."""
    if not profile or profile.get("coverage_status") != TERMINATED or not profile.get("not_effective_date"):
        return None
    return date.fromisoformat(str(profile["not_effective_date"]))

"""A stored disagreement between SMARTS's Level and permitclock's for one facility parameter."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from permitclock.domain.levels import Level


class StoredDisagreement(BaseModel):
    """`status` `open` while the latest export covering the facility disagrees; `resolved` once one agrees."""

    model_config = ConfigDict(frozen=True)

    wdid: str
    parameter: str = Field(description="NAL level_report_name")
    smarts_level: Level
    permitclock_level: Level
    status: Literal["open", "resolved"] = "open"
    found_on: date = Field(description="the day an export first showed this disagreement")
    resolved_on: date | None = None
    export_key: str = Field(description="the export that last showed it (or resolved it)")
    notice_id: str | None = Field(None, description="the email sent for it")

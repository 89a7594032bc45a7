"""A program's facts document as stored for one facility (`FAC#{facility id}` / `PROGRAM#{program}`)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class ProgramFactsRecord(BaseModel):
    """The latest facts of one program at one facility, and what they produced."""

    model_config = ConfigDict(frozen=True)

    program: str
    facility_id: str
    document: str = Field(description="the facts JSON exactly as received (numbers keep their digits)")
    as_of: date = Field(description="the day (America/Los_Angeles) the obligations were computed as of")
    updated_at: datetime
    source: dict[str, str] = Field(
        default_factory=dict,
        description="`kind` upload (with bucket, key, version_id) or api (with user_id)",
    )
    obligation_ids: list[str] = Field(default_factory=list, description="the obligations these facts produce")

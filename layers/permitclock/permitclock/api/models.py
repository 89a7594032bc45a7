"""Request and response bodies of the HTTP API (the OpenAPI document is generated from them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from permitclock.domain.demonstrations import DemonstrationLabel
from permitclock.domain.members import Role
from permitclock.domain.obligations import Obligation
from permitclock.domain.reports import QispRecord, Report, ReportAttachment, ReportHistoryItem
from permitclock.workflow.completion import CompletionProblem
from permitclock.workflow.reports import SubmissionFacts


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MemberAssignment(_Request):
    role: Role
    email: str = Field("", max_length=320)
    name: str = Field("", max_length=200)
    title: str = Field("", max_length=200)
    eauthorization_on_file: bool = False


class DemonstrationsBody(_Request):
    demonstrations: dict[str, list[DemonstrationLabel]] = Field(
        description="per parameter, the demonstrations chosen (replaces the whole selection)"
    )


class QispSelection(_Request):
    certificate_number: str = Field(
        min_length=1, max_length=50, description="a certificate found by GET /qisps"
    )


class CertificationBody(_Request):
    certification_accepted: bool = Field(description="the certifier accepts the certification statement")
    certifier_title: str = Field("", max_length=200, description="defaults to the member's title")


class UpdateBody(_Request):
    reason: str = Field(min_length=1, max_length=2000)
    attachment_id: str = Field(min_length=1, max_length=100, description="the revised Technical Report")


class RegionalBoardExtensionBody(_Request):
    approval_letter_attachment_id: str = Field(min_length=1, max_length=100)
    new_due: date


class ErrorBody(BaseModel):
    code: str
    message: str


class GatewayMessage(BaseModel):
    """What API Gateway itself answers, before the function runs: `{"message": "Unauthorized"}` when the JWT
    authorizer refuses the token (missing, expired, wrong issuer, audience or signature)."""

    message: str


class Facility(BaseModel):
    wdid: str
    role: Role


class FacilityList(BaseModel):
    facilities: list[Facility]


class ReportList(BaseModel):
    reports: list[Report]


class ObligationList(BaseModel):
    obligations: list[Obligation]


class ReportDetail(BaseModel):
    report: Report
    history: list[ReportHistoryItem]
    attachments: list[ReportAttachment]


class CompletionResult(BaseModel):
    complete: bool
    problems: list[CompletionProblem]


class ReportChanged(BaseModel):
    report: Report
    history: ReportHistoryItem
    submission: SubmissionFacts | None = Field(
        None, description="after a certification: the facts the Level return-to-Baseline rule reads"
    )


class QispList(BaseModel):
    qisps: list[QispRecord]


class ProgramFactsView(BaseModel):
    """A program's facts as last recorded for the facility (`FAC#{wdid}` / `PROGRAM#{program}`)."""

    program: str
    facility_id: str
    facts: dict[str, Any] = Field(description="the facts JSON as received (docs/programs.md has each format)")
    as_of: date = Field(description="the day the obligations were computed as of")
    updated_at: datetime
    source: dict[str, str] = Field(description="`kind` upload (bucket, key, version_id) or api (user_id)")
    obligation_ids: list[str]


class ProgramFactsList(BaseModel):
    programs: list[ProgramFactsView]


class ProgramFactsChanged(BaseModel):
    """What recording the facts did to the facility's obligations of the program."""

    program: str
    facility_id: str
    as_of: date
    opened: list[str]
    updated: list[str] = Field(description="changed; a moved due date bumps the calendar SEQUENCE")
    closed: list[str] = Field(description="no longer produced by the facts: closed with a reason, kept")
    unchanged: int
    obligation_ids: list[str]

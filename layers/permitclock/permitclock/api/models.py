"""Request and response bodies of the HTTP API (the OpenAPI document is generated from them)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field

from permitclock.domain.demonstrations import DemonstrationLabel
from permitclock.domain.level_disagreements import StoredDisagreement
from permitclock.domain.levels import CountedResult, LeftOutResult, Level, LevelRecord, NdPolicy
from permitclock.domain.members import EmailAddress, Member, Role
from permitclock.domain.obligations import Obligation
from permitclock.domain.reports import QispRecord, Report, ReportAttachment, ReportHistoryItem
from permitclock.domain.uploads import WDID_PATTERN
from permitclock.workflow.completion import CompletionProblem
from permitclock.workflow.reports import SubmissionFacts


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MemberAssignment(_Request):
    """A member's role and details; a field left out keeps its held value (a new member needs `role`)."""

    role: Role | None = None
    email: EmailAddress | None = None
    name: str | None = Field(default=None, max_length=200)
    title: str | None = Field(default=None, max_length=200)
    eauthorization_on_file: bool | None = None


class LrpBody(_Request):
    user_id: str = Field(min_length=1, max_length=255, description="the LRP's identity provider subject (`sub`)")
    email: EmailAddress
    name: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=200)
    eauthorization_on_file: bool = False


class FacilityCreation(_Request):
    wdid: str = Field(max_length=20, pattern=WDID_PATTERN.pattern, description="the SMARTS WDID, e.g. `5S34I025848`")
    name: str = Field(min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    noi_date: date | None = Field(default=None, description="the day NOI coverage began")
    lrp: LrpBody


class FacilityCreated(BaseModel):
    wdid: str
    name: str
    address: str | None = None
    noi_date: date | None = None
    lrp: Member


class DemonstrationsBody(_Request):
    demonstrations: dict[str, list[DemonstrationLabel]] = Field(
        description="per parameter, the demonstrations chosen (replaces the whole selection)"
    )


class QispSelection(_Request):
    certificate_number: str = Field(min_length=1, max_length=50, description="a certificate found by GET /qisps")


class CertificationBody(_Request):
    certification_accepted: bool = Field(description="the certifier accepts the certification statement")
    certifier_title: str = Field("", max_length=200, description="defaults to the member's title")


class UpdateBody(_Request):
    reason: str = Field(min_length=1, max_length=2000)
    attachment_id: str = Field(min_length=1, max_length=100, description="the revised Technical Report")
    bmps_implemented: date | None = Field(None, description="the BMP implementation date the update states")


class ReportDetailsBody(_Request):
    """What the preparer states about a report; a field left out is unchanged, null clears it."""

    smarts_report_id: str | None = Field(
        None, pattern=r"^[0-9]{1,20}$", description="the numeric Report ID SMARTS shows for this report"
    )
    bmps_implemented: date | None = Field(
        None, description="the date the report states its BMPs were implemented (until submitted)"
    )


class RegionalBoardExtensionBody(_Request):
    approval_letter_attachment_id: str = Field(min_length=1, max_length=100)
    new_due: date


class LabResultsBody(_Request):
    received_on: date = Field(description="the day the laboratory's results of the sampling event were received")


class CompletionBody(_Request):
    completed_on: date = Field(description="the day the duty was done (not after today, America/Los_Angeles)")
    reference: str = Field("", max_length=500, description="e.g. the SMARTS confirmation or a document id")


class ErrorBody(BaseModel):
    code: str
    message: str


class GatewayMessage(BaseModel):
    """What API Gateway itself answers, before the function runs: `{"message": "Unauthorized"}` when the JWT
    authorizer refuses the token (missing, expired, wrong issuer, audience or signature)."""

    message: str


class PortfolioObligation(Obligation):
    """An obligation with its id (program:facility:subject:type:period)."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def obligation_id(self) -> str:
        return Obligation.obligation_id.fget(self)  # type: ignore[attr-defined]

    @classmethod
    def of(cls, obligation: Obligation) -> PortfolioObligation:
        return cls.model_validate(obligation.model_dump())


class Facility(BaseModel):
    wdid: str
    name: str = Field(description="the profile's name (SMARTS facility name), else the WDID")
    role: Role
    coverage_status: str | None = Field(description="the SMARTS coverage status (Active, Terminated), if imported")
    levels: dict[str, Level] = Field(description="each parameter's current Level, by Level report name")
    next_due: PortfolioObligation | None = Field(description="the earliest open or pending obligation due from today")
    overdue_count: int = Field(description="open obligations whose due date (or window end) has passed")


class FacilityList(BaseModel):
    facilities: list[Facility]


class ObligationPageBody(BaseModel):
    obligations: list[PortfolioObligation] = Field(description="in (due, WDID, id) order; undated ones last")
    next: str | None = Field(
        description="pass as `next` for the following page; null at the end (a page may hold fewer than `limit`)"
    )


class MemberList(BaseModel):
    members: list[Member]


class CalendarToken(BaseModel):
    """A feed's new token (shown only here: the table keeps its hash) and the URL to subscribe to."""

    token: str = Field(description="64 hex characters; the owner's previous token stops working")
    url: str = Field(description="`https://{host}/calendars/{token}.ics`: no JWT, the token is the credential")
    webcal: str = Field(description="the same URL as `webcal://`, which calendar apps open as a subscription")


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


class LevelHistoryEntry(BaseModel):
    """One July 1 decision, its fields named as `permitclock levels` names them."""

    reporting_year: str
    assigned_on: date
    prior_level: Level
    level: Level
    rule: str = Field(description="the transition applied and its permit section")
    result_count: int = Field(description="results counted in the average (exact duplicates once)")
    annual_average: Decimal | None = Field(description="in the NAL unit; None for pH or without results")
    annual_nal: Decimal | None
    annual_exceedance: bool
    instantaneous_exceedance_count: int
    instantaneous_exceedance: bool = Field(description="two or more results outside the instantaneous NAL")
    duplicates_ignored: int
    left_out_count: int = Field(description="results of the parameter and year not counted (see the year's detail)")
    nd_policy: NdPolicy
    obligation_ids: list[str] = Field(description="the obligations the decision opened")

    @classmethod
    def of(cls, record: LevelRecord) -> LevelHistoryEntry:
        e = record.evaluation
        return cls(
            reporting_year=record.reporting_year, assigned_on=record.assigned_on, prior_level=record.prior_level,
            level=record.level, rule=record.rule, result_count=e.result_count, annual_average=e.annual_average,
            annual_nal=e.annual_nal, annual_exceedance=e.annual_exceedance,
            instantaneous_exceedance_count=e.instantaneous_exceedance_count,
            instantaneous_exceedance=e.instantaneous_exceedance, duplicates_ignored=e.duplicates_ignored,
            left_out_count=len(e.left_out), nd_policy=e.nd_policy, obligation_ids=list(record.obligation_ids),
        )  # fmt: skip


class ParameterLevelsView(BaseModel):
    parameter: str = Field(description="the NAL's Level report name (SMARTS Pollutant)")
    level: Level
    since: date | None = Field(description="the July 1 the level began; None for the Baseline of coverage")
    facts: dict[str, Any] = Field(
        description="what the status records: return-to-Baseline facts, ever_level_2, the recent QSEs"
    )
    history: list[LevelHistoryEntry] = Field(description="per reporting year, oldest first")


class LevelsView(BaseModel):
    parameters: list[ParameterLevelsView]
    disagreements: list[StoredDisagreement] = Field(
        default_factory=list,
        description="where a reconciled SMARTS Level export (smarts/levels/) disagrees or disagreed, by parameter",
    )


class LevelYearView(LevelHistoryEntry):
    """One year's decision with every result of the parameter: those counted and those left out, with why."""

    parameter: str
    annual_sum: Decimal | None
    instantaneous_low: Decimal | None
    instantaneous_high: Decimal | None
    results: list[CountedResult] = Field(description="the results counted, as they entered the average")
    left_out: list[LeftOutResult] = Field(
        description="not counted: not_effluent_location, not_storm_water_event, duplicate, non_detect_excluded"
    )

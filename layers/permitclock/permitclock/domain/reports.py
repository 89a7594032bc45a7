"""ERA reports as SMARTS keeps them: type, status, due date, demonstrations, QISP, certification, history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from permitclock.domain.attachments import AttachmentFileType
from permitclock.domain.demonstrations import DemonstrationLabel
from permitclock.domain.members import Role

ReportType = Literal["Level 1 ERA Report", "Level 2 ERA Action Plan", "Level 2 ERA Technical Report"]
TECHNICAL_REPORT: Final = "Level 2 ERA Technical Report"

ReportStatus = Literal["Future", "Not Submitted - certification required", "Submitted"]
FUTURE: Final = "Future"
AWAITING_CERTIFICATION: Final = "Not Submitted - certification required"
SUBMITTED: Final = "Submitted"

AttachmentStatus = Literal["accepted", "rejected", "deleted"]


class ReportAttachment(BaseModel):
    """What the workflow reads of an attachment record (`permitclock.domain.uploads.AttachmentRecord`, item
    `FAC#{wdid}` / `REPORT#{report id}#ATT#{attachment id}`): the verdict, or `deleted` (step 6)."""

    # Never stored itself: `AttachmentRecord.report_attachment()` is the one mapping from the record.

    model_config = ConfigDict(frozen=True)

    attachment_id: str
    file_type: AttachmentFileType | None = None
    title: str = ""
    status: AttachmentStatus
    date_attached: datetime | None = None


class QispRecord(BaseModel):
    """One entry of the QISP registry (SMARTS Level 2 ERA Technical Report guide, steps 7-8)."""

    model_config = ConfigDict(frozen=True)

    certificate_number: str = Field(min_length=1)
    first_name: str
    last_name: str
    zip: str
    licensed_engineer: bool = False
    license_number: str = ""


class Certification(BaseModel):
    """What SMARTS shows after certification (SMARTS Level 2 ERA Technical Report guide, step 11)."""

    model_config = ConfigDict(frozen=True)

    certifier_user_id: str
    certifier_name: str
    certifier_title: str
    certified_on: date
    certification_id: str


class Extension(BaseModel):
    """A due-date change: the one-time automatic extension or a Regional Water Board approval (step 11)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["automatic", "regional_board"]
    recorded_by: str
    recorded_on: date
    previous_due: date
    new_due: date
    approval_letter_attachment_id: str | None = None


class ReportUpdate(BaseModel):
    """An update of a submitted Technical Report: reason and revised attachment, certified like the report
    (SMARTS Level 2 ERA Technical Report guide, steps 12-15)."""

    model_config = ConfigDict(frozen=True)

    update_id: str
    reason: str
    attachment_id: str
    prepared_by: str
    prepared_on: date
    bmps_implemented: date | None = None
    certification: Certification | None = None

    @property
    def status(self) -> ReportStatus:
        return SUBMITTED if self.certification else AWAITING_CERTIFICATION


class Report(BaseModel):
    """An ERA report (item `FAC#{wdid}` / `REPORT#{report id}`), opened by the July 1 run with its obligations
    (`adapters.levels`). `version` guards concurrent writes; `obligation_ids` are the obligations its
    certification closes, `update_obligation_ids` the Technical Report Updates later July 1s opened on it
    (closed by certifying an update). `smarts_report_id` is the numeric id SMARTS shows for it, set by a member;
    `bmps_implemented` the date the report states its BMPs were implemented (the return-to-Baseline test
    counts QSEs after it)."""

    model_config = ConfigDict(frozen=True)

    wdid: str
    report_id: str
    report_type: ReportType
    reporting_year: str = Field(pattern=r"^\d{4}-\d{4}$")
    parameters: tuple[str, ...]
    status: ReportStatus = FUTURE
    due: date
    demonstrations: dict[str, tuple[DemonstrationLabel, ...]] = Field(default_factory=dict)
    qisp: QispRecord | None = None
    certification: Certification | None = None
    extensions: tuple[Extension, ...] = ()
    updates: tuple[ReportUpdate, ...] = ()
    obligation_ids: tuple[str, ...] = ()
    update_obligation_ids: tuple[str, ...] = ()
    smarts_report_id: str | None = Field(default=None, pattern=r"^[0-9]{1,20}$")
    bmps_implemented: date | None = None
    version: int = 0


class ReportHistoryItem(BaseModel):
    """One immutable status-history entry (item `FAC#{wdid}` / `REPORT#{report id}#HIST#{iso time}#{seq}`);
    `seq` is the report version the change produced."""

    model_config = ConfigDict(frozen=True)

    wdid: str
    report_id: str
    seq: int
    at: datetime
    actor_user_id: str
    actor_role: Role
    action: str
    from_status: ReportStatus
    to_status: ReportStatus
    reason: str = ""


@dataclass(frozen=True)
class ReportBundle:
    """A report with its history (oldest first) and its attachments, as one query returns them."""

    report: Report
    history: tuple[ReportHistoryItem, ...]
    attachments: tuple[ReportAttachment, ...]

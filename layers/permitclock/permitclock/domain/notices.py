"""What travels on the notices queue: a request to tell people something, rendered and sent by the notifier (or,
`calendar_update`, to tell their calendars: the notifier rewrites the feeds).

Each `NoticeKind` has its facts model; `NoticeRequest.facts` is the one of its kind (chosen by `kind`, so the
JSON on the queue and in the outbox carries no type tag of its own). `wdid` and `facility_name` are the
notifier's to fill when a producer leaves them empty (it knows the facility's current name).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal, get_args

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

from permitclock.domain.obligations import Obligation

NoticeKind = Literal[
    "attachment_rejected",
    "report_sent_for_certification",
    "report_changed",
    "deadline_reminder",
    "daily_digest",
    "levels_disagreement",
    "outlook_worsened",
    "calendar_update",
]
Urgency = Literal["overdue", "due within 7 days", "later"]
URGENCIES: tuple[Urgency, ...] = get_args(Urgency)


class ReminderFacts(BaseModel):
    """A deadline reminder for one obligation, as seen on `today`; `obligation` and `ics_sequence` give the
    email its calendar entry."""

    model_config = ConfigDict(frozen=True)

    obligation_id: str
    program: str = "igp"
    obligation_type: str
    wdid: str
    facility_name: str
    parameter: str
    due: date
    today: date
    step_id: str
    section: str = ""
    period: str = ""
    report_id: str | None = None
    smarts_report_id: str | None = Field(None, description="the id SMARTS shows for the report, once a member set it")
    next_step: str | None = Field(default=None, description="overrides the guide's next step for this obligation type")
    obligation: Obligation | None = None
    ics_sequence: int = 0

    @classmethod
    def from_obligation(
        cls,
        obligation: Obligation,
        *,
        facility_name: str,
        today: date,
        step_id: str,
        report_id: str | None = None,
        ics_sequence: int = 0,
    ) -> ReminderFacts:
        due = obligation.due or obligation.window_end
        if due is None:
            raise ValueError("a reminder needs a dated obligation")
        return cls(
            obligation_id=obligation.obligation_id,
            program=obligation.program,
            obligation_type=obligation.type,
            wdid=obligation.facility_id,
            facility_name=facility_name,
            parameter=obligation.subject,
            due=due,
            today=today,
            step_id=step_id,
            section=obligation.section,
            period=obligation.period,
            report_id=report_id,
            smarts_report_id=str(obligation.facts.get("smarts_report_id") or "") or None,
            obligation=obligation,
            ics_sequence=ics_sequence,
        )


class DigestEntry(BaseModel):
    """One open obligation in a digest."""

    model_config = ConfigDict(frozen=True)

    obligation_id: str
    wdid: str
    facility_name: str
    obligation_type: str
    label: str
    parameter: str
    due: date
    step_id: str | None = None
    report_id: str | None = None


class DigestGroup(BaseModel):
    urgency: Urgency
    entries: list[DigestEntry]


class DigestOutlook(BaseModel):
    """A parameter whose in-year outlook is not on track, as a digest lists it (`services.outlook`)."""

    model_config = ConfigDict(frozen=True)

    wdid: str
    facility_name: str
    parameter: str
    reporting_year: str
    state: str
    reason: str
    max_remaining_average: Decimal | None = None


class DigestFacts(BaseModel):
    """One person's daily digest (see `notices.digest.build_digests`), with the in-year outlook of their
    facilities' parameters that are not on track."""

    day: date
    recipient_name: str | None = None
    groups: list[DigestGroup]
    outlooks: list[DigestOutlook] = Field(default_factory=list)


class RejectionReason(BaseModel):
    code: str
    message: str


class AttachmentRejectedFacts(BaseModel):
    """An uploaded attachment the validator rejected, with its reasons (also read as `errors`) and where the
    file went (kept for the record, never shown in the email)."""

    wdid: str = ""
    facility_name: str = ""
    report_id: str
    file_name: str
    file_type: str | None = None
    reasons: list[RejectionReason] = Field(default_factory=list, validation_alias=AliasChoices("reasons", "errors"))
    quarantine_key: str | None = None
    date_attached: datetime | None = None


class SentForCertificationFacts(BaseModel):
    """A report sent to the LRP/DARs for certification after a passing completion check."""

    wdid: str = ""
    facility_name: str = ""
    report_id: str
    smarts_report_id: str | None = None
    report_name: str | None = None
    report_type: str | None = None
    reporting_year: str | None = None
    due: date | None = None
    sent_by: str | None = Field(default=None, description="the sender's name (not an address)")
    sent_on: date | None = None
    parameters: list[str] = Field(default_factory=list)

    @property
    def display_name(self) -> str:
        if self.report_name:
            return self.report_name
        name = self.report_type or "Report"
        return f"{name} for {self.reporting_year}" if self.reporting_year else name


class ReportChangedFacts(BaseModel):
    """A report's due date moved (`due_moved`: an extension) or the report or one of its updates was certified
    (`certified`): the facility's LRP and DARs are told once (`workflow.reports.report_changed_notice`)."""

    wdid: str = ""
    facility_name: str = ""
    report_id: str
    smarts_report_id: str | None = None
    report_type: str
    reporting_year: str
    change: Literal["due_moved", "certified"]
    due: date
    previous_due: date | None = Field(None, description="the due date before an extension moved it")
    extension: Literal["automatic", "regional_board"] | None = None
    certified_on: date | None = None
    certified_by: str | None = Field(None, description="the certifier's name (not an address)")
    certification_id: str | None = None
    update_id: str | None = Field(None, description="the certified update of a submitted Technical Report")


class LevelDifference(BaseModel):
    """One parameter whose SMARTS Level differs from permitclock's."""

    parameter: str
    smarts_level: str
    permitclock_level: str


class LevelsDisagreementFacts(BaseModel):
    """A SMARTS Level 1/Level 2 export reconciled on the stack: the facility's parameters newly found to disagree
    (each is emailed once; `services.levels_reconciliation`)."""

    wdid: str = ""
    facility_name: str = ""
    export_key: str = Field(description="the uploaded export's object key")
    disagreements: list[LevelDifference]


class OutlookWorsenedFacts(BaseModel):
    """A parameter's in-year outlook got worse (`services.outlook`): what July 1 will bring and what to do now."""

    wdid: str = ""
    facility_name: str = ""
    parameter: str
    reporting_year: str
    as_of: date
    state: str
    previous_state: str
    reason: str
    running_average: Decimal | None = None
    annual_nal: Decimal | None = None
    instantaneous_exceedance_count: int = 0
    qses_required_remaining: int = 0
    max_remaining_average: Decimal | None = None
    current_level: str
    level_if_exceeded: str
    obligations_if_exceeded: list[str] = Field(default_factory=list)


class CalendarUpdateFacts(BaseModel):
    """A facility's obligations changed (opened, moved, closed, completed): the notifier rewrites its calendar feed
    and its members' (`services.calendars`) instead of sending an email."""

    wdid: str = ""
    cause: str = Field(description="what changed them: july_1, report, completion, ...")
    obligation_ids: list[str] = Field(default_factory=list)


def calendar_update(wdid: str, cause: str, obligation_ids: Iterable[str], at: datetime) -> NoticeRequest:
    """The feeds' notice of a change, put in the change's transaction (the outbox) and published after it. Its id
    is the change's own (cause, time, obligations), so the outbox keeps one item per change."""
    ids = sorted(set(obligation_ids))
    digest = hashlib.sha256("\n".join(ids).encode()).hexdigest()[:12]
    return NoticeRequest(
        notice_id=f"calendar:{wdid}:{cause}:{at.astimezone(UTC).isoformat()}:{digest}",
        kind="calendar_update",
        wdid=wdid,
        include_facility_signatories=False,
        facts=CalendarUpdateFacts(wdid=wdid, cause=cause, obligation_ids=ids),
    )


NoticeFacts = (
    ReminderFacts
    | DigestFacts
    | AttachmentRejectedFacts
    | SentForCertificationFacts
    | ReportChangedFacts
    | LevelsDisagreementFacts
    | OutlookWorsenedFacts
    | CalendarUpdateFacts
)
FACTS_OF: dict[str, type[NoticeFacts]] = {
    "deadline_reminder": ReminderFacts,
    "daily_digest": DigestFacts,
    "attachment_rejected": AttachmentRejectedFacts,
    "report_sent_for_certification": SentForCertificationFacts,
    "report_changed": ReportChangedFacts,
    "levels_disagreement": LevelsDisagreementFacts,
    "outlook_worsened": OutlookWorsenedFacts,
    "calendar_update": CalendarUpdateFacts,
}


class Recipient(BaseModel):
    """One addressee. `user_id` is the identity-provider subject when known; the address is never logged."""

    model_config = ConfigDict(frozen=True)

    email: str
    user_id: str | None = None
    role: str | None = Field(None, description="LRP, DAR, DEP, QISP, uploader, ...")


class NoticeRequest(BaseModel):
    """A notice to send. `notice_id` is stable for the event it reports, so a redelivery sends nothing new:
    the notifier claims (`notice_id`, recipient) with a conditional write before it calls SES."""

    notice_id: str
    kind: NoticeKind
    wdid: str
    recipients: list[Recipient] = Field(default_factory=list)
    include_facility_signatories: bool = Field(
        True, description="also send to the facility's LRP and DARs, looked up by the notifier"
    )
    facts: NoticeFacts

    @model_validator(mode="before")
    @classmethod
    def _facts_of_the_kind(cls, data: Any) -> Any:
        """The facts are read with the model of the request's kind (a discriminated union keyed on `kind`)."""
        if isinstance(data, dict) and data.get("kind") in FACTS_OF:
            model = FACTS_OF[data["kind"]]
            facts = data.get("facts", {})
            if not isinstance(facts, model):
                raw = facts.model_dump() if isinstance(facts, BaseModel) else facts
                data = {**data, "facts": model.model_validate(raw)}
        return data

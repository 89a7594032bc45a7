"""What travels on the notices queue: a request to tell people something, rendered and sent by the notifier."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

NoticeKind = Literal[
    "attachment_rejected",
    "report_sent_for_certification",
    "deadline_reminder",
    "daily_digest",
]


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
    facts: dict[str, Any] = Field(default_factory=dict)

"""SES bounces and complaints (through SNS) -> the permitclock suppression list (`SUPPRESS#{address hash}`).

Both SES shapes are read: configuration-set event publishing (`eventType: Bounce | Complaint`, what the
template's event destination sends) and identity notifications (`notificationType`). A permanent bounce or
any complaint suppresses each affected address; transient bounces (mailbox full, ...) and other events are
ignored, since SES already retries those. The notifier skips suppressed addresses; `lift` (the
`permitclock suppression lift` CLI) removes one. Logs carry recipient hashes only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from permitclock.clock import Clock
from permitclock.notices.recipients import normalize_address, recipient_hash
from permitclock.observability import logger
from permitclock.services.ports import Claims


class _Recipient(BaseModel):
    model_config = ConfigDict(extra="ignore")

    emailAddress: str


class _Bounce(BaseModel):
    model_config = ConfigDict(extra="ignore")

    bounceType: str = ""
    bounceSubType: str = ""
    bouncedRecipients: list[_Recipient] = Field(default_factory=list)


class _Complaint(BaseModel):
    model_config = ConfigDict(extra="ignore")

    complainedRecipients: list[_Recipient] = Field(default_factory=list)
    complaintFeedbackType: str | None = None


class SesNotification(BaseModel):
    """The JSON SES publishes to SNS (the `Message` of the SNS record)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    eventType: str | None = None
    notificationType: str | None = None
    bounce: _Bounce | None = None
    complaint: _Complaint | None = None
    mail: dict[str, Any] = Field(default_factory=dict)

    @property
    def kind(self) -> str:
        return (self.eventType or self.notificationType or "").lower()


@dataclass(frozen=True)
class SuppressionChange:
    recipient_hash: str
    reason: str


def addresses_to_suppress(notification: SesNotification) -> list[tuple[str, str]]:
    """(address, reason) pairs: `bounce:Permanent/General`, `complaint:abuse`; nothing for transient bounces."""
    if notification.kind == "bounce" and notification.bounce is not None:
        if notification.bounce.bounceType != "Permanent":
            return []
        reason = f"bounce:{notification.bounce.bounceType}/{notification.bounce.bounceSubType or 'General'}"
        return [(r.emailAddress, reason) for r in notification.bounce.bouncedRecipients]
    if notification.kind == "complaint" and notification.complaint is not None:
        reason = f"complaint:{notification.complaint.complaintFeedbackType or 'unspecified'}"
        return [(r.emailAddress, reason) for r in notification.complaint.complainedRecipients]
    return []


class BounceHandler:
    """The use case behind the bounce handler function."""

    def __init__(self, claims: Claims, clock: Clock) -> None:
        self._claims = claims
        self._clock = clock

    def handle_messages(self, messages: Iterable[str]) -> list[SuppressionChange]:
        """Each SNS `Message` (SES notification JSON) -> suppressions. A message that is not SES JSON is
        logged and skipped (SNS subscription confirmations, test messages)."""
        at = self._clock.now()
        changes: list[SuppressionChange] = []
        for raw in messages:
            try:
                notification = SesNotification.model_validate(json.loads(raw))
            except (ValueError, TypeError):
                logger.warning("not an SES notification; skipped")
                continue
            for address, reason in addresses_to_suppress(notification):
                self._claims.suppress(normalize_address(address), reason, at)
                change = SuppressionChange(recipient_hash(address), reason)
                logger.info("address suppressed", recipient_hash=change.recipient_hash, reason=reason)
                changes.append(change)
        return changes


def lift_suppression(claims: Claims, address: str) -> bool:
    """Remove an address from the suppression list; False when it was not suppressed."""
    was = claims.is_suppressed(address)
    claims.lift(address)
    return was

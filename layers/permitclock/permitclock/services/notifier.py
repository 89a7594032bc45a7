"""Send one queued notice to each of its recipients, exactly once per (notice, recipient).

Recipients are the request's own (e.g. the uploader) plus, when asked, the facility's LRP and DARs. For each:
record an address SES must never see (a line break, no domain) as `failed` (`bad_address`), skip a suppressed
one, claim the send (conditional write), render, send through SES, record the result (`sent`, or `failed` with
SES's code when the rejection is permanent). A throttled or held send (the SES sandbox, paused sending), or a
claim another attempt still holds, raises `RetryLater` once the others are done, so the queue redelivers the
message (then dead-letters it, to be moved back once SES sends again); any exception between the claim and the
result releases the claim and is raised, so the queue redelivers that message too. The recipients already sent
stay sent (their claims stop a second email). The guarantee: docs/notices.md, "Send claims".

A `calendar_update` is no email: the facility's calendar feed and its members' are rewritten from the stored
obligations (`services.calendars`), so a calendar follows a change as soon as the change's notices are handled.

A reminder or digest is checked against the obligations as they are when it is sent: nothing is sent for an
obligation closed (or moved to another due date) since the sweep queued it, and a digest with no news left is
not sent at all.

Reminders and digests carry the recipient's own calendar feed link (`services.calendar_tokens.FeedLinks`: a
person without a token gets their first one), and a reminder sent to one who may rotate the facility's token (its
LRP) carries the facility's feed too once it has one. The links are looked up before the send is claimed, so a
lookup that fails leaves the notice to the queue's redelivery, never claimed and unsent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol

from permitclock.clock import Clock
from permitclock.domain.calendar_tokens import FeedLink
from permitclock.domain.members import COPY_ROLES, is_email_address
from permitclock.domain.notices import (
    CalendarUpdateFacts,
    DigestFacts,
    DigestGroup,
    NoticeRequest,
    Recipient,
    ReminderFacts,
)
from permitclock.notices.ics import CalendarEntry, deadline_ics
from permitclock.notices.mime import build_message, to_bytes
from permitclock.notices.recipients import as_recipient, merge_recipients, recipient_hash, signatories
from permitclock.notices.render import render_request
from permitclock.observability import logger
from permitclock.services.calendar_tokens import FeedLinks
from permitclock.services.calendars import CalendarFeeds, FacilityCache, FeedResult
from permitclock.services.ports import Claims, Facilities, Obligations
from permitclock.workflow.roles import PERMISSIONS, Action

SendOutcome = Literal["sent", "already_sent", "suppressed", "failed"]


class SendResult(Protocol):
    """What one send did (`adapters.mailer.SendResult`)."""

    @property
    def sent(self) -> bool: ...

    @property
    def status(self) -> str:
        """`sent`, `throttled_exhausted` or `held` (the caller lets the queue redeliver), or `rejected`."""
        ...

    @property
    def message_id(self) -> str | None: ...

    @property
    def error_code(self) -> str | None: ...


class Mailer(Protocol):
    """Sends raw MIME to one address, retrying what is worth retrying (`adapters.mailer.SesMailer`)."""

    @property
    def from_address(self) -> str: ...

    def send(self, raw_bytes: bytes, to: str) -> SendResult: ...


class RetryLater(Exception):
    """SES kept throttling or held a send, or another attempt holds a claim: the message goes back to the queue."""


BAD_ADDRESS = "bad_address"
"""A failed delivery's `detail` (and its claim's) for an address that is no `local@domain` SES can send to."""
IN_FLIGHT = "in_flight"
"""A delivery's `detail` when another attempt holds the claim's lease: the redelivery finds it sent or expired."""
_RETRIED = ("throttled", "held", IN_FLIGHT)
"""A failed delivery's `detail` when the queue must deliver the message again."""


@dataclass(frozen=True)
class Delivery:
    recipient_hash: str
    outcome: SendOutcome
    detail: str | None = None


class Notifier:
    """The use case behind the notifier function."""

    def __init__(
        self,
        directory: Facilities,
        claims: Claims,
        mailer: Mailer,
        clock: Clock,
        *,
        obligations: Obligations,
        calendars: CalendarFeeds | None = None,
        feed_links: FeedLinks | None = None,
    ) -> None:
        self._directory = directory
        self._claims = claims
        self._mailer = mailer
        self._clock = clock
        self._obligations = obligations
        self._calendars = calendars
        self._feed_links = feed_links

    def recipients(self, request: NoticeRequest) -> list[Recipient]:
        extra = (
            [as_recipient(a) for a in signatories(self._directory.members(request.wdid))]
            if request.include_facility_signatories
            else []
        )
        return merge_recipients(request.recipients, extra)

    def handle(self, request: NoticeRequest) -> list[Delivery]:
        if isinstance(request.facts, CalendarUpdateFacts):
            self.update_calendars(request.wdid)
            return []
        current = self.still_due(request)
        if current is None:
            logger.info("notice dropped: its obligations are closed or moved", notice_id=request.notice_id)
            return []
        request = current
        facility_name = self._directory.facility_name(request.wdid)
        deliveries = []
        for recipient in self.recipients(request):
            deliveries.append(self._deliver(request, recipient, facility_name))
        if any(d.outcome == "failed" and d.detail in _RETRIED for d in deliveries):
            raise RetryLater(request.notice_id)
        return deliveries

    def update_calendars(self, wdid: str) -> FeedResult:
        """Rewrite the facility's feed and its members' (those that changed)."""
        if self._calendars is None:
            raise RuntimeError("this notifier has no calendar feeds")
        result = self._calendars.refresh([wdid], FacilityCache(self._directory, self._obligations))
        logger.info("calendars updated", written=len(result.written), unchanged=result.unchanged)
        return result

    def still_due(self, request: NoticeRequest) -> NoticeRequest | None:
        """The request as it stands now: a reminder only while its obligation is open at the same due date; a
        digest without the entries that are not (None when none of those left has a step today). Its obligations
        are read in one batched read."""
        facts = request.facts
        if isinstance(facts, ReminderFacts):
            return request if self._still_open([(facts.wdid, facts.obligation_id, facts.due)]) else None
        if isinstance(facts, DigestFacts):
            entries = [e for g in facts.groups for e in g.entries]
            open_now = self._still_open([(e.wdid, e.obligation_id, e.due) for e in entries])
            groups = [
                DigestGroup(urgency=g.urgency, entries=kept)
                for g in facts.groups
                if (kept := [e for e in g.entries if (e.wdid, e.obligation_id, e.due) in open_now])
            ]
            if not any(e.step_id for g in groups for e in g.entries):
                return None
            return request.model_copy(update={"facts": facts.model_copy(update={"groups": groups})})
        return request

    def _still_open(self, wanted: list[tuple[str, str, date]]) -> set[tuple[str, str, date]]:
        """Those of (wdid, obligation id, due) `wanted` whose obligation is stored open at that due date."""
        found = self._obligations.get_many([(wdid, obligation_id) for wdid, obligation_id, _ in wanted])

        def open_at(wdid: str, obligation_id: str, due: date) -> bool:
            stored = found.get((wdid, obligation_id))
            if stored is None:
                return False
            obligation = stored[0]
            return obligation.status != "closed" and (obligation.due or obligation.window_end) == due

        return {w for w in wanted if open_at(*w)}

    def feed_links(self, request: NoticeRequest, recipient: Recipient) -> list[FeedLink]:
        """The calendar feed links of a reminder or digest to `recipient`: their own (when the request names
        who they are), and on a reminder the facility's for its LRP."""
        if self._feed_links is None or not isinstance(request.facts, (ReminderFacts, DigestFacts)):
            return []
        links = [self._feed_links.person(recipient.user_id)] if recipient.user_id else []
        if isinstance(request.facts, ReminderFacts) and recipient.role in PERMISSIONS[Action.ROTATE_CALENDAR_TOKEN]:
            links.append(self._feed_links.facility(request.facts.wdid or request.wdid))
        return [link for link in links if link is not None]

    def _deliver(self, request: NoticeRequest, recipient: Recipient, facility_name: str) -> Delivery:
        address = recipient.email
        hashed = recipient_hash(address)
        now = self._clock.now()
        if not is_email_address(address):
            logger.warning("recipient is no email address: recorded failed", notice_id=request.notice_id,
                           recipient_hash=hashed, role=recipient.role)  # fmt: skip
            if self._claims.claim(request.notice_id, address, now):
                self._claims.mark(request.notice_id, address, "failed", BAD_ADDRESS)
            return Delivery(hashed, "failed", BAD_ADDRESS)
        if self._claims.is_suppressed(address):
            return Delivery(hashed, "suppressed")
        feeds = self.feed_links(request, recipient)
        if not self._claims.claim(request.notice_id, address, now):
            status = self._claims.status(request.notice_id, address)
            if status in ("sent", "failed"):
                return Delivery(hashed, "already_sent", status)
            return Delivery(hashed, "failed", IN_FLIGHT)  # a live lease, or released meanwhile: deliver again
        try:
            result = self._send(request, recipient, facility_name, now, feeds)
        except Exception as err:
            logger.warning("send failed after its claim: released for the redelivery", notice_id=request.notice_id,
                           recipient_hash=hashed, error=type(err).__name__)  # fmt: skip
            self._claims.release(request.notice_id, address)
            raise
        if result.sent:
            self._claims.mark(request.notice_id, address, "sent", result.message_id)
            return Delivery(hashed, "sent", result.message_id)
        if result.status in ("throttled_exhausted", "held"):
            self._claims.release(request.notice_id, address)
            return Delivery(hashed, "failed", "held" if result.status == "held" else "throttled")
        self._claims.mark(request.notice_id, address, "failed", result.error_code)
        return Delivery(hashed, "failed", result.error_code)

    def _send(
        self, request: NoticeRequest, recipient: Recipient, facility_name: str, now: datetime, feeds: list[FeedLink]
    ) -> SendResult:
        """Render the recipient's email and hand it to SES: everything between the claim and its result."""
        rendered = render_request(
            request, facility_name=facility_name, role=recipient.role, copy=recipient.role in COPY_ROLES, feeds=feeds
        )
        message = build_message(
            rendered,
            from_address=self._mailer.from_address,
            to=recipient.email,
            date=now,
            ics=_calendar_entry(request, facility_name, now),
            notice_id=request.notice_id,
        )
        return self._mailer.send(to_bytes(message), recipient.email)


def _calendar_entry(request: NoticeRequest, facility_name: str, now: datetime) -> bytes | None:
    """The deadline's .ics for a reminder whose facts carry its obligation."""
    facts = request.facts
    if not isinstance(facts, ReminderFacts) or facts.obligation is None:
        return None
    entry = CalendarEntry(obligation=facts.obligation, facility_name=facility_name, sequence=facts.ics_sequence)
    return deadline_ics(entry, stamp=now)

"""The notifier over the fakes: each (notice, recipient) sent once, suppressed addresses skipped, throttling
handed back to the queue, and the calendar feed links each kind of email carries to whom."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from permitclock.clock import PERMIT_TZ, FixedClock
from permitclock.domain.calendar_tokens import FeedOwner
from permitclock.domain.members import Member
from permitclock.domain.notices import DigestEntry, DigestFacts, DigestGroup, NoticeRequest, Recipient, ReminderFacts
from permitclock.services.calendar_tokens import CalendarTokens, FeedLinks
from permitclock.services.notifier import Notifier, RetryLater

from tests.fakes.pipelines import FakeMailer
from tests.fakes.ports import FakeCalendarTokens, FakeClaims, FakeFacilities, FakeFeeds, FakeObligations, FakeSealer

WDID = "4 19I000033"
NOW = datetime(2026, 11, 2, 9, tzinfo=PERMIT_TZ)
REJECTED = NoticeRequest(
    notice_id="attachment_rejected:a1",
    kind="attachment_rejected",
    wdid=WDID,
    recipients=[Recipient(email="qisp@x.example", role="uploader")],
    facts={"report_id": "L2TR-2025-2026", "file_name": "scan.pdf", "errors": [{"code": "not_pdf", "message": "no"}]},
)


def world(*outcomes: str) -> tuple[Notifier, FakeClaims, FakeMailer]:
    facilities, claims, mailer = FakeFacilities(), FakeClaims(), FakeMailer(*outcomes)
    facilities.put_profile(WDID, "Harbor Plating Works")
    facilities.put_member(Member(wdid=WDID, user_id="lrp-1", role="LRP", email="lrp@harbor.example"))
    facilities.put_member(Member(wdid=WDID, user_id="dep-1", role="DEP", email="dep@harbor.example"))
    return Notifier(facilities, claims, mailer, FixedClock(NOW), obligations=FakeObligations()), claims, mailer


def test_the_uploader_and_the_signatories_each_get_one_email() -> None:
    notifier, claims, mailer = world()

    deliveries = notifier.handle(REJECTED)

    assert [d.outcome for d in deliveries] == ["sent", "sent"]
    assert [to for to, _ in mailer.sent] == ["qisp@x.example", "lrp@harbor.example"]  # no DEP: not a signatory
    assert b"Harbor Plating Works" in mailer.sent[1][1]
    assert claims.status(REJECTED.notice_id, "lrp@harbor.example") == "sent"


def test_a_redelivered_notice_sends_nothing_new() -> None:
    notifier, _, mailer = world()
    notifier.handle(REJECTED)

    again = notifier.handle(REJECTED)

    assert [d.outcome for d in again] == ["already_sent", "already_sent"] and len(mailer.sent) == 2


def test_a_suppressed_address_is_skipped() -> None:
    notifier, claims, mailer = world()
    claims.suppress("LRP@harbor.example", "bounce:Permanent/General", NOW)

    deliveries = notifier.handle(REJECTED)

    assert [d.outcome for d in deliveries] == ["sent", "suppressed"]
    assert [to for to, _ in mailer.sent] == ["qisp@x.example"]


@pytest.mark.parametrize("retried", ["throttled_exhausted", "held:MessageRejected"])
def test_throttling_or_a_held_send_releases_the_claim_and_goes_back_to_the_queue(retried: str) -> None:
    notifier, claims, _ = world("sent", retried)

    with pytest.raises(RetryLater):
        notifier.handle(REJECTED)
    assert claims.status(REJECTED.notice_id, "lrp@harbor.example") is None

    redelivered = notifier.handle(REJECTED)
    assert [d.outcome for d in redelivered] == ["already_sent", "sent"]


def test_a_rejected_send_is_recorded_as_failed_for_good() -> None:
    notifier, claims, _ = world("rejected:MessageRejected")

    deliveries = notifier.handle(REJECTED)

    assert (deliveries[0].outcome, deliveries[0].detail) == ("failed", "MessageRejected")
    assert claims.status(REJECTED.notice_id, "qisp@x.example") == "failed"


def test_an_exception_after_the_claim_releases_it_and_the_redelivery_sends_once() -> None:
    notifier, claims, mailer = world()
    mailer.send = _raising_once(mailer.send)  # type: ignore[method-assign]

    with pytest.raises(ConnectionResetError):
        notifier.handle(REJECTED)
    assert claims.status(REJECTED.notice_id, "qisp@x.example") is None  # given back, not left `sending`

    redelivered = notifier.handle(REJECTED)
    assert [d.outcome for d in redelivered] == ["sent", "sent"]
    assert [to for to, _ in mailer.sent] == ["qisp@x.example", "lrp@harbor.example"]


def test_a_claim_another_attempt_holds_sends_nothing_and_goes_back_to_the_queue() -> None:
    notifier, claims, mailer = world()
    claims.claim(REJECTED.notice_id, "qisp@x.example", NOW)  # a concurrent delivery is sending it

    with pytest.raises(RetryLater):
        notifier.handle(REJECTED)
    assert [to for to, _ in mailer.sent] == ["lrp@harbor.example"]

    claims.mark(REJECTED.notice_id, "qisp@x.example", "sent", "ses-1")  # ... and finished
    assert [d.outcome for d in notifier.handle(REJECTED)] == ["already_sent", "already_sent"]
    assert len(mailer.sent) == 1


@pytest.mark.parametrize(
    "address", ["qisp@x.example\r\nBcc: all@x.example", "qisp@x.example, b@x.example", "qisp@x", "<q@x.example>"]
)
def test_an_address_ses_must_not_see_is_recorded_failed_and_never_sent(address: str) -> None:
    notifier, claims, mailer = world()
    request = REJECTED.model_copy(update={"recipients": [Recipient(email=address, role="uploader")]})

    deliveries = notifier.handle(request)

    assert [(d.outcome, d.detail) for d in deliveries] == [("failed", "bad_address"), ("sent", deliveries[1].detail)]
    assert [to for to, _ in mailer.sent] == ["lrp@harbor.example"]
    assert claims.status(request.notice_id, address) == "failed"


def _raising_once(send: Callable[[bytes, str], Any]) -> Callable[[bytes, str], Any]:
    calls = []

    def send_or_raise(raw: bytes, to: str) -> Any:
        calls.append(to)
        if len(calls) == 1:
            raise ConnectionResetError("the connection dropped mid-send")
        return send(raw, to)

    return send_or_raise


def test_reminders_and_digests_name_the_recipients_feeds_and_other_emails_none() -> None:
    tokens = CalendarTokens(FakeCalendarTokens(), FakeSealer(), FakeFeeds(), FixedClock(NOW))
    facilities = FakeFacilities()
    notifier = Notifier(facilities, FakeClaims(), FakeMailer(), FixedClock(NOW), obligations=FakeObligations(),
                        feed_links=FeedLinks(tokens, "https://api.permitclock.example"))  # fmt: skip
    day = date(2026, 12, 25)
    reminder = NoticeRequest(
        notice_id="reminder:x",
        kind="deadline_reminder",
        wdid=WDID,
        include_facility_signatories=False,
        facts=ReminderFacts(
            obligation_id="x",
            obligation_type="Level 2 ERA Technical Report",
            wdid=WDID,
            facility_name="Harbor",
            parameter="Zinc",
            due=date(2027, 1, 1),
            today=day,
            step_id="before-7",
        ),
    )
    entry = DigestEntry(
        wdid=WDID,
        facility_name="Harbor",
        obligation_id="x",
        obligation_type="Annual Report",
        label="Annual Report",
        parameter="facility",
        due=date(2027, 1, 1),
        step_id="before-7",
    )
    digest = NoticeRequest(
        notice_id="digest:x",
        kind="daily_digest",
        wdid=WDID,
        include_facility_signatories=False,
        facts=DigestFacts(day=day, groups=[DigestGroup(urgency="due within 7 days", entries=[entry])]),
    )
    lrp = Recipient(email="lrp@harbor.example", user_id="lrp-1", role="LRP")
    dar = Recipient(email="dar@harbor.example", user_id="dar-1", role="DAR")

    def labels(request: NoticeRequest, recipient: Recipient) -> list[str]:
        return [link.label for link in notifier.feed_links(request, recipient)]

    assert labels(reminder, lrp) == ["Your deadlines"]  # the facility has no token until its LRP issues one
    facility_token = tokens.issue(FeedOwner("facility", WDID))
    assert labels(reminder, lrp) == ["Your deadlines", f"Facility {WDID}"]
    assert notifier.feed_links(reminder, lrp)[1].webcal == (
        f"webcal://api.permitclock.example/calendars/{facility_token}.ics"
    )
    assert labels(reminder, dar) == ["Your deadlines"]  # only the LRP may see the facility's token
    assert labels(digest, lrp) == ["Your deadlines"]  # a digest spans facilities: the person's feed only
    assert labels(reminder, Recipient(email="someone@x.example", role="LRP")) == [f"Facility {WDID}"]  # no user id
    assert labels(REJECTED, lrp) == []  # an event notice is no deadline: no links
    assert tokens.subscription(FeedOwner("person", "lrp-1"), create=False) is not None
    assert tokens.subscription(FeedOwner("person", "dar-1"), create=False) is not None

"""Bounces become suppressions; the relay publishes what a crash left in the notice outbox (over the fakes)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from permitclock.clock import PERMIT_TZ, FixedClock
from permitclock.domain.notices import NoticeRequest, SentForCertificationFacts
from permitclock.services.bounces import BounceHandler, lift_suppression
from permitclock.services.notice_relay import GRACE, NoticeRelay

from tests.fakes.ports import FakeClaims, FakeNoticePublisher
from tests.fakes.reports import FakeNoticeOutbox, FakeReportStore

EVENTS = Path(__file__).resolve().parents[3] / "events" / "bounce_handler"
NOW = datetime(2026, 11, 2, 9, tzinfo=PERMIT_TZ)


def ses_message(name: str) -> str:
    return str(json.loads((EVENTS / name).read_text())["Records"][0]["Sns"]["Message"])


def test_a_permanent_bounce_and_a_complaint_suppress_and_a_transient_bounce_does_not() -> None:
    claims = FakeClaims()
    handler = BounceHandler(claims, FixedClock(NOW))

    changes = handler.handle_messages(
        ses_message(n) for n in ("bounce_permanent_sns.json", "bounce_transient_sns.json", "complaint_sns.json")
    )

    assert [c.reason.split(":")[0] for c in changes] == ["bounce", "complaint"]
    assert len(claims.suppressed) == 2
    assert handler.handle_messages(["not json", '{"Type": "SubscriptionConfirmation"}']) == []


def test_lifting_says_whether_the_address_was_suppressed() -> None:
    claims = FakeClaims()
    claims.suppress("a@x.example", "complaint:abuse", NOW)

    assert (lift_suppression(claims, "A@x.example"), lift_suppression(claims, "a@x.example")) == (True, False)


def test_the_relay_publishes_and_clears_only_notices_older_than_the_grace_period() -> None:
    store, publisher = FakeReportStore(), FakeNoticePublisher()
    facts = SentForCertificationFacts(report_id="r")
    old, young = (
        NoticeRequest(notice_id=n, kind="report_sent_for_certification", wdid="w", facts=facts)
        for n in ("old", "young")
    )
    store.outbox = {"old": (NOW - GRACE - timedelta(seconds=1), old), "young": (NOW - timedelta(seconds=30), young)}
    relay = NoticeRelay(outbox=FakeNoticeOutbox(store), publisher=publisher, clock=FixedClock(NOW))

    assert relay.relay() == 1
    assert publisher.sent == [old] and list(store.outbox) == ["young"]
    assert relay.relay(NOW + GRACE) == 1 and store.outbox == {}

"""No reminder is ever sent for a closed obligation (issue 12, item 4): closed by certifying its report or by the
complete route, it leaves the sweep, and a reminder or digest queued before it closed is dropped by the notifier.

Over the fakes: the API test bed's store (tests/unit/api/conftest.py) is the sweep's and the notifier's too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from urllib.parse import quote

from permitclock.clock import FixedClock
from permitclock.domain.notices import DigestFacts, NoticeRequest
from permitclock.domain.obligations import Obligation
from permitclock.rules.igp.obligations import annual_report_obligation
from permitclock.services.notifier import Notifier
from permitclock.services.sweep import DeadlineSweep

from tests.fakes.pipelines import FakeMailer
from tests.fakes.ports import FakeClaims, FakeNoticePublisher, FakeObligations
from tests.unit.api.conftest import OBLIGATION, REPORT_ID, TODAY, WDID, Api, complete, make_api, seeded_store

CERTIFY = {"certification_accepted": True, "certifier_title": "Plant Manager"}
ANNUAL = annual_report_obligation(WDID, "2025-2026")  # due 2026-07-15: overdue on TODAY
BEFORE_60 = OBLIGATION.due - timedelta(days=60)  # type: ignore[operator]


class World:
    """The API over the seeded fakes, with addresses for the LRP (single emails) and a DAR (digests); a sweep and
    a notifier over the same store."""

    def __init__(self) -> None:
        store = seeded_store()
        store.add_report(complete())
        store.add_obligation(ANNUAL)
        for member in store.list_members(WDID):
            if member.role in ("LRP", "DAR"):
                store.put_member(
                    member.model_copy(update={"email": f"{member.role.lower()}@plant.example",
                                              "digest": member.role == "DAR"})
                )  # fmt: skip
        self.api: Api = make_api(store)
        self.queued = FakeNoticePublisher()
        self.claims, self.mailer = FakeClaims(), FakeMailer()
        self.sweep = DeadlineSweep(store.obligations, store.facilities, self.claims, self.queued)
        self.notifier = Notifier(
            store.facilities, self.claims, self.mailer, FixedClock.on(TODAY), obligations=store.obligations
        )

    def queue(self, day: date) -> list[NoticeRequest]:
        """What the sweep queues on `day`."""
        before = len(self.queued.sent)
        self.sweep.run(day)
        return self.queued.sent[before:]

    def deliver(self, notices: list[NoticeRequest]) -> int:
        """Hand the queued notices to the notifier; the number of emails sent."""
        before = len(self.mailer.sent)
        for notice in notices:
            self.notifier.handle(notice)
        return len(self.mailer.sent) - before

    def obligation(self, ob: Obligation) -> Obligation:
        found = self.api.store.obligations.get(WDID, ob.obligation_id)
        assert found is not None
        return found[0]


def test_a_certified_reports_obligations_are_never_reminded_again() -> None:
    world = World()
    queued = world.queue(BEFORE_60)  # the Technical Report's 60-day reminder, queued before it is certified
    assert any(n.notice_id.startswith(f"reminder:{OBLIGATION.obligation_id}:") for n in queued)

    status, _ = world.api.call("POST", f"/facilities/{WDID}/reports/{REPORT_ID}/certify", body=CERTIFY)
    assert status == 200 and world.obligation(OBLIGATION).status == "closed"

    world.deliver(queued)
    sent = b"".join(raw for _, raw in world.mailer.sent)
    assert OBLIGATION.subject.encode() not in sent  # the queued reminder and digest entry were dropped
    for day in _every_step_day(OBLIGATION):
        assert not [n for n in world.queue(day) if OBLIGATION.obligation_id in _obligation_ids(n)], day


def test_an_obligation_completed_through_the_api_is_never_reminded_again() -> None:
    world = World()
    queued = world.queue(TODAY)  # the overdue Annual Report: its weekly reminder, queued before it is completed
    assert any(ANNUAL.obligation_id in _obligation_ids(n) for n in queued)

    path = f"/facilities/{WDID}/obligations/{quote(ANNUAL.obligation_id)}/complete"
    status, _ = world.api.call("POST", path, body={"completed_on": TODAY.isoformat(), "reference": "SMARTS 123"})
    assert status == 200 and world.obligation(ANNUAL).status == "closed"

    reminders = [n for n in queued if n.kind == "deadline_reminder" and ANNUAL.obligation_id in _obligation_ids(n)]
    assert reminders and world.deliver(reminders) == 0
    for day in (TODAY + timedelta(days=n) for n in range(0, 120, 7)):
        assert not [n for n in world.queue(day) if ANNUAL.obligation_id in _obligation_ids(n)], day


def test_a_closed_obligation_the_due_index_still_lists_is_left_out_of_the_sweep() -> None:
    obligations = StaleDueIndex()
    obligations.put_new(ANNUAL)
    obligations.replace(ANNUAL.model_copy(update={"status": "closed"}), ics_sequence=0)
    world = World()
    publisher = FakeNoticePublisher()
    sweep = DeadlineSweep(obligations, world.api.store.facilities, FakeClaims(), publisher)

    report = sweep.run(TODAY)

    assert (report.obligations, report.overdue, publisher.sent) == (0, 0, [])


def test_a_digest_keeps_the_entries_still_open_and_is_dropped_when_no_news_is_left() -> None:
    world = World()
    [digest] = [n for n in world.queue(BEFORE_60) if n.kind == "daily_digest"]
    assert {OBLIGATION.obligation_id, ANNUAL.obligation_id} <= _obligation_ids(digest)

    path = f"/facilities/{WDID}/obligations/{quote(ANNUAL.obligation_id)}/complete"
    assert world.api.call("POST", path, body={"completed_on": "2026-11-01"})[0] == 200
    reads = world.api.store.obligations.batch_reads
    kept = world.notifier.still_due(digest)
    assert kept is not None and _obligation_ids(kept) == {OBLIGATION.obligation_id}
    assert world.api.store.obligations.batch_reads == reads + 1  # every entry's obligation in one batched read

    assert world.api.call("POST", f"/facilities/{WDID}/reports/{REPORT_ID}/certify", body=CERTIFY)[0] == 200
    assert world.notifier.still_due(digest) is None
    assert world.deliver([digest]) == 0


class StaleDueIndex(FakeObligations):
    """A due-date index that still lists what closed (DynamoDB's GSIs are eventually consistent)."""

    def due_through(self, last_day: date) -> Iterator[tuple[Obligation, int]]:
        yield from (e for e in self.items.values() if (e[0].due or date.max) <= last_day)


def _obligation_ids(notice: NoticeRequest) -> set[str]:
    facts = notice.facts
    if isinstance(facts, DigestFacts):
        return {e.obligation_id for g in facts.groups for e in g.entries}
    return {str(getattr(facts, "obligation_id", ""))}


def _every_step_day(ob: Obligation) -> list[date]:
    """The sweep days around the due date: every step of the default policy, before and after."""
    due = ob.due
    assert due is not None
    return [due + timedelta(days=n) for n in (-60, -30, -14, -7, -1, 0, 1, 7, 14, 21, 28, 35)]

"""Calendars follow at once (issue 12, item 5): every writer of obligations puts a `calendar_update` notice in its
transaction and publishes it; the notifier rewrites the facility's feed and its members' from it. A moved event
gets a higher SEQUENCE, a closed one stays as STATUS:CANCELLED. Over the fakes."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from icalendar import Calendar
from permitclock.clock import FixedClock
from permitclock.domain.notices import NoticeRequest
from permitclock.events import ObjectEvent
from permitclock.notices.ics import event_uid
from permitclock.rules.igp.obligations import annual_report_obligation
from permitclock.services.annual_report_intake import AnnualReportIntake
from permitclock.services.annual_run import LevelWorker, WorkMessage
from permitclock.services.calendars import CalendarFeeds, facility_feed_key, person_feed_key
from permitclock.services.notice_relay import NoticeRelay, OutboxPublisher
from permitclock.services.notifier import Notifier
from permitclock.services.sampling_duties import SamplingDuties

from tests.fakes.pipelines import FakeFeedStore, FakeLevels, FakeMailer, FakeRunSummaries
from tests.fakes.ports import (
    FakeClaims,
    FakeFacilities,
    FakeNoticePublisher,
    FakeObligations,
    FakeUploadObjects,
    FakeUploads,
)
from tests.fakes.reports import FakeNoticeOutbox, FakeReportStore
from tests.unit.api.conftest import (
    OBLIGATION,
    REPORT_ID,
    TODAY,
    WDID,
    Api,
    complete,
    make_api,
    seeded_store,
    user,
)
from tests.unit.igp.igp_helpers import sample
from tests.unit.services.test_annual_report_intake import download, row

ANNUAL = annual_report_obligation(WDID, "2025-2026")
SMARTS_WDID = "1 23I001437"  # test_annual_report_intake's facility


class UnavailableQueue:
    def publish(self, notice: NoticeRequest) -> None:
        raise ConnectionError("queue unavailable")


class World:
    """The API over the seeded fakes; a notifier with calendar feeds over the same store."""

    def __init__(self, publisher: Any = None) -> None:
        self.store: FakeReportStore = seeded_store()
        self.store.add_obligation(ANNUAL)
        self.queued = FakeNoticePublisher()
        self.api: Api = make_api(self.store, publisher or self.queued)
        self.feeds = FakeFeedStore()
        clock = FixedClock.on(TODAY)
        self.notifier = Notifier(
            self.store.facilities, FakeClaims(), FakeMailer(), clock, obligations=self.store.obligations,
            calendars=CalendarFeeds(self.feeds, clock),
        )  # fmt: skip

    def handle_queued(self) -> list[NoticeRequest]:
        """The notifier handles what was queued: the calendar updates among it."""
        updates = [n for n in self.queued.sent if n.kind == "calendar_update"]
        for notice in updates:
            self.notifier.handle(notice)
        self.queued.sent.clear()
        return updates

    def events(self, key: str = facility_feed_key(WDID)) -> dict[str, Any]:
        body, _ = self.feeds.feeds[key]
        return {str(e["UID"]): e for e in Calendar.from_ical(body).walk("VEVENT")}


def test_an_extension_moves_the_event_in_the_feeds_with_a_higher_sequence() -> None:
    world = World()
    world.notifier.update_calendars(WDID)
    before = world.events()[event_uid(OBLIGATION.obligation_id)]

    status, _ = world.api.call("POST", f"/facilities/{WDID}/reports/{REPORT_ID}/extension")
    assert status == 200
    [update] = world.handle_queued()

    assert update.facts.model_dump()["obligation_ids"] == [OBLIGATION.obligation_id]
    moved = world.events()[event_uid(OBLIGATION.obligation_id)]
    assert (before.decoded("DTSTART"), moved.decoded("DTSTART")) == (date(2027, 1, 1), date(2027, 6, 30))
    assert int(moved["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    person = world.events(person_feed_key(user("LRP")))[event_uid(OBLIGATION.obligation_id)]
    assert person.decoded("DTSTART") == date(2027, 6, 30)  # the members' feeds follow too
    assert world.store.outbox == {}  # published, so cleared


def test_a_completed_obligation_stays_in_the_feeds_cancelled() -> None:
    world = World()
    path = f"/facilities/{WDID}/obligations/{quote(ANNUAL.obligation_id)}/complete"

    assert world.api.call("POST", path, body={"completed_on": "2026-11-01"})[0] == 200
    [update] = world.handle_queued()

    assert update.notice_id.startswith(f"calendar:{WDID}:completion:")
    event = world.events()[event_uid(ANNUAL.obligation_id)]
    assert (str(event["STATUS"]), int(event["SEQUENCE"])) == ("CANCELLED", 1)
    assert str(world.events()[event_uid(OBLIGATION.obligation_id)]["STATUS"]) == "CONFIRMED"


def test_a_certification_cancels_its_reports_events() -> None:
    world = World()
    world.store.add_report(complete())
    body = {"certification_accepted": True, "certifier_title": "Plant Manager"}

    assert world.api.call("POST", f"/facilities/{WDID}/reports/{REPORT_ID}/certify", body=body)[0] == 200
    world.handle_queued()

    assert str(world.events()[event_uid(OBLIGATION.obligation_id)]["STATUS"]) == "CANCELLED"


def test_a_failed_publish_leaves_the_update_for_the_relay_and_the_feed_follows_then() -> None:
    world = World(UnavailableQueue())
    world.notifier.update_calendars(WDID)

    assert world.api.call("POST", f"/facilities/{WDID}/reports/{REPORT_ID}/extension")[0] == 200
    assert world.events()[event_uid(OBLIGATION.obligation_id)].decoded("DTSTART") == date(2027, 1, 1)
    left = [n for _, n in world.store.outbox.values()]
    assert "calendar_update" in {n.kind for n in left}  # with the extension's email to the signatories

    later = FixedClock.on(date(2026, 11, 4))
    relay = NoticeRelay(outbox=FakeNoticeOutbox(world.store), publisher=world.queued, clock=later)
    assert relay.relay() == len(left)
    world.handle_queued()

    assert world.events()[event_uid(OBLIGATION.obligation_id)].decoded("DTSTART") == date(2027, 6, 30)


def test_july_1_puts_the_feeds_update_in_its_transaction_and_publishes_it() -> None:
    levels, queued = FakeLevels(), FakeNoticePublisher()
    levels.samples.put_new([sample("Zinc, Total", "0.5", date(2025, 11, 3), wdid=WDID, sample_id="z1")])
    outbox, profiles, july_1 = RecordingOutbox(), FakeFacilities(), FixedClock.on(date(2026, 7, 1))
    worker = LevelWorker(
        levels=levels, summaries=FakeRunSummaries(), profiles=profiles,
        sampling=SamplingDuties(levels, levels.obligations, profiles, july_1),
        notices=OutboxPublisher(outbox=outbox, publisher=queued), clock=july_1,
    )  # fmt: skip
    message = WorkMessage(run_id="r", on=date(2026, 7, 1), reporting_year="2025-2026", dry_run=False, wdids=[WDID])

    worker.process(message)

    [written] = levels.outbox
    assert queued.sent == [written] and outbox.cleared == [written.notice_id]
    opened = {o.obligation_id for o, _ in levels.obligations.for_facility_with_sequence(WDID)}
    assert set(written.facts.model_dump()["obligation_ids"]) == opened and ANNUAL.obligation_id in opened
    assert {"QSE Sampling (July-December)", "QSE Sampling (January-June)"} <= {i.split(":")[3] for i in opened}
    worker.process(message)  # a redelivery: the facility-year is done, nothing new
    assert len(queued.sent) == 1


class RecordingOutbox:
    def __init__(self) -> None:
        self.cleared: list[str] = []

    def leftovers(self, created_before: Any) -> list[NoticeRequest]:
        return []

    def clear(self, notices: Any) -> None:
        self.cleared.extend(n.notice_id for n in notices)


def test_an_annual_report_closed_by_a_smarts_upload_puts_the_feeds_update_in_its_transaction() -> None:
    obligations, objects = FakeObligations(), FakeUploadObjects()
    queued, outbox = FakeNoticePublisher(), RecordingOutbox()
    intake = AnnualReportIntake(
        objects=objects, uploads=FakeUploads(), facility_pages=lambda: [[SMARTS_WDID]], obligations=obligations,
        clock=FixedClock.on(date(2026, 6, 25)), notices=OutboxPublisher(outbox=outbox, publisher=queued),
    )  # fmt: skip
    annual = annual_report_obligation(SMARTS_WDID, "2023-2024")
    obligations.put_new(annual)
    objects.add("documents", "smarts/annual-reports/r1.txt", download(row(year="2023", report_id="1244322")), "v1")
    event = ObjectEvent(kind="created", event_name="ObjectCreated:Put", bucket="documents",
                        key="smarts/annual-reports/r1.txt", version_id="v1")  # fmt: skip

    assert intake.handle(event).counts["closed"] == 1

    [written] = obligations.outbox
    assert written.facts.model_dump()["obligation_ids"] == [annual.obligation_id]
    assert queued.sent == [written] and outbox.cleared == [written.notice_id]
    _, sequence = obligations.get(SMARTS_WDID, annual.obligation_id) or (None, None)
    assert sequence == 1  # closed: the cancelled event outranks the open one

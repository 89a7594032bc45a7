"""The deadline sweep and the calendar feeds over the fakes: who is reminded, when, and which feeds change."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from permitclock.clock import PERMIT_TZ, FixedClock
from permitclock.domain.members import Member
from permitclock.domain.notices import DigestFacts
from permitclock.notices.render import render_notice
from permitclock.rules.igp.obligations import LEVEL_1_ERA_REPORT, era_obligation
from permitclock.services.calendars import CalendarFeeds, facility_feed_key, person_feed_key
from permitclock.services.outlook import FacilityOutlooks
from permitclock.services.sweep import DeadlineSweep

from tests.fakes.pipelines import FakeFeedStore, FakeLevels
from tests.fakes.ports import FakeClaims, FakeFacilities, FakeNoticePublisher, FakeObligations
from tests.unit.igp.igp_helpers import sample

WDID = "4 19I000033"
DUE = date(2027, 1, 1)


class World:
    def __init__(self) -> None:
        self.obligations, self.facilities = FakeObligations(), FakeFacilities()
        self.publisher, self.feeds = FakeNoticePublisher(), FakeFeedStore()
        calendars = CalendarFeeds(self.feeds, FixedClock(datetime(2026, 12, 25, 6, tzinfo=PERMIT_TZ)))
        self.sweep = DeadlineSweep(self.obligations, self.facilities, FakeClaims(), self.publisher, calendars)
        self.facilities.put_profile(WDID, "Harbor Plating Works")
        self.facilities.put_member(Member(wdid=WDID, user_id="lrp-1", role="LRP", email="lrp@harbor.example"))
        self.obligation = era_obligation(LEVEL_1_ERA_REPORT, WDID, "Zinc, Total", "2025-2026", {"report_id": "L1R"})
        self.obligations.put_new(self.obligation)


@pytest.fixture
def world() -> World:
    return World()


def test_seven_days_before_the_due_date_the_lrp_is_reminded_and_the_feeds_written(world: World) -> None:
    # GIVEN a Level 1 ERA Report due January 1 and the facility's LRP
    # WHEN the sweep runs on December 25
    report = world.sweep.run(DUE - timedelta(days=7))
    # THEN one reminder goes to the LRP, with the deadline's calendar entry facts, and both feeds are written
    [notice] = world.publisher.sent
    assert notice.kind == "deadline_reminder"
    assert notice.notice_id == f"reminder:{world.obligation.obligation_id}:2027-01-01:before-7"
    assert [r.email for r in notice.recipients] == ["lrp@harbor.example"]
    assert notice.include_facility_signatories is False
    assert (report.reminders, report.digests, report.feeds_written) == (1, 0, 2)
    assert set(world.feeds.feeds) == {facility_feed_key(WDID), person_feed_key("lrp-1")}


def test_the_catch_up_window_repeats_a_step_under_its_notice_id_and_unchanged_feeds_stay(world: World) -> None:
    world.sweep.run(DUE - timedelta(days=7))

    report = world.sweep.run(DUE - timedelta(days=5))

    first, repeat = world.publisher.sent
    assert repeat.notice_id == first.notice_id  # so the notifier's claim makes it one email
    assert (report.reminders, report.feeds_written, report.feeds_unchanged) == (1, 0, 2)


def test_a_dry_run_builds_the_notices_and_publishes_nothing(world: World) -> None:
    report = world.sweep.run(DUE - timedelta(days=7), dry_run=True)

    assert len(report.notices) == 1 and world.publisher.sent == []
    assert world.feeds.feeds == {}


def test_a_digest_reader_gets_one_digest_instead_of_the_reminder(world: World) -> None:
    world.facilities.put_member(Member(wdid=WDID, user_id="dar-1", role="DAR", email="dar@harbor.example", digest=True))

    world.sweep.run(DUE - timedelta(days=7))

    kinds = sorted((n.kind, tuple(r.email for r in n.recipients)) for n in world.publisher.sent)
    assert kinds == [("daily_digest", ("dar@harbor.example",)), ("deadline_reminder", ("lrp@harbor.example",))]


def test_a_closed_obligation_leaves_the_due_window(world: World) -> None:
    world.obligations.replace(world.obligation.model_copy(update={"status": "closed"}), ics_sequence=0)

    report = world.sweep.run(DUE - timedelta(days=7))

    assert (report.obligations, world.publisher.sent) == (0, [])


def test_calendars_can_be_refreshed_outside_a_sweep(world: World) -> None:
    result = world.sweep.refresh_calendars([WDID])

    assert sorted(result.written) == sorted([facility_feed_key(WDID), person_feed_key("lrp-1")])
    assert b"BEGIN:VEVENT" in world.feeds.feeds[facility_feed_key(WDID)][0]


def test_the_digest_carries_the_in_year_outlook_of_parameters_not_on_track() -> None:
    world = World()
    day = DUE - timedelta(days=7)
    levels = FakeLevels()
    levels.samples.put_new(
        [sample("Zinc, Total", "0.5", date(2026, 10, 1), wdid=WDID), sample("pH", "7", date(2026, 10, 1), wdid=WDID)]
    )
    sweep = DeadlineSweep(
        world.obligations, world.facilities, FakeClaims(), world.publisher,
        outlooks=FacilityOutlooks(levels, FixedClock.on(day)),
    )  # fmt: skip
    world.facilities.put_member(Member(wdid=WDID, user_id="dar-1", role="DAR", email="dar@harbor.example", digest=True))

    sweep.run(day)

    [digest] = [n for n in world.publisher.sent if n.kind == "daily_digest"]
    assert isinstance(digest.facts, DigestFacts)
    [zinc] = digest.facts.outlooks  # pH is on track: not listed
    assert (zinc.parameter, zinc.state) == ("Zinc, Total (Recoverable)", "at_risk")
    assert zinc.max_remaining_average == Decimal("0.18")
    text = render_notice("daily_digest", digest.facts).text
    assert "IN-YEAR OUTLOOK (1)" in text and "Zinc, Total (Recoverable) 2026-2027: Harbor Plating Works" in text

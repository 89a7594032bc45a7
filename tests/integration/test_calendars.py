"""Calendar feeds in S3 through the local stack: parsed back with icalendar, stable UIDs, moved events."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from icalendar import Calendar
from permitclock.adapters.facilities import FacilityDirectory
from permitclock.adapters.obligations import ObligationStore
from permitclock.clock import PERMIT_TZ
from permitclock.domain.members import Member
from permitclock.domain.obligations import Obligation
from permitclock.notices.ics import event_uid, next_sequence
from permitclock.rules.igp.obligations import (
    LEVEL_2_ERA_ACTION_PLAN,
    LEVEL_2_ERA_TECHNICAL_REPORT,
    era_obligation,
)
from permitclock.services.calendars import facility_feed_key, person_feed_key

from tests.faults.inject import ALWAYS, Fault, inject
from tests.integration.conftest import Stack
from tests.integration.test_api import TR_DUE, call, report_path, seed
from tests.integration.test_api import WDID as API_WDID
from tests.integration.test_api import user as api_user

pytestmark = pytest.mark.stack

SCHEDULE = "DeadlineSweepFunctionDailySweep"
RELAY = "NoticeOutboxRelayFunctionRelay"
EXTENDED_DUE = date(2027, 6, 30)  # the automatic extension of the Technical Report due January 1, 2027
HARBOR, DELTA = "4 19I000033", "5 33I000001"


@pytest.fixture
def seeded(local: Stack) -> dict[str, Obligation]:
    directory = FacilityDirectory(local.table)
    directory.put_profile(HARBOR, "Harbor Plating Works")
    directory.put_profile(DELTA, "Delta Foundry")
    directory.put_member(Member(wdid=HARBOR, user_id="lrp-1", role="LRP", email="lrp@harbor.example"))
    directory.put_member(Member(wdid=DELTA, user_id="lrp-1", role="DAR", email="lrp@harbor.example"))
    directory.put_member(Member(wdid=DELTA, user_id="lrp-2", role="LRP", email="lrp@delta.example"))
    store = ObligationStore(local.table)
    obligations = {
        "plan": era_obligation(LEVEL_2_ERA_ACTION_PLAN, HARBOR, "Zinc, Total", "2025-2026", {}),
        "tr": era_obligation(LEVEL_2_ERA_TECHNICAL_REPORT, HARBOR, "Zinc, Total", "2025-2026", {"report_id": "4501"}),
        "delta": era_obligation(LEVEL_2_ERA_ACTION_PLAN, DELTA, "Copper, Total", "2025-2026", {}),
    }
    for ob in obligations.values():
        assert store.put_new(ob)
    return obligations


def refresh(local: Stack, *wdids: str) -> dict[str, Any]:
    return dict(local.runner.fire(SCHEDULE, {"job": "calendars", "wdids": list(wdids)}))


def feed(local: Stack, key: str) -> tuple[Calendar, dict[str, Any]]:
    obj = local.s3.get_object(Bucket=local.bucket, Key=key)
    assert obj["ContentType"].startswith("text/calendar")
    cal = Calendar.from_ical(obj["Body"].read())
    return cal, {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_facility_feed_parses_back_with_one_event_per_obligation(local: Stack, seeded: dict[str, Obligation]) -> None:
    result = refresh(local, HARBOR)

    assert result["feeds_written"] == 2  # the facility and its one member
    cal, events = feed(local, facility_feed_key(HARBOR))
    assert str(cal["X-WR-CALNAME"]) == f"Harbor Plating Works ({HARBOR}) deadlines"
    assert set(events) == {event_uid(seeded["plan"].obligation_id), event_uid(seeded["tr"].obligation_id)}
    tr = events[event_uid(seeded["tr"].obligation_id)]
    assert tr.decoded("DTSTART") == date(2028, 1, 1)
    assert int(tr["SEQUENCE"]) == 0
    assert f"Report ID: {seeded['tr'].report_id}" in str(tr["DESCRIPTION"])  # L2TR-2025-2026


def test_uids_are_stable_and_unchanged_feeds_are_not_rewritten(local: Stack, seeded: dict[str, Obligation]) -> None:
    refresh(local, HARBOR)
    _, first = feed(local, facility_feed_key(HARBOR))
    etag = local.s3.head_object(Bucket=local.bucket, Key=facility_feed_key(HARBOR))["ETag"]

    again = refresh(local, HARBOR)

    assert again == {"feeds_written": 0, "feeds_unchanged": 2}
    assert local.s3.head_object(Bucket=local.bucket, Key=facility_feed_key(HARBOR))["ETag"] == etag
    _, second = feed(local, facility_feed_key(HARBOR))
    assert set(first) == set(second)


def test_an_extension_moves_the_event_with_the_same_uid_and_a_higher_sequence(
    local: Stack, seeded: dict[str, Obligation]
) -> None:
    refresh(local, HARBOR)
    tr = seeded["tr"]
    store = ObligationStore(local.table)
    extended = tr.model_copy(update={"due": date(2028, 6, 30)})  # the automatic extension's June 30
    store.replace(extended, ics_sequence=next_sequence(0, tr, extended))

    assert refresh(local, HARBOR)["feeds_written"] == 2

    _, events = feed(local, facility_feed_key(HARBOR))
    moved = events[event_uid(tr.obligation_id)]
    assert moved.decoded("DTSTART") == date(2028, 6, 30)
    assert int(moved["SEQUENCE"]) == 1
    assert len(events) == 2


def test_a_closed_obligation_stays_in_the_feed_cancelled_so_clients_remove_it(
    local: Stack, seeded: dict[str, Obligation]
) -> None:
    refresh(local, HARBOR)
    plan = seeded["plan"]
    closed = plan.model_copy(update={"status": "closed"})
    ObligationStore(local.table).replace(closed, ics_sequence=next_sequence(0, plan, closed))
    refresh(local, HARBOR)
    _, events = feed(local, facility_feed_key(HARBOR))
    assert set(events) == {event_uid(plan.obligation_id), event_uid(seeded["tr"].obligation_id)}
    cancelled = events[event_uid(plan.obligation_id)]
    assert (str(cancelled["STATUS"]), int(cancelled["SEQUENCE"])) == ("CANCELLED", 1)
    assert str(events[event_uid(seeded["tr"].obligation_id)]["STATUS"]) == "CONFIRMED"


def test_person_feed_spans_their_facilities_under_an_opaque_key(local: Stack, seeded: dict[str, Obligation]) -> None:
    refresh(local, HARBOR, DELTA)

    key = person_feed_key("lrp-1")
    assert key.startswith("calendars/person/") and "@" not in key and "lrp-1" not in key
    _, events = feed(local, key)
    assert set(events) == {event_uid(ob.obligation_id) for ob in seeded.values()}
    _, other = feed(local, person_feed_key("lrp-2"))
    assert set(other) == {event_uid(seeded["delta"].obligation_id)}


def test_the_daily_sweep_rewrites_the_feeds_of_facilities_with_something_due(
    local: Stack, seeded: dict[str, Obligation]
) -> None:
    day = date(2027, 1, 1) - timedelta(days=30)  # the Action Plans are in range; nothing else is
    summary = local.runner.fire(SCHEDULE, {"on": day.isoformat()})

    assert summary["feeds_written"] == 4  # 2 facilities + their 2 people
    listed = local.s3.list_objects_v2(Bucket=local.bucket, Prefix="calendars/")["Contents"]
    assert {o["Key"] for o in listed} == {
        facility_feed_key(HARBOR),
        facility_feed_key(DELTA),
        person_feed_key("lrp-1"),
        person_feed_key("lrp-2"),
    }
    assert local.runner.fire(SCHEDULE, {"on": day.isoformat()})["feeds_written"] == 0


# ---------------------------------------------------------------------------------------------- deployed paths
def test_an_extension_through_the_api_moves_the_feed_event_as_soon_as_its_notices_are_handled(local: Stack) -> None:
    """Created, uploaded and assigned through the deployed paths (`test_api.seed`); the July 1 runs wrote the
    feeds; the LRP's extension rewrites them when the notices queue is next handled, not at the next sweep."""
    report_id = seed(local, today_is=TR_DUE)
    [tr] = [i for i in local.items(f"FAC#{API_WDID}", "OBL#") if i.get("report_id") == report_id][:1]
    uid = event_uid(str(tr["obligation_id"]))
    _, events = feed(local, facility_feed_key(API_WDID))
    assert (events[uid].decoded("DTSTART"), int(events[uid]["SEQUENCE"])) == (TR_DUE, 0)

    status, _ = call(local, "POST", f"{report_path(report_id)}/extension", as_user=api_user("LRP"))
    assert status == 200
    local.runner.drain(only={"NotifierFunction"})

    for key in (facility_feed_key(API_WDID), person_feed_key(api_user("DAR"))):
        _, events = feed(local, key)
        assert events[uid].decoded("DTSTART") == EXTENDED_DUE, key
        assert int(events[uid]["SEQUENCE"]) == 1


def test_a_calendar_update_the_queue_refused_reaches_the_feed_once_the_outbox_relay_runs(local: Stack) -> None:
    report_id = seed(local, today_is=TR_DUE)
    [tr] = [i for i in local.items(f"FAC#{API_WDID}", "OBL#") if i.get("report_id") == report_id][:1]
    uid = event_uid(str(tr["obligation_id"]))
    unavailable = Fault("sqs", "SendMessage", "ServiceUnavailable", ALWAYS, local.stack.functions["ApiFunction"].name)

    with inject(unavailable):
        status, _ = call(local, "POST", f"{report_path(report_id)}/extension", as_user=api_user("LRP"))
    assert status == 200 and unavailable.raised >= 1  # the change is made; its notices wait in the outbox
    local.runner.drain(only={"NotifierFunction"})
    _, events = feed(local, facility_feed_key(API_WDID))
    assert events[uid].decoded("DTSTART") == TR_DUE

    later = datetime.combine(TR_DUE, time(12), PERMIT_TZ).isoformat()  # the API's clock: 06:00 on TR_DUE
    assert local.runner.fire(RELAY, {"now": later})["relayed"] >= 1
    local.runner.drain(only={"NotifierFunction"})

    _, events = feed(local, facility_feed_key(API_WDID))
    assert (events[uid].decoded("DTSTART"), int(events[uid]["SEQUENCE"])) == (EXTENDED_DUE, 1)

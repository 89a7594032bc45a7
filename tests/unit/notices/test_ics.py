"""Calendar entries: valid iCalendar, stable UIDs, SEQUENCE bumps when the due date moves, feeds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar
from permitclock.notices.ics import (
    CalendarEntry,
    calendar_feed,
    deadline_ics,
    event_uid,
    facility_feed,
    next_sequence,
    person_feed,
)

from .conftest import make_obligation

STAMP = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)


def parse(raw: bytes) -> Calendar:
    return Calendar.from_ical(raw)


def events(cal: Calendar) -> list:
    return [c for c in cal.walk("VEVENT")]


def test_deadline_event_parses_back_all_day_with_alarms() -> None:
    ob = make_obligation(date(2027, 1, 1))
    cal = parse(deadline_ics(CalendarEntry(ob, "Acme, Plating; Inc.", report_id="961116"), stamp=STAMP))
    assert str(cal["METHOD"]) == "PUBLISH" and str(cal["VERSION"]) == "2.0"
    (ev,) = events(cal)
    assert ev.decoded("DTSTART") == date(2027, 1, 1)
    assert ev.decoded("DTEND") == date(2027, 1, 2)
    assert ev["DTSTART"].params.get("VALUE") == "DATE"
    assert str(ev["UID"]) == event_uid(ob.obligation_id)
    assert str(ev["UID"]).endswith("@permitclock") and "," not in str(ev["UID"]) and " " not in str(ev["UID"])
    assert ev.decoded("DTSTAMP") == STAMP
    assert int(ev["SEQUENCE"]) == 0
    assert "Acme, Plating; Inc." in str(ev["SUMMARY"])
    description = str(ev["DESCRIPTION"])
    assert "4 19I012345" in description and "961116" in description and "not a formal notice" in description
    alarms = ev.walk("VALARM")
    assert [a.decoded("TRIGGER") for a in alarms] == [
        timedelta(days=-7, hours=9),
        timedelta(days=-1, hours=9),
    ]
    assert all(str(a["ACTION"]) == "DISPLAY" for a in alarms)


def test_uid_is_stable_across_rewrites_and_sequence_bumps_when_an_extension_moves_the_date() -> None:
    original = make_obligation(date(2027, 1, 1))
    rewritten = make_obligation(date(2027, 1, 1))  # the planner re-runs: same facts, same obligation
    extended = original.model_copy(update={"due": date(2027, 6, 30)})
    seq0 = 0
    seq_rewrite = next_sequence(seq0, original, rewritten)
    seq_ext = next_sequence(seq_rewrite, rewritten, extended)
    seq_closed = next_sequence(seq_ext, extended, extended.model_copy(update={"status": "closed"}))
    assert (seq_rewrite, seq_ext, seq_closed) == (0, 1, 2)  # a moved date and a cancellation (RFC 5545 3.8.7.4)

    before = events(parse(deadline_ics(CalendarEntry(original, "Acme", seq0), stamp=STAMP)))[0]
    again = events(parse(deadline_ics(CalendarEntry(rewritten, "Acme", seq_rewrite), stamp=STAMP)))[0]
    after = events(parse(deadline_ics(CalendarEntry(extended, "Acme", seq_ext), stamp=STAMP)))[0]
    assert str(before["UID"]) == str(again["UID"]) == str(after["UID"])
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTART") == date(2027, 6, 30)


def test_same_inputs_same_bytes() -> None:
    entry = CalendarEntry(make_obligation(), "Acme")
    assert deadline_ics(entry, stamp=STAMP) == deadline_ics(entry, stamp=STAMP)


def test_facility_feed_orders_by_due_cancels_closed_skips_pending_and_deduplicates() -> None:
    a = make_obligation(date(2027, 1, 1), subject="Zinc")
    b = make_obligation(date(2026, 10, 1), type="Level 1 ERA Evaluation", subject="TSS")
    closed = make_obligation(date(2026, 9, 1), subject="Iron", status="closed")
    pending = make_obligation(subject="Copper").model_copy(update={"due": None, "status": "pending"})
    raw = facility_feed(
        [
            CalendarEntry(a, "Acme"),
            CalendarEntry(b, "Acme"),
            CalendarEntry(closed, "Acme"),
            CalendarEntry(pending, "Acme"),
            CalendarEntry(a, "Acme", sequence=2),
        ],
        facility_name="Acme",
        wdid="4 19I012345",
        stamp=STAMP,
    )
    cal = parse(raw)
    assert str(cal["X-WR-CALNAME"]) == "Acme (4 19I012345) deadlines"
    evs = events(cal)
    assert [e.decoded("DTSTART") for e in evs] == [date(2026, 9, 1), date(2026, 10, 1), date(2027, 1, 1)]
    assert [str(e["STATUS"]) for e in evs] == ["CANCELLED", "CONFIRMED", "CONFIRMED"]  # kept: clients remove it
    assert int(evs[2]["SEQUENCE"]) == 2
    assert len({str(e["UID"]) for e in evs}) == 3


def test_person_feed_spans_facilities_and_shows_closed_as_cancelled() -> None:
    a = make_obligation(date(2027, 1, 1), facility_id="4 19I000001")
    b = make_obligation(date(2027, 1, 1), facility_id="4 19I000002", status="closed")
    cal = parse(person_feed([CalendarEntry(a, "A"), CalendarEntry(b, "B")], stamp=STAMP))
    assert sorted(str(e["STATUS"]) for e in events(cal)) == ["CANCELLED", "CONFIRMED"]
    without = calendar_feed([CalendarEntry(a, "A"), CalendarEntry(b, "B")], name="P", stamp=STAMP)
    assert len(events(parse(without))) == 1

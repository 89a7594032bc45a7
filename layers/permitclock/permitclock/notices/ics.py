"""Calendar entries (RFC 5545) for deadlines: one all-day event per obligation, and feeds for a facility or
person.

The UID is derived from the obligation id only, so a rewrite or an extension moves the same event instead of
adding one; SEQUENCE is the caller's count of date and status changes (`next_sequence`), so clients accept the
move. A closed obligation stays in the feeds as `STATUS:CANCELLED`, so a subscribed calendar removes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

from icalendar import Alarm, Calendar, Event

from permitclock.domain.obligations import Obligation
from permitclock.notices.guide import guide_for
from permitclock.notices.render import DISCLAIMER

PRODID = "-//permitclock//deadline calendar//EN"
UID_DOMAIN = "permitclock"
DEFAULT_ALARM_DAYS: tuple[int, ...] = (7, 1)
ALARM_HOUR = 9
FEED_REFRESH = timedelta(hours=12)
FEED_CONTENT_TYPE = "text/calendar; charset=utf-8"
"""How a feed is stored and served."""


@dataclass(frozen=True)
class CalendarEntry:
    """An obligation to put on a calendar. `sequence` counts its date and status changes (0 when never changed)."""

    obligation: Obligation
    facility_name: str
    sequence: int = 0
    report_id: str | None = None

    @property
    def due(self) -> date | None:
        return self.obligation.due or self.obligation.window_end


def event_uid(obligation_id: str) -> str:
    """`{obligation id}@permitclock`, percent-encoded so the UID needs no iCalendar escaping (`,` `;`
    space)."""
    return f"{quote(obligation_id, safe=':._-~')}@{UID_DOMAIN}"


def next_sequence(previous_sequence: int, before: Obligation, after: Obligation) -> int:
    """The SEQUENCE to store after a write: one more when the event a calendar shows changed its date or its
    STATUS (closed, reopened; RFC 5545 3.8.7.4), else unchanged."""
    moved = (before.due or before.window_end) != (after.due or after.window_end)
    cancelled = (before.status == "closed") != (after.status == "closed")
    return previous_sequence + 1 if moved or cancelled else previous_sequence


def obligation_event(entry: CalendarEntry, *, stamp: datetime, alarm_days: Sequence[int] = DEFAULT_ALARM_DAYS) -> Event:
    """An all-day VEVENT on the due date with a VALARM at 09:00 local `alarm_days` days before each.

    `stamp` (DTSTAMP) is when the calendar is produced, from the caller's clock; it is converted to UTC.
    """
    due = entry.due
    if due is None:
        raise ValueError("a calendar event needs a dated obligation")
    ob = entry.obligation
    guide = guide_for(ob.type)
    event = Event()
    event.add("uid", event_uid(ob.obligation_id))
    event.add("dtstamp", _utc(stamp))
    event.add("sequence", entry.sequence)
    event.add("dtstart", due)
    event.add("dtend", due + timedelta(days=1))
    event.add("summary", f"{guide.label} due: {entry.facility_name} ({ob.subject})")
    event.add("description", _description(entry, guide.label, guide.next_step))
    event.add("transp", "TRANSPARENT")
    event.add("status", "CANCELLED" if ob.status == "closed" else "CONFIRMED")
    event.add("categories", [ob.program.upper()])
    for days in sorted(set(alarm_days), reverse=True):
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"{guide.label} due in {days} day{'s' if days != 1 else ''}")
        alarm.add("trigger", timedelta(days=-days, hours=ALARM_HOUR))
        event.add_component(alarm)
    return event


def deadline_ics(entry: CalendarEntry, *, stamp: datetime, alarm_days: Sequence[int] = DEFAULT_ALARM_DAYS) -> bytes:
    """A one-event calendar (METHOD:PUBLISH) for a reminder email's attachment."""
    cal = _calendar()
    cal.add_component(obligation_event(entry, stamp=stamp, alarm_days=alarm_days))
    return bytes(cal.to_ical())


def calendar_feed(
    entries: Iterable[CalendarEntry],
    *,
    name: str,
    stamp: datetime,
    include_closed: bool = False,
    alarm_days: Sequence[int] = DEFAULT_ALARM_DAYS,
) -> bytes:
    """A subscribable VCALENDAR of many obligations (a facility's or a person's), ordered by due date then
    UID.

    Pending (undated) obligations are left out; closed ones too unless `include_closed` (then
    STATUS:CANCELLED: the feeds keep them, so clients remove the event). An obligation listed twice (e.g. a
    person with two roles) appears once, at its highest sequence. One whose dates cannot be written (due on the last
    day of year 9999) is left out.
    """
    chosen: dict[str, CalendarEntry] = {}
    for e in entries:
        if e.due is None or (e.obligation.status == "closed" and not include_closed):
            continue
        uid = event_uid(e.obligation.obligation_id)
        held = chosen.get(uid)
        if held is None or e.sequence > held.sequence:
            chosen[uid] = e
    cal = _calendar()
    cal.add("x-wr-calname", name)
    cal.add("x-wr-caldesc", DISCLAIMER)
    cal.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", FEED_REFRESH)
    for uid in sorted(chosen, key=lambda u: (chosen[u].due, u)):
        try:
            event = obligation_event(chosen[uid], stamp=stamp, alarm_days=alarm_days)
        except OverflowError:  # due 9999-12-31: its DTEND would be in year 10000; the feed goes on without it
            continue
        cal.add_component(event)
    return bytes(cal.to_ical())


def facility_feed(entries: Iterable[CalendarEntry], *, facility_name: str, wdid: str, stamp: datetime) -> bytes:
    """The feed of one facility's deadlines, closed ones cancelled."""
    return calendar_feed(entries, name=f"{facility_name} ({wdid}) deadlines", stamp=stamp, include_closed=True)


def person_feed(entries: Iterable[CalendarEntry], *, stamp: datetime, name: str = "My permit deadlines") -> bytes:
    """The feed of one person's deadlines across their facilities, closed ones cancelled."""
    return calendar_feed(entries, name=name, stamp=stamp, include_closed=True)


def _calendar() -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    return cal


def _description(entry: CalendarEntry, label: str, next_step: str) -> str:
    ob = entry.obligation
    lines = [
        f"{label}{f' ({ob.period})' if ob.period else ''}",
        f"Facility: {entry.facility_name}",
        f"WDID: {ob.facility_id}",
        f"Parameter: {ob.subject}",
    ]
    if entry.report_id:
        lines.append(f"Report ID: {entry.report_id}")
    if ob.section:
        lines.append(f"Permit section: {ob.section}")
    lines += ["", f"What to do next: {next_step}", "", DISCLAIMER]
    return "\n".join(lines)


def _utc(stamp: datetime) -> datetime:
    if stamp.tzinfo is None:
        raise ValueError("stamp must be timezone-aware")
    return stamp.astimezone(UTC)

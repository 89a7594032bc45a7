"""Raw MIME: structure, calendar part, deterministic bytes, header safety."""

from __future__ import annotations

import email
from datetime import UTC, date, datetime
from email import policy

from icalendar import Calendar
from permitclock.domain.notices import ReminderFacts
from permitclock.notices.ics import CalendarEntry, deadline_ics
from permitclock.notices.mime import build_message, to_bytes
from permitclock.notices.render import RenderedEmail, render_notice

from .conftest import make_obligation

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)


def reminder_message(name: str = "Acme Plating", **kw: object) -> bytes:
    ob = make_obligation()
    rendered = render_notice(
        "deadline_reminder",
        ReminderFacts.from_obligation(ob, facility_name=name, today=date(2026, 12, 2), step_id="before-30"),
    )
    ics = deadline_ics(CalendarEntry(ob, name), stamp=NOW)
    msg = build_message(
        rendered,
        from_address="permitclock <notices@example.com>",
        to="lrp@example.com",
        date=NOW,
        ics=ics,
        notice_id="reminder:x:2027-01-01:before-30",
        **kw,  # type: ignore[arg-type]
    )
    return to_bytes(msg)


def test_structure_is_mixed_with_alternative_and_calendar() -> None:
    parsed = email.message_from_bytes(reminder_message(), policy=policy.default)
    assert [p.get_content_type() for p in parsed.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    cal_part = list(parsed.walk())[-1]
    assert cal_part.get_param("method") == "PUBLISH"
    assert cal_part.get_filename() == "deadline.ics"
    assert cal_part.get_content_disposition() == "attachment"
    cal = Calendar.from_ical(cal_part.get_content())
    assert len(cal.walk("VEVENT")) == 1
    assert parsed["To"] == "lrp@example.com"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["X-Permitclock-Notice"] == "reminder:x:2027-01-01:before-30"
    assert parsed["Message-ID"] is None
    body = parsed.get_body(preferencelist=("plain",))
    assert body is not None and "Acme Plating" in body.get_content()


def test_build_is_deterministic() -> None:
    assert reminder_message() == reminder_message()
    assert reminder_message(message_id="<a@b>") != reminder_message()


def test_subject_cannot_inject_headers() -> None:
    rendered = RenderedEmail(subject="Hello\r\nBcc: victim@example.com", text="t", html="<p>h</p>")
    msg = build_message(rendered, from_address="n@example.com", to="lrp@example.com", date=NOW)
    raw = to_bytes(msg)
    assert b"\r\nBcc:" not in raw
    assert email.message_from_bytes(raw, policy=policy.default)["Bcc"] is None


def test_without_ics_there_is_no_calendar_part() -> None:
    rendered = RenderedEmail(subject="s", text="t", html="<p>h</p>")
    msg = build_message(rendered, from_address="n@example.com", to="lrp@example.com", date=NOW)
    assert [p.get_content_type() for p in msg.walk()] == ["multipart/alternative", "text/plain", "text/html"]

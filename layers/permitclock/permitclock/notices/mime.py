"""Raw MIME for SES `SendEmail` (Content.Raw): text and HTML alternatives, plus the deadline's .ics.

The build is deterministic: no Message-ID unless given (SES assigns one), the Date from the caller's clock,
and MIME boundaries derived from the content, so the same inputs give the same bytes.

    multipart/mixed
      multipart/alternative
        text/plain; charset=utf-8
        text/html; charset=utf-8
      text/calendar; method=PUBLISH; charset=utf-8   (attachment, when given)
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

from permitclock.notices.render import RenderedEmail, one_line

ICS_FILENAME = "deadline.ics"


def build_message(
    rendered: RenderedEmail,
    *,
    from_address: str,
    to: str,
    date: datetime,
    ics: bytes | None = None,
    ics_filename: str = ICS_FILENAME,
    notice_id: str | None = None,
    reply_to: str | None = None,
    message_id: str | None = None,
    extra_headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """One email to one recipient. `notice_id` goes in `X-Permitclock-Notice` (for bounce correlation)."""
    if date.tzinfo is None:
        raise ValueError("date must be timezone-aware")
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = from_address
    msg["To"] = to
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = one_line(rendered.subject, 250)
    msg["Date"] = format_datetime(date)
    if message_id:
        msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    if notice_id:
        msg["X-Permitclock-Notice"] = one_line(notice_id, 400)
    for name, value in (extra_headers or {}).items():
        msg[name] = one_line(value, 400)

    msg.set_content(rendered.text, subtype="plain", charset="utf-8")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8")
    if ics is not None:
        msg.add_attachment(
            ics.decode("utf-8"),
            subtype="calendar",
            charset="utf-8",
            filename=ics_filename,
            params={"method": "PUBLISH"},
        )
    _fix_boundaries(msg)
    return msg


def to_bytes(msg: EmailMessage) -> bytes:
    """The message as SES raw data (CRLF line ends)."""
    return msg.as_bytes(policy=policy.SMTP)


def _fix_boundaries(msg: EmailMessage) -> None:
    """Give every multipart a boundary derived from its content instead of a random one."""
    for index, part in enumerate(msg.walk()):
        if part.is_multipart():
            digest = hashlib.sha256()
            for sub in part.walk():
                if not sub.is_multipart():
                    digest.update(sub.get_content_type().encode())
                    payload = sub.get_payload(decode=True)
                    if isinstance(payload, bytes):
                        digest.update(payload)
            part.set_boundary(f"==permitclock-{index}-{digest.hexdigest()[:24]}")

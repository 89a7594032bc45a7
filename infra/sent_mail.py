"""The local stack's sent mail: moto keeps every message SES accepted; this reads them back for tests and the demo,
and writes them to a mail folder (`out/outbox/` by default, the `--outbox` option of `permitclock run sweep`)."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from infra.local_stack import REGION


@dataclass(frozen=True)
class SentEmail:
    to: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        return "" if body is None else str(body.get_content())

    def attachment_names(self) -> list[str]:
        return [p.get_filename() or "" for p in self.message.iter_attachments()]


def sent_emails() -> list[SentEmail]:
    """Every raw email SES accepted in this moto session, oldest first."""
    backend = ses_backends[DEFAULT_ACCOUNT_ID][REGION]
    out = []
    for sent in backend.sent_messages:
        raw = getattr(sent, "raw_data", None)
        if raw is None:
            continue
        parsed = email.message_from_string(raw, policy=email.policy.default)
        out.append(SentEmail(to=tuple(dict.fromkeys(sent.destinations)), message=parsed))
    return out


def clear_mail_folder(folder: Path) -> None:
    """Remove the emails an earlier run wrote (`NNNN.eml`, `NNNN.html`); nothing else in the folder."""
    for stale in [*folder.glob("[0-9][0-9][0-9][0-9].eml"), *folder.glob("[0-9][0-9][0-9][0-9].html")]:
        stale.unlink()


def write_mail_folder(folder: Path) -> list[Path]:
    """Write each sent email as `.eml` and its HTML part as `.html`, for a person to open."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for n, sent in enumerate(sent_emails(), start=1):
        stem = folder / f"{n:04d}"
        stem.with_suffix(".eml").write_bytes(sent.message.as_bytes())
        stem.with_suffix(".html").write_text(sent.part("html"), encoding="utf-8")
        written += [stem.with_suffix(".eml"), stem.with_suffix(".html")]
    return written

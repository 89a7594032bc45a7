"""Whose calendar feed a subscription token opens (`services.calendar_tokens`), a token as stored, and a feed's
link as emails show it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FeedKind = Literal["person", "facility"]


@dataclass(frozen=True)
class FeedOwner:
    """A person (by user id) or a facility (by WDID): each has one feed and at most one live token."""

    kind: FeedKind
    id: str


@dataclass(frozen=True)
class StoredToken:
    """A token as the table keeps it: whose feed it opens and its verifier's SHA-256 (never the token)."""

    owner: FeedOwner
    verifier_sha256: str


@dataclass(frozen=True)
class LiveToken:
    """An owner's live token as its owner item keeps it: the selector, and the whole token sealed with the
    stack's KMS key (`sealed`, None for a token issued before tokens were sealed) so the notifier can name the
    feed's link in emails without the table ever holding a token in plain text."""

    selector: str
    sealed: bytes | None


@dataclass(frozen=True)
class FeedLink:
    """A feed's subscription link as an email shows it: `webcal://` (calendar apps subscribe) and the same
    feed's `https://` URL (for apps that add a calendar by URL)."""

    label: str
    webcal: str
    url: str

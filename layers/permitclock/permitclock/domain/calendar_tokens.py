"""Whose calendar feed a subscription token opens (`services.calendar_tokens`), and a token as stored."""

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

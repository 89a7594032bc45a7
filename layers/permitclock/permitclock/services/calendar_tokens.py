"""Calendar subscriptions: the unguessable token in a feed's URL (`GET /calendars/{token}.ics`, no JWT).

Calendar apps cannot send a JWT, so the token is the credential. Each person and each facility (a `FeedOwner`)
has at most one live token: 64 hex characters, a random *selector* (which names the token's item) followed by a
random *verifier*. Only the verifier's SHA-256 is stored; a request's verifier is hashed and compared in constant
time (`hmac.compare_digest`), so neither a table read nor response timing gives a token away. Issuing a token
replaces the owner's previous one in one transaction: the old one answers 404 at once (the lookup is a
consistent read). A wrong, malformed or replaced token is 404, like a feed that never existed.

Who issues: the person themself (`POST /me/calendar-token`), a facility's LRP (`POST
/facilities/{wdid}/calendar-token`); the token is shown once, in that answer. The feed served is the object
`services.calendars` keeps (`calendars/person/...`, `calendars/facility/{wdid}.ics`); before its first write
an empty calendar is served, so a subscription made early fills in on the app's next refresh.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Protocol

from permitclock.clock import Clock
from permitclock.domain.calendar_tokens import FeedOwner, StoredToken
from permitclock.errors import NotFound
from permitclock.notices.ics import calendar_feed
from permitclock.services.calendars import facility_feed_key, person_feed_key

SELECTOR_HEX = 24
"""96 random bits name the token's item (its public half)."""
VERIFIER_HEX = 40
"""160 random bits prove the token (only their SHA-256 is stored)."""
_TOKEN = re.compile(rf"[0-9a-f]{{{SELECTOR_HEX + VERIFIER_HEX}}}")
EMPTY_FEED_NAME = "permitclock deadlines"


def feed_key(owner: FeedOwner) -> str:
    """The feed object `services.calendars` writes for `owner`."""
    return person_feed_key(owner.id) if owner.kind == "person" else facility_feed_key(owner.id)


class TokenStore(Protocol):
    """Token items by selector, and each owner's live selector (`adapters.calendar_tokens`)."""

    def find(self, selector: str) -> StoredToken | None:
        """The token named `selector`, read consistently (a replaced one is gone at once)."""
        ...

    def replace(self, owner: FeedOwner, selector: str, verifier_sha256: str) -> None:
        """Make `selector` the owner's live token and delete their previous one, in one transaction."""
        ...


class FeedReader(Protocol):
    def read(self, key: str) -> bytes | None:
        """The feed object's bytes, or None before its first write."""
        ...


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class CalendarTokens:
    """Issues tokens and serves the feed a token opens."""

    def __init__(self, store: TokenStore, feeds: FeedReader, clock: Clock) -> None:
        self._store = store
        self._feeds = feeds
        self._clock = clock

    def issue(self, owner: FeedOwner) -> str:
        """A new token for `owner`'s feed; their previous one stops working."""
        selector, verifier = secrets.token_hex(SELECTOR_HEX // 2), secrets.token_hex(VERIFIER_HEX // 2)
        self._store.replace(owner, selector, _sha256(verifier))
        return selector + verifier

    def owner(self, token: str) -> FeedOwner:
        """Whose feed `token` opens; `NotFound` for a malformed, unknown or replaced token."""
        if not _TOKEN.fullmatch(token):
            raise NotFound("no such calendar")
        stored = self._store.find(token[:SELECTOR_HEX])
        given = _sha256(token[SELECTOR_HEX:])
        if stored is None or not hmac.compare_digest(given, stored.verifier_sha256):
            raise NotFound("no such calendar")
        return stored.owner

    def feed(self, token: str) -> bytes:
        """The `.ics` bytes `token` opens (an empty calendar before the feed's first write)."""
        body = self._feeds.read(feed_key(self.owner(token)))
        return body if body is not None else calendar_feed([], name=EMPTY_FEED_NAME, stamp=self._clock.now())

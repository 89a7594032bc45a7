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

Emails carry the links (`FeedLinks`, issue 19): each token is also kept sealed with the stack's KMS key on its
owner's item, so the notifier can open it again; the table never holds a token in plain text, and no log names
one. A person who has no token yet gets one with their first reminder or digest (`subscription(create=True)`: the
same token `POST /me/calendar-token` would issue, without replacing one another notifier just created); a
facility's token is only ever issued by its LRP, so a facility's link is named only once it exists.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Protocol
from urllib.parse import urlsplit

from permitclock.clock import Clock
from permitclock.domain.calendar_tokens import FeedLink, FeedOwner, LiveToken, StoredToken
from permitclock.errors import NotFound
from permitclock.notices.ics import calendar_feed
from permitclock.services.calendars import facility_feed_key, person_feed_key

SELECTOR_HEX = 24
"""96 random bits name the token's item (its public half)."""
VERIFIER_HEX = 40
"""160 random bits prove the token (only their SHA-256 is stored)."""
_TOKEN = re.compile(rf"[0-9a-f]{{{SELECTOR_HEX + VERIFIER_HEX}}}")
EMPTY_FEED_NAME = "permitclock deadlines"
FEED_PATH = "/calendars/{token}.ics"
"""The API's route serving a token's feed (`api.calendars`)."""


def feed_key(owner: FeedOwner) -> str:
    """The feed object `services.calendars` writes for `owner`."""
    return person_feed_key(owner.id) if owner.kind == "person" else facility_feed_key(owner.id)


class TokenStore(Protocol):
    """Token items by selector, and each owner's live selector (`adapters.calendar_tokens`)."""

    def find(self, selector: str) -> StoredToken | None:
        """The token named `selector`, read consistently (a replaced one is gone at once)."""
        ...

    def live(self, owner: FeedOwner) -> LiveToken | None:
        """The owner's live token (its selector and sealed copy), read consistently; None before the first."""
        ...

    def replace(self, owner: FeedOwner, selector: str, verifier_sha256: str, sealed: bytes) -> None:
        """Make `selector` the owner's live token and delete their previous one, in one transaction."""
        ...

    def create(self, owner: FeedOwner, selector: str, verifier_sha256: str, sealed: bytes) -> bool:
        """Make `selector` the owner's first token; False (nothing written) when they already have one."""
        ...


class TokenSealer(Protocol):
    """Seals a token for its owner's item and opens it again (`adapters.calendar_tokens.KmsTokenSealer`)."""

    def seal(self, token: str, owner: FeedOwner) -> bytes: ...

    def open(self, sealed: bytes, owner: FeedOwner) -> str: ...


class FeedReader(Protocol):
    def read(self, key: str) -> bytes | None:
        """The feed object's bytes, or None before its first write."""
        ...


def _new_token() -> str:
    return secrets.token_hex(SELECTOR_HEX // 2) + secrets.token_hex(VERIFIER_HEX // 2)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class CalendarTokens:
    """Issues tokens and serves the feed a token opens."""

    def __init__(self, store: TokenStore, sealer: TokenSealer, feeds: FeedReader, clock: Clock) -> None:
        self._store = store
        self._sealer = sealer
        self._feeds = feeds
        self._clock = clock

    def issue(self, owner: FeedOwner) -> str:
        """A new token for `owner`'s feed; their previous one stops working."""
        token = _new_token()
        self._store.replace(owner, *self._stored_form(token, owner))
        return token

    def subscription(self, owner: FeedOwner, *, create: bool) -> str | None:
        """`owner`'s live token, for an email's link. Without one: a first token when `create` (a concurrent
        creator's wins), else None; None too for a token issued before tokens were sealed (it is never
        replaced behind its owner's back: their next rotation seals one)."""
        live = self._store.live(owner)
        if live is None and create:
            token = _new_token()
            if self._store.create(owner, *self._stored_form(token, owner)):
                return token
            live = self._store.live(owner)
        if live is None or live.sealed is None:
            return None
        return self._sealer.open(live.sealed, owner)

    def _stored_form(self, token: str, owner: FeedOwner) -> tuple[str, str, bytes]:
        """(selector, the verifier's SHA-256, the sealed token): what the store keeps of `token`."""
        return token[:SELECTOR_HEX], _sha256(token[SELECTOR_HEX:]), self._sealer.seal(token, owner)

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


class FeedLinks:
    """The feed links of one email's recipient, on the API's public origin (template `PublicApiUrl`, else the
    HTTP API's own URL; `permitclock serve`: its own http://host:port)."""

    def __init__(self, tokens: CalendarTokens, api_url: str) -> None:
        parts = urlsplit(api_url)
        self._tokens = tokens
        self._scheme, self._host = parts.scheme, parts.netloc

    def person(self, user_id: str) -> FeedLink | None:
        """The person's own feed (their first token is created if they have none)."""
        return self._link("Your deadlines", FeedOwner("person", user_id), create=True)

    def facility(self, wdid: str) -> FeedLink | None:
        """The facility's feed, once its LRP has issued its token."""
        return self._link(f"Facility {wdid}", FeedOwner("facility", wdid), create=False)

    def _link(self, label: str, owner: FeedOwner, *, create: bool) -> FeedLink | None:
        token = self._tokens.subscription(owner, create=create)
        if token is None:
            return None
        path = FEED_PATH.format(token=token)
        return FeedLink(label=label, webcal=f"webcal://{self._host}{path}", url=f"{self._scheme}://{self._host}{path}")

"""Calendar feeds: one `.ics` per facility and per person in the documents bucket, rewritten when they change.

Keys: `calendars/facility/{wdid}.ics` and `calendars/person/{token}.ics`, where the token is a SHA-256 of the
user id (never an address). Event UIDs come from `notices.ics.event_uid` (the obligation id only), SEQUENCE
from the obligation item's `ics_sequence` (bumped by whoever moves a due date, `ics.next_sequence`), so
calendar apps update an event instead of adding one, and accept a moved one.

A feed lists every dated obligation of its facilities, a closed one as `STATUS:CANCELLED` (so a subscribed
calendar removes it). It is written only when its content changed: the SHA-256 of the feed rendered with a fixed
DTSTAMP is kept in the object's metadata and compared first (one HEAD). Who calls `refresh`: the notifier, for
the `calendar_update` notice every writer of obligations puts in its transaction (the July 1 run, the report
commands, the complete route; `domain.notices.calendar_update`), and the daily sweep, for every facility with
something in its range (and those facilities' members); see docs/notices.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from permitclock.clock import Clock
from permitclock.domain.members import Member
from permitclock.domain.obligations import Obligation
from permitclock.errors import BAD_DATA
from permitclock.notices.ics import CalendarEntry, facility_feed, person_feed
from permitclock.services.ports import Facilities, Obligations

FACILITY_PREFIX = "calendars/facility/"
PERSON_PREFIX = "calendars/person/"
_HASH_STAMP = datetime(2000, 1, 1, tzinfo=UTC)  # a fixed DTSTAMP, so the hash changes only with the events


class FeedStore(Protocol):
    def content_hash(self, key: str) -> str | None: ...

    def write(self, key: str, body: bytes, content_hash: str) -> None: ...


def facility_feed_key(wdid: str) -> str:
    return f"{FACILITY_PREFIX}{wdid}.ics"


def person_token(user_id: str) -> str:
    """The opaque name of a person's feed: no address, no raw user id in the key."""
    return hashlib.sha256(f"permitclock-person-feed:{user_id}".encode()).hexdigest()[:32]


def person_feed_key(user_id: str) -> str:
    return f"{PERSON_PREFIX}{person_token(user_id)}.ics"


class FacilityCache:
    """Profiles, members and obligations read at most once per run (the sweep and the feeds share it)."""

    def __init__(self, directory: Facilities, obligations: Obligations) -> None:
        self.directory = directory
        self.obligations = obligations
        self._profiles: dict[str, dict[str, Any] | None] = {}
        self._members: dict[str, list[Member]] = {}
        self._entries: dict[str, list[tuple[Obligation, int]]] = {}
        self._user_facilities: dict[str, list[str]] = {}

    def profile(self, wdid: str) -> dict[str, Any] | None:
        if wdid not in self._profiles:
            self._profiles[wdid] = self.directory.profile(wdid)
        return self._profiles[wdid]

    def name(self, wdid: str) -> str:
        return str((self.profile(wdid) or {}).get("name") or wdid)

    def members(self, wdid: str) -> list[Member]:
        if wdid not in self._members:
            self._members[wdid] = self.directory.members(wdid)
        return self._members[wdid]

    def obligations_of(self, wdid: str) -> list[tuple[Obligation, int]]:
        if wdid not in self._entries:
            self._entries[wdid] = self.obligations.for_facility_with_sequence(wdid)
        return self._entries[wdid]

    def facilities_of(self, user_id: str) -> list[str]:
        if user_id not in self._user_facilities:
            self._user_facilities[user_id] = self.directory.facilities_of(user_id)
        return self._user_facilities[user_id]


@dataclass
class FeedResult:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    failed: dict[str, Exception] = field(default_factory=dict)
    """Feeds left as they were because their data could not be rendered (by key)."""

    def add(self, key: str, wrote: bool) -> None:
        if wrote:
            self.written.append(key)
        else:
            self.unchanged += 1


class CalendarFeeds:
    """Builds and writes the facility and person feeds."""

    def __init__(self, store: FeedStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def refresh(self, wdids: Iterable[str], cache: FacilityCache, *, people: bool = True) -> FeedResult:
        """Rewrite the feeds of these facilities and, with `people`, of everyone with a role at them."""
        result = FeedResult()
        users: set[str] = set()
        for wdid in sorted(set(wdids)):
            key = facility_feed_key(wdid)
            try:  # a feed whose data cannot be rendered is kept as it was and recorded; the others are written
                result.add(key, self.facility(wdid, cache))
                if people:
                    users.update(m.user_id for m in cache.members(wdid))
            except BAD_DATA as err:
                result.failed[key] = err
        for user_id in sorted(users):
            key = person_feed_key(user_id)
            try:
                result.add(key, self.person(user_id, cache))
            except BAD_DATA as err:
                result.failed[key] = err
        return result

    def facility(self, wdid: str, cache: FacilityCache) -> bool:
        """Write one facility's feed if it changed; True when written."""
        name = cache.name(wdid)
        entries = self._entries(wdid, cache)

        def render(stamp: datetime) -> bytes:
            return facility_feed(entries, facility_name=name, wdid=wdid, stamp=stamp)

        return self._write_if_changed(facility_feed_key(wdid), render)

    def person(self, user_id: str, cache: FacilityCache) -> bool:
        """Write one person's feed (all their facilities) if it changed; True when written."""
        entries = [e for wdid in cache.facilities_of(user_id) for e in self._entries(wdid, cache)]

        def render(stamp: datetime) -> bytes:
            return person_feed(entries, stamp=stamp)

        return self._write_if_changed(person_feed_key(user_id), render)

    @staticmethod
    def _entries(wdid: str, cache: FacilityCache) -> list[CalendarEntry]:
        name = cache.name(wdid)
        return [
            CalendarEntry(
                obligation=ob,
                facility_name=name,
                sequence=seq,
                report_id=ob.report_id,
            )
            for ob, seq in cache.obligations_of(wdid)
        ]

    def _write_if_changed(self, key: str, render: Any) -> bool:
        content_hash = hashlib.sha256(render(_HASH_STAMP)).hexdigest()
        if self._store.content_hash(key) == content_hash:
            return False
        self._store.write(key, render(self._clock.now()), content_hash)
        return True

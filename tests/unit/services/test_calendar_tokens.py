"""Calendar tokens over fakes: a token opens its owner's feed, a replaced, tampered or malformed one opens nothing,
and only the verifier's hash is kept."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from icalendar import Calendar
from permitclock.clock import FixedClock
from permitclock.domain.calendar_tokens import FeedOwner
from permitclock.errors import NotFound
from permitclock.services.calendar_tokens import SELECTOR_HEX, CalendarTokens, feed_key

from tests.fakes.ports import FakeCalendarTokens, FakeFeeds

PERSON, FACILITY = FeedOwner("person", "user-lrp"), FeedOwner("facility", "5S34I025848")


@pytest.fixture
def tokens() -> tuple[CalendarTokens, FakeCalendarTokens, FakeFeeds]:
    store, feeds = FakeCalendarTokens(), FakeFeeds()
    feeds.objects[feed_key(PERSON)] = b"BEGIN:VCALENDAR\r\nX-WR-CALNAME:mine\r\nEND:VCALENDAR\r\n"
    return CalendarTokens(store, feeds, FixedClock.on(date(2026, 11, 3))), store, feeds


def test_a_token_opens_its_owners_feed_and_only_its_hash_is_kept(tokens: tuple) -> None:
    service, store, _ = tokens
    token = service.issue(PERSON)

    assert len(token) == 64 and int(token, 16) >= 0
    assert service.owner(token) == PERSON
    assert b"X-WR-CALNAME:mine" in service.feed(token)
    [stored] = store.tokens.values()
    assert stored.verifier_sha256 == hashlib.sha256(token[SELECTOR_HEX:].encode()).hexdigest()
    assert token[SELECTOR_HEX:] not in repr(store.tokens) + repr(store.live)


def test_a_replaced_token_opens_nothing_at_once(tokens: tuple) -> None:
    service, _, _ = tokens
    first = service.issue(PERSON)
    second = service.issue(PERSON)

    assert service.owner(second) == PERSON
    with pytest.raises(NotFound):
        service.feed(first)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),  # the verifier changed
        lambda t: t.upper(),  # not lower-case hex
        lambda t: t[:-2],  # too short
        lambda t: t + "00",  # too long
        lambda t: "",
        lambda t: "../" + t[3:],
    ],
)
def test_a_wrong_token_is_not_found(tokens: tuple, tamper) -> None:  # type: ignore[no-untyped-def]
    service, _, _ = tokens
    token = service.issue(PERSON)
    with pytest.raises(NotFound) as refused:
        service.feed(tamper(token))
    assert refused.value.message == "no such calendar"


def test_before_the_first_write_the_feed_is_an_empty_calendar(tokens: tuple) -> None:
    service, _, _ = tokens
    token = service.issue(FACILITY)
    cal = Calendar.from_ical(service.feed(token))
    assert cal.walk("VEVENT") == [] and str(cal["X-WR-CALNAME"]) == "permitclock deadlines"


def test_the_person_and_the_facility_tokens_are_separate(tokens: tuple) -> None:
    service, _, _ = tokens
    mine, theirs = service.issue(PERSON), service.issue(FACILITY)
    service.issue(FACILITY)  # the facility's is rotated; the person's still works
    assert service.owner(mine) == PERSON
    with pytest.raises(NotFound):
        service.owner(theirs)

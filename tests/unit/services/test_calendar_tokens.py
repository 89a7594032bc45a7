"""Calendar tokens over fakes: a token opens its owner's feed, a replaced, tampered or malformed one opens nothing,
only the verifier's hash and a sealed copy are kept, and emails' links name the live token (a person's first one
made on demand, a facility's only once its LRP issued it)."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from icalendar import Calendar
from permitclock.clock import FixedClock
from permitclock.domain.calendar_tokens import FeedOwner, LiveToken
from permitclock.errors import NotFound
from permitclock.services.calendar_tokens import SELECTOR_HEX, CalendarTokens, FeedLinks, feed_key

from tests.fakes.ports import FakeCalendarTokens, FakeFeeds, FakeSealer

PERSON, FACILITY = FeedOwner("person", "user-lrp"), FeedOwner("facility", "5S34I025848")


@pytest.fixture
def tokens() -> tuple[CalendarTokens, FakeCalendarTokens, FakeFeeds]:
    store, feeds = FakeCalendarTokens(), FakeFeeds()
    feeds.objects[feed_key(PERSON)] = b"BEGIN:VCALENDAR\r\nX-WR-CALNAME:mine\r\nEND:VCALENDAR\r\n"
    return CalendarTokens(store, FakeSealer(), feeds, FixedClock.on(date(2026, 11, 3))), store, feeds


def test_a_token_opens_its_owners_feed_and_only_its_hash_is_kept(tokens: tuple) -> None:
    service, store, _ = tokens
    token = service.issue(PERSON)

    assert len(token) == 64 and int(token, 16) >= 0
    assert service.owner(token) == PERSON
    assert b"X-WR-CALNAME:mine" in service.feed(token)
    [stored] = store.tokens.values()
    assert stored.verifier_sha256 == hashlib.sha256(token[SELECTOR_HEX:].encode()).hexdigest()
    assert token[SELECTOR_HEX:] not in repr(store.tokens) + repr(store.owners)


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


def test_an_emails_link_names_the_live_token_and_a_person_gets_a_first_one(tokens: tuple) -> None:
    service, store, _ = tokens
    first = service.subscription(PERSON, create=True)  # none yet: made, as POST /me/calendar-token would

    assert first is not None and service.owner(first) == PERSON
    assert service.subscription(PERSON, create=True) == first  # the same one the next time, not a new one
    rotated = service.issue(PERSON)
    assert service.subscription(PERSON, create=True) == rotated
    assert len(store.tokens) == 1


def test_a_facility_link_waits_for_its_lrp_to_issue_the_token(tokens: tuple) -> None:
    service, store, _ = tokens
    assert service.subscription(FACILITY, create=False) is None and not store.owners
    issued = service.issue(FACILITY)
    assert service.subscription(FACILITY, create=False) == issued


def test_a_first_token_made_by_two_notifiers_at_once_is_the_winners(tokens: tuple) -> None:
    service, store, _ = tokens
    winner: list[str] = []
    create = store.create

    def lose_to_another(owner, selector, verifier_sha256, sealed):  # type: ignore[no-untyped-def]
        winner.append(service.issue(owner))  # another notifier's create lands first
        return create(owner, selector, verifier_sha256, sealed)

    store.create = lose_to_another
    assert service.subscription(PERSON, create=True) == winner[0]
    assert service.owner(winner[0]) == PERSON and len(store.tokens) == 1


def test_a_token_issued_before_sealing_is_left_alone(tokens: tuple) -> None:
    service, store, _ = tokens
    old = service.issue(PERSON)
    store.owners[PERSON] = LiveToken(old[:SELECTOR_HEX], None)  # no sealed copy on its owner's item

    assert service.subscription(PERSON, create=True) is None
    assert service.owner(old) == PERSON  # still the subscription its owner made


def test_feed_links_are_webcal_and_the_same_feed_by_url_on_the_public_origin(tokens: tuple) -> None:
    service, _, _ = tokens
    links = FeedLinks(service, "http://127.0.0.1:3000")

    mine = links.person(PERSON.id)
    assert mine is not None
    token = service.subscription(PERSON, create=False)
    assert mine.webcal == f"webcal://127.0.0.1:3000/calendars/{token}.ics"
    assert mine.url == f"http://127.0.0.1:3000/calendars/{token}.ics"
    assert links.facility(FACILITY.id) is None

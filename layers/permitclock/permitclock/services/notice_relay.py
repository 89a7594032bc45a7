"""The notice outbox relay: publish the notices a crash left in the outbox after their change was committed.

A committed change's notices are outbox items (`adapters.notice_outbox`) until they reach the notices queue;
the relay, every five minutes, publishes those older than a grace period and clears them. Publishing twice is
harmless: the notifier sends each (notice id, recipient) once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from permitclock.clock import Clock
from permitclock.domain.notices import NoticeRequest
from permitclock.services.ports import NoticePublisher

GRACE = timedelta(minutes=2)
"""Longer than a handler takes between its commit and its publish: younger notices are still its to publish."""


class Outbox(Protocol):
    """The transactional notice outbox (`adapters.notice_outbox.NoticeOutbox`)."""

    def leftovers(self, created_before: datetime) -> list[NoticeRequest]: ...

    def clear(self, notices: Sequence[NoticeRequest]) -> None: ...


class NoticeRelay:
    """The use case behind the notice outbox relay function."""

    def __init__(self, *, outbox: Outbox, publisher: NoticePublisher, clock: Clock) -> None:
        self._outbox = outbox
        self._publisher = publisher
        self._clock = clock

    def relay(self, now: datetime | None = None) -> int:
        """Publish and clear every outbox notice older than `GRACE` as of `now` (default: the clock)."""
        notices = self._outbox.leftovers((now or self._clock.now()) - GRACE)
        for notice in notices:
            self._publisher.publish(notice)
        self._outbox.clear(notices)
        return len(notices)


def publish_committed(
    notices: Sequence[NoticeRequest], publisher: NoticePublisher, clear: Callable[[Sequence[NoticeRequest]], None]
) -> bool:
    """Publish notices a writer committed with its change (as outbox items), then `clear` them; False when one
    could not be published: they all stay for the relay."""
    if not notices:
        return True
    try:
        for notice in notices:
            publisher.publish(notice)
    except Exception:  # any failure: the outbox items are the durable copies
        return False
    clear(notices)
    return True


class OutboxPublisher:
    """`publish_committed` for a writer whose store has no outbox of its own (the July 1 worker)."""

    def __init__(self, *, outbox: Outbox, publisher: NoticePublisher) -> None:
        self._outbox = outbox
        self._publisher = publisher

    def publish(self, notices: Sequence[NoticeRequest]) -> bool:
        return publish_committed(notices, self._publisher, self._outbox.clear)

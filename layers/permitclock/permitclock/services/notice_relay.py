"""The notice outbox relay: publish the notices a crash left in the outbox after their change was committed.

A committed change's notices are outbox items (`adapters.notice_outbox`) until they reach the notices queue;
the relay, every five minutes, publishes those older than a grace period and clears them. Publishing twice is
harmless: the notifier sends each (notice id, recipient) once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from permitclock.clock import Clock
from permitclock.domain.notices import NoticeRequest


class Publisher(Protocol):
    def publish(self, notice: NoticeRequest) -> None: ...


class Outbox(Protocol):
    def relay(self, publisher: Publisher, now: datetime) -> int: ...


class NoticeRelay:
    """The use case behind the notice outbox relay function."""

    def __init__(self, *, outbox: Outbox, publisher: Publisher, clock: Clock) -> None:
        self._outbox = outbox
        self._publisher = publisher
        self._clock = clock

    def relay(self, now: datetime | None = None) -> int:
        """Publish and clear what is left in the outbox as of `now` (default: the clock); returns how many."""
        return self._outbox.relay(self._publisher, now or self._clock.now())

"""The local server's clock: the real one, or a date set through `POST /_local/clock` (every function sees it)."""

from __future__ import annotations

import threading
from datetime import date, datetime

from permitclock.clock import PERMIT_TZ


class LocalClock:
    """Now in America/Los_Angeles; with a date set, that date at the current time of day (time still moves)."""

    def __init__(self) -> None:
        self._day: date | None = None
        self._lock = threading.Lock()

    def set(self, day: date | None) -> None:
        """Use `day` from now on; None returns to the real date."""
        with self._lock:
            self._day = day

    def now(self) -> datetime:
        real = datetime.now(PERMIT_TZ)
        with self._lock:
            day = self._day
        return real if day is None else real.replace(year=day.year, month=day.month, day=day.day)

"""The clock every rule takes as an argument: dates are calendar dates in America/Los_Angeles."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

PERMIT_TZ = ZoneInfo("America/Los_Angeles")


class Clock(Protocol):
    """Anything that can tell the current instant (timezone-aware)."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock, in the permit's time zone."""

    def now(self) -> datetime:
        return datetime.now(PERMIT_TZ)


class FixedClock:
    """A clock stopped at one instant: tests, `--on` and `--as-of` runs."""

    def __init__(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=PERMIT_TZ)
        self._instant = instant

    @classmethod
    def on(cls, day: date, hour: int = 6) -> FixedClock:
        """A clock at `hour`:00 local time on `day` (06:00 is when the schedules fire)."""
        return cls(datetime(day.year, day.month, day.day, hour, tzinfo=PERMIT_TZ))

    def now(self) -> datetime:
        return self._instant


def today(clock: Clock) -> date:
    """The calendar date in America/Los_Angeles at the clock's instant."""
    return clock.now().astimezone(PERMIT_TZ).date()

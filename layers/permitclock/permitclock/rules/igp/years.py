"""The IGP reporting year (Order XVI / [O67]): July 1 to June 30, labelled `YYYY-YYYY`."""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from permitclock.errors import BadInput

FIRST_LEVEL_YEAR = "2015-2016"
"""The Order took effect July 1, 2015: the first reporting year assigned a Level (first assignment July 1,
2016)."""

_LABEL = re.compile(r"^(\d{4})-(\d{4})$")


def reporting_year_of(day: date) -> str:
    """Label of the reporting year `day` falls in: June 30 ends a year, July 1 starts the next (IGP [O67])."""
    start = day.year if day.month >= 7 else day.year - 1
    return f"{start}-{start + 1}"


@cache
def start_year(label: str) -> int:
    """The start year of a `YYYY-YYYY` label (what SMARTS writes in REPORTING_YEAR)."""
    match = _LABEL.match(label)
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise BadInput(f"reporting year {label!r} is not YYYY-YYYY with consecutive years", field="reporting_year")
    return int(match.group(1))


def label_for_start(start: int) -> str:
    return f"{start}-{start + 1}"


@cache
def assignment_date(label: str) -> date:
    """July 1 after the reporting year: the day SMARTS assigns the Level it decides (era-rules "Level
    status")."""
    return date(start_year(label) + 1, 7, 1)


def is_over(label: str, as_of: date) -> bool:
    """True once the reporting year has ended on `as_of` (its July 1 assignment day has come)."""
    return as_of >= assignment_date(label)


def has_levels(label: str) -> bool:
    """True for 2015-2016 and later: earlier results are kept as samples but never assigned a Level."""
    return start_year(label) >= start_year(FIRST_LEVEL_YEAR)

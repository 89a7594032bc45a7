"""What a consultant's portfolio shows: per facility its coverage, Levels and the next and overdue obligations, and
the obligations across facilities filtered and paged (`services.portfolio`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from permitclock.domain.levels import Level
from permitclock.domain.members import Member
from permitclock.domain.obligations import Obligation

StatusFilter = Literal["pending", "open", "closed", "overdue"]
"""`overdue`: open with its due date (or window end) before today (America/Los_Angeles)."""


@dataclass(frozen=True)
class FacilitySummary:
    member: Member
    name: str
    coverage_status: str | None
    levels: dict[str, Level]
    next_due: Obligation | None
    overdue_count: int


@dataclass(frozen=True)
class ObligationFilter:
    """The store's side of a `GET /obligations` page: which facilities, dates (inclusive), status and program."""

    wdids: tuple[str, ...]
    status: Literal["pending", "open", "closed"] | None = None
    due_from: date | None = None
    due_to: date | None = None
    program: str | None = None


@dataclass(frozen=True)
class ObligationPage:
    obligations: list[Obligation]
    next: dict[str, Any] | None
    """The store's position after this page (its last evaluated key), None at the end."""

"""Coverage under the IGP as SMARTS's applications give it (Section II.C, Notice of Termination, as the 2014 Order
numbers it; indicative, igp-facts.md): which row speaks for a WDID listed more than once, and which obligations a
termination ends. Decisions: docs/smarts.md "Facilities from SMARTS"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from permitclock.domain.coverage import SmartsProfile
from permitclock.domain.obligations import Obligation

ACTIVE = "Active"
CLOSED_REASON = "coverage_terminated"


def speaking_row(rows: Sequence[tuple[int, SmartsProfile]]) -> tuple[int, SmartsProfile]:
    """The (line, profile) that speaks for a WDID: the latest NOI_PROCESSED_DATE; on a tie an `Active` row (a
    termination ends duties, so it must be unambiguous), then the first line. SMARTS lists some WDIDs on several
    rows of one application (`1 08I004046`: three Active, one Terminated)."""
    return min(
        rows,
        key=lambda r: (-(r[1].noi_processed_date or date.min).toordinal(), r[1].coverage_status != ACTIVE, r[0]),
    )


def ended_by_termination(obligation: Obligation, not_effective: date, today: date) -> bool:
    """An open (or pending) obligation a termination effective `not_effective` ends: every one once that day has
    come, before it only those that begin or fall due after it."""
    if obligation.status == "closed":
        return False
    if not_effective <= today:
        return True
    starts = obligation.window_start or obligation.due or obligation.window_end
    return starts is not None and starts > not_effective


def closed_by_termination(obligation: Obligation, not_effective: date, today: date) -> Obligation:
    """The obligation closed today with the termination as its reason."""
    facts = {
        **obligation.facts,
        "closed_reason": CLOSED_REASON,
        "closed_on": today.isoformat(),
        "not_effective_date": not_effective.isoformat(),
    }
    return obligation.model_copy(update={"status": "closed", "facts": facts})


def opens_after_coverage(obligation: Obligation, coverage_end: date | None) -> bool:
    """True when an obligation would begin after the facility's coverage ended: it is not opened."""
    if coverage_end is None:
        return False
    starts = obligation.window_start or obligation.due or obligation.window_end
    return starts is None or starts > coverage_end

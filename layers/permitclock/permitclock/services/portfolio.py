"""The consultant's portfolio: every facility the caller belongs to with its coverage, Levels, next due and
overdue count; the caller's obligations across facilities, filtered and paged by an opaque cursor.

The caller's memberships come from the report workflow (one Query of GSI1 `USER#{id}`); a `wdid` filter outside
them is `NotFound`, like any other facility's id. A page of obligations is one request to the store whatever the
number of facilities (`adapters.portfolio`).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from permitclock.clock import Clock, today
from permitclock.domain.levels import Level
from permitclock.domain.members import Member
from permitclock.domain.obligations import Obligation
from permitclock.domain.portfolio import FacilitySummary, ObligationFilter, ObligationPage, StatusFilter
from permitclock.errors import BadInput, NotFound

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class PortfolioStore(Protocol):
    """`adapters.portfolio.PortfolioReader`."""

    def profiles(self, wdids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Each facility's profile by WDID (missing ones left out)."""
        ...

    def levels(self, wdid: str) -> dict[str, Level]: ...

    def obligations(self, wdid: str) -> list[Obligation]: ...

    def obligation_page(self, where: ObligationFilter, limit: int, start: dict[str, Any] | None) -> ObligationPage:
        """One request: at most `limit` obligations of the due range evaluated, those matching `where` returned in
        (due, WDID, id) order; `next` None at the end."""
        ...


@dataclass(frozen=True)
class ObligationQuery:
    """`GET /obligations`'s parameters."""

    status: StatusFilter | None = None
    due_from: date | None = None
    due_to: date | None = None
    program: str | None = None
    wdid: str | None = None
    limit: int = DEFAULT_LIMIT
    next: str | None = None


def due_of(obligation: Obligation) -> date | None:
    return obligation.due or obligation.window_end


class Portfolio:
    def __init__(self, store: PortfolioStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def facilities(self, memberships: Sequence[Member]) -> list[FacilitySummary]:
        """One summary per membership, by WDID: a batch read of profiles, then each facility's Levels and
        obligations (two Queries each)."""
        members = sorted(memberships, key=lambda m: m.wdid)
        profiles = self._store.profiles([m.wdid for m in members]) if members else {}
        on = today(self._clock)
        out = []
        for member in members:
            profile = profiles.get(member.wdid, {})
            dated = [(d, o) for o in self._store.obligations(member.wdid) if o.status != "closed" and (d := due_of(o))]
            upcoming = sorted((d, o.obligation_id, o) for d, o in dated if d >= on)
            out.append(
                FacilitySummary(
                    member=member,
                    name=str(profile.get("name") or member.wdid),
                    coverage_status=profile.get("coverage_status"),
                    levels=self._store.levels(member.wdid),
                    next_due=upcoming[0][2] if upcoming else None,
                    overdue_count=sum(1 for d, o in dated if d < on and o.status == "open"),
                )
            )
        return out

    def obligations(self, memberships: Sequence[Member], query: ObligationQuery) -> tuple[list[Obligation], str | None]:
        """One page of the caller's obligations matching `query`, and the cursor of the next (None at the end)."""
        wdids = sorted({m.wdid for m in memberships})
        if query.wdid is not None:
            if query.wdid not in wdids:
                raise NotFound(f"facility {query.wdid} not found")
            wdids = [query.wdid]
        if not 1 <= query.limit <= MAX_LIMIT:
            raise BadInput(f"limit must be 1 to {MAX_LIMIT}", field="limit")
        where = self._filter(query, wdids)
        if where is None or not wdids:
            return [], None
        binding = _binding(query)
        start = _decode(query.next, binding) if query.next else None
        page = self._store.obligation_page(where, query.limit, start)
        return page.obligations, _encode(page.next, binding) if page.next else None

    def _filter(self, query: ObligationQuery, wdids: Sequence[str]) -> ObligationFilter | None:
        """The store's filter; None when no obligation can match (an empty date range)."""
        due_to = query.due_to
        status = query.status
        if status == "overdue":  # open, due before today
            yesterday = today(self._clock) - timedelta(days=1)
            due_to, status = min(due_to or yesterday, yesterday), "open"
        if query.due_from and query.due_to and query.due_from > query.due_to:
            raise BadInput("due_from is after due_to", field="due_from")
        if query.due_from and due_to and query.due_from > due_to:
            return None
        return ObligationFilter(
            wdids=tuple(wdids), status=status, due_from=query.due_from, due_to=due_to, program=query.program
        )


def _binding(query: ObligationQuery) -> str:
    """What a cursor belongs to: the filters (not the limit), so a cursor is never replayed under others."""
    text = json.dumps([query.status, str(query.due_from), str(query.due_to), query.program, query.wdid])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _encode(position: dict[str, Any], binding: str) -> str:
    raw = json.dumps({"f": binding, "k": position}, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, binding: str) -> dict[str, Any]:
    bad = BadInput("next is not a cursor this listing gave", code="bad_cursor", field="next")
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        raise bad from None
    if not isinstance(data, dict) or data.get("f") != binding or not isinstance(data.get("k"), dict):
        raise bad
    position: dict[str, Any] = data["k"]
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in position.items()):
        raise bad
    return position

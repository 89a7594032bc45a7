"""A fake of the portfolio's reads over the fakes of facilities, obligations and levels (shared, as the adapters
share the table); pages evaluate `limit` obligations of the date range before filtering, as DynamoDB does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from permitclock.adapters.obligations import PORTFOLIO_PK, UNDATED, portfolio_sk
from permitclock.domain.levels import Level
from permitclock.domain.obligations import Obligation
from permitclock.domain.portfolio import ObligationFilter, ObligationPage

from tests.fakes.pipelines import FakeLevels
from tests.fakes.ports import FakeFacilities, FakeObligations


class FakePortfolio:
    def __init__(self, facilities: FakeFacilities, obligations: FakeObligations, levels: FakeLevels) -> None:
        self.facilities = facilities
        self.obligations_of = obligations
        self.levels_of = levels
        self.requests = 0

    def profiles(self, wdids: Sequence[str]) -> dict[str, dict[str, Any]]:
        self.requests += 1
        return {w: p for w in wdids if (p := self.facilities.profile(w)) is not None}

    def levels(self, wdid: str) -> dict[str, Level]:
        self.requests += 1
        return {p: s.level for (w, p), s in sorted(self.levels_of.statuses.items()) if w == wdid}

    def obligations(self, wdid: str) -> list[Obligation]:
        self.requests += 1
        return self.obligations_of.for_facility(wdid)

    def obligation_page(self, where: ObligationFilter, limit: int, start: dict[str, Any] | None) -> ObligationPage:
        self.requests += 1
        low = where.due_from.isoformat() if where.due_from else "0"
        high = f"{where.due_to.isoformat()}#~" if where.due_to else (f"{UNDATED}~" if not where.due_from else "9999")
        ordered = sorted((portfolio_sk(o), o) for o, _ in self.obligations_of.items.values())
        in_range = [(sk, o) for sk, o in ordered if low <= sk <= high and (start is None or sk > start["gsi4sk"])]
        evaluated = in_range[:limit]
        kept = [
            o
            for _, o in evaluated
            if o.facility_id in where.wdids
            and (where.status is None or o.status == where.status)
            and (where.program is None or o.program == where.program)
        ]
        more = len(in_range) > limit
        last = evaluated[-1] if evaluated else None
        position = {"pk": f"FAC#{last[1].facility_id}", "sk": f"OBL#{last[1].obligation_id}", "gsi4pk": PORTFOLIO_PK,
                    "gsi4sk": last[0]} if more and last else None  # fmt: skip
        return ObligationPage(obligations=kept, next=position)

"""The portfolio's reads (`services.portfolio.PortfolioStore`): facility profiles in batches, each facility's Levels
and obligations, and pages of obligations across facilities on the portfolio index (one Query per page).

The page is one Query of `gsi4-obligations` (`OBLIGATION` / `{due}#{wdid}#{id}`): the due-date range is its key
condition, the caller's facilities, status and program a filter. DynamoDB applies `Limit` before the filter, so a
page may hold fewer than `limit` obligations and still have a next one; its cost follows the obligations in the
date range, never the number of facilities asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase, Key

from permitclock.adapters.facilities import batch_profiles
from permitclock.adapters.obligations import PORTFOLIO_INDEX, PORTFOLIO_PK, UNDATED, from_item
from permitclock.adapters.table import plain, query_all, query_pages
from permitclock.domain.levels import Level
from permitclock.domain.obligations import Obligation
from permitclock.domain.portfolio import ObligationFilter, ObligationPage
from permitclock.errors import BadInput

IN_OPERANDS = 100
"""DynamoDB's most operands of one IN; more facilities are ORed INs (the expression stays under 4 KB for ~500)."""
PAGE_KEYS = frozenset({"pk", "sk", "gsi4pk", "gsi4sk"})


class PortfolioReader:
    def __init__(self, table: Any) -> None:
        self._table = table
        self._client = table.meta.client  # the resource's client: takes and returns plain Python values

    def profiles(self, wdids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Each facility's profile by WDID (BatchGetItem, 100 keys a request); missing ones are left out."""
        return batch_profiles(self._table, wdids)

    def levels(self, wdid: str) -> dict[str, Level]:
        """Each parameter's current Level (one Query of `STATUS#`, only the attributes needed)."""
        pages = query_pages(
            self._table,
            KeyConditionExpression=Key("pk").eq(f"FAC#{wdid}") & Key("sk").begins_with("STATUS#"),
            ProjectionExpression="#p, #l, item_type",
            ExpressionAttributeNames={"#p": "parameter", "#l": "level"},
        )
        items = (i for page in pages for i in page["Items"])
        return {str(i["parameter"]): i["level"] for i in items if i.get("item_type") == "status"}

    def obligations(self, wdid: str) -> list[Obligation]:
        """The facility's obligations (one Query of `OBL#`)."""
        condition = Key("pk").eq(f"FAC#{wdid}") & Key("sk").begins_with("OBL#")
        return [from_item(i) for i in query_all(self._table, condition)]

    def obligation_page(self, where: ObligationFilter, limit: int, start: dict[str, Any] | None) -> ObligationPage:
        """One Query of the portfolio index: at most `limit` obligations evaluated, those matching `where` kept."""
        low = where.due_from.isoformat() if where.due_from else "0"
        high = f"{where.due_to.isoformat()}#~" if where.due_to else (f"{UNDATED}~" if not where.due_from else "9999")
        kwargs: dict[str, Any] = {
            "IndexName": PORTFOLIO_INDEX,
            "KeyConditionExpression": Key("gsi4pk").eq(PORTFOLIO_PK) & Key("gsi4sk").between(low, high),
            "FilterExpression": _filter(where),
            "Limit": limit,
        }
        if start:
            if set(start) != PAGE_KEYS or start["gsi4pk"] != PORTFOLIO_PK or not low <= start["gsi4sk"] <= high:
                raise BadInput("next is not a cursor this listing gave", code="bad_cursor", field="next")
            kwargs["ExclusiveStartKey"] = start
        response = self._table.query(**kwargs)
        last = response.get("LastEvaluatedKey")
        return ObligationPage(obligations=[from_item(i) for i in response["Items"]], next=plain(last) if last else None)


def _filter(where: ObligationFilter) -> ConditionBase:
    wdids = list(where.wdids)
    ins = [Attr("facility_id").is_in(wdids[i : i + IN_OPERANDS]) for i in range(0, len(wdids), IN_OPERANDS)]
    condition: ConditionBase = reduce(lambda a, b: a | b, ins)
    if where.status:
        condition = condition & Attr("status").eq(where.status)
    if where.program:
        condition = condition & Attr("program").eq(where.program)
    return condition

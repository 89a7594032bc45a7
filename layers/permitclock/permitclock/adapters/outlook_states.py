"""The worst in-year outlook state notified per facility parameter and reporting year:
`FAC#{wdid}` / `OUTLOOK#{reporting year}#{parameter}` (`state`, `rank`, `as_of`, `notice_id`).

Raised only upward, by a conditional Put in the same transaction as the notice's outbox item
(`adapters.notice_outbox`): a parameter's LRP is told once per state and year, even when two uploads race.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from permitclock.adapters.notice_outbox import NoticeOutbox, outbox_item
from permitclock.adapters.table import query_all
from permitclock.domain.notices import NoticeRequest
from permitclock.domain.outlook import STATE_ORDER, OutlookState

PREFIX = "OUTLOOK#"


class OutlookStates:
    def __init__(self, table: Any) -> None:
        self._table = table
        self._client = table.meta.client

    def notified(self, wdid: str, reporting_year: str) -> dict[str, OutlookState]:
        """The state last notified per parameter this year (absent: never worse than on track)."""
        condition = Key("pk").eq(f"FAC#{wdid}") & Key("sk").begins_with(f"{PREFIX}{reporting_year}#")
        return {str(i["parameter"]): i["state"] for i in query_all(self._table, condition, consistent=True)}

    def raise_state(
        self, wdid: str, reporting_year: str, parameter: str, state: OutlookState, as_of: date,
        notice: NoticeRequest | None, now: datetime,
    ) -> bool:  # fmt: skip
        """Record `state` if worse than the stored one, with the notice's outbox item; False when it was not."""
        item = {
            "pk": f"FAC#{wdid}",
            "sk": f"{PREFIX}{reporting_year}#{parameter}",
            "item_type": "outlook_state",
            "wdid": wdid,
            "parameter": parameter,
            "reporting_year": reporting_year,
            "state": state,
            "rank": STATE_ORDER[state],
            "as_of": as_of.isoformat(),
            **({"notice_id": notice.notice_id} if notice else {}),
        }
        actions: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._table.name,
                    "Item": item,
                    "ConditionExpression": "attribute_not_exists(pk) OR #rank < :rank",
                    "ExpressionAttributeNames": {"#rank": "rank"},
                    "ExpressionAttributeValues": {":rank": STATE_ORDER[state]},
                }
            }
        ]
        if notice is not None:
            actions.append({"Put": {"TableName": self._table.name, "Item": outbox_item(notice, now)}})
        try:
            self._client.transact_write_items(TransactItems=actions)
        except ClientError as err:
            if err.response["Error"]["Code"] == "TransactionCanceledException":
                return False
            raise
        return True

    def notices_published(self, notices: Sequence[NoticeRequest]) -> None:
        NoticeOutbox(self._table).clear(list(notices))

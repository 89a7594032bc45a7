"""The notice outbox: notices written in the same transaction as the state change that caused them.

A handler that commits a change and then publishes its notice can crash between the two, and the notice is
lost (tests/faults: "API killed between commit and notice"). So each notice is also put as an outbox item
`OUTBOX` / `{notice id}` inside the change's TransactWriteItems; after publishing, the handler clears it. The
relay (`services.notice_relay`, every five minutes) publishes whatever is left once it is older than a grace
period, then clears it. Publishing twice is harmless: the notifier sends each (notice id, recipient) once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from permitclock.domain.notices import NoticeRequest

OUTBOX_PK = "OUTBOX"


def outbox_item(notice: NoticeRequest, created: datetime) -> dict[str, Any]:
    """The outbox item to put in the change's transaction."""
    return {
        "pk": OUTBOX_PK,
        "sk": notice.notice_id,
        "created_at": created.isoformat(),
        "notice": notice.model_dump_json(),
    }


class NoticeOutbox:
    """Clears delivered notices and finds the ones a crash left behind."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def clear(self, notices: Sequence[NoticeRequest]) -> None:
        with self._table.batch_writer() as batch:
            for notice in notices:
                batch.delete_item(Key={"pk": OUTBOX_PK, "sk": notice.notice_id})

    def leftovers(self, created_before: datetime) -> list[NoticeRequest]:
        """The outbox notices written before `created_before` (one consistent Query of the `OUTBOX` partition)."""
        items = self._table.query(
            KeyConditionExpression=Key("pk").eq(OUTBOX_PK),
            FilterExpression=Attr("created_at").lt(created_before.isoformat()),
            ConsistentRead=True,
        )["Items"]
        return [NoticeRequest.model_validate_json(item["notice"]) for item in items]

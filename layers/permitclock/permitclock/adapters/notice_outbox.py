"""The notice outbox: notices written in the same transaction as the state change that caused them.

A handler that commits a change and then publishes its notice can crash between the two, and the notice is
lost (tests/faults: "API killed between commit and notice"). So each notice is also put as an outbox item
`OUTBOX` / `{notice id}` inside the change's TransactWriteItems; after publishing, the handler clears it. The
relay (a schedule every five minutes) publishes whatever is left once it is older than a grace period, then
clears it. Publishing twice is harmless: the notifier sends each (notice id, recipient) once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from boto3.dynamodb.conditions import Attr, Key

from permitclock.domain.notices import NoticeRequest

OUTBOX_PK = "OUTBOX"
GRACE = timedelta(minutes=2)  # longer than a handler takes between its commit and its publish


class Publisher(Protocol):
    def publish(self, notice: NoticeRequest) -> None: ...


def outbox_item(notice: NoticeRequest, created: datetime) -> dict[str, Any]:
    """The outbox item to put in the change's transaction."""
    return {
        "pk": OUTBOX_PK,
        "sk": notice.notice_id,
        "created_at": created.isoformat(),
        "notice": notice.model_dump_json(),
    }


class NoticeOutbox:
    """Clears delivered notices and relays the ones a crash left behind."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def clear(self, notices: list[NoticeRequest]) -> None:
        with self._table.batch_writer() as batch:
            for notice in notices:
                batch.delete_item(Key={"pk": OUTBOX_PK, "sk": notice.notice_id})

    def relay(self, publisher: Publisher, now: datetime) -> int:
        """Publish and clear every outbox notice older than the grace period; returns how many."""
        cutoff = (now - GRACE).isoformat()
        items = self._table.query(
            KeyConditionExpression=Key("pk").eq(OUTBOX_PK),
            FilterExpression=Attr("created_at").lt(cutoff),
            ConsistentRead=True,
        )["Items"]
        notices = [NoticeRequest.model_validate_json(item["notice"]) for item in items]
        for notice in notices:
            publisher.publish(notice)
        self.clear(notices)
        return len(notices)

"""Send claims: the conditional write that makes each (notice, recipient) email go out once.

Item `NOTICE#{notice id}` / `TO#{recipient hash}` (docs/data-model.md). The claim is written `sending` before SES
is called, with a lease; `sent` with the SES message id after, or `failed` with the error code for good. A
failure in between gives the claim back (`release`); a crash leaves a lease that runs out before the queue
redelivers, so the redelivery claims it again. A `sent` or `failed` claim makes a duplicate delivery a no-op
(reliability-notes.md section 2.3; the states: docs/notices.md). Suppressed addresses (bounces, complaints) live
beside them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from permitclock.adapters.table import query_all
from permitclock.notices.recipients import recipient_hash

CLAIM_LEASE = timedelta(minutes=2)
"""Longer than the notifier's timeout (60 s: an attempt still running keeps its claim), shorter than the notices
queue's visibility timeout (6 minutes: the redelivery after a crash finds the lease run out). Both from
template.yaml; tests/integration/test_notices_pipeline.py checks the three agree."""
CLAIM_RETENTION = timedelta(days=90)  # longer than the reminder catch-up window (docs/notices.md)
MARK_ATTEMPTS = 6
_THROTTLED = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "InternalServerError"}
)


def _keys(notice_id: str, address: str) -> dict[str, str]:
    return {"pk": f"NOTICE#{notice_id}", "sk": f"TO#{recipient_hash(address)}"}


class SendClaims:
    """Claims, results and the suppression list, in the state table."""

    def __init__(self, table: Any, sleep: Callable[[float], None] = time.sleep) -> None:
        self._table = table
        self._sleep = sleep

    def claim(self, notice_id: str, address: str, now: datetime) -> bool:
        """Take the right to send; False when it was sent, failed for good, or another attempt holds a lease."""
        try:
            self._table.put_item(
                Item={
                    **_keys(notice_id, address),
                    "status": "sending",
                    "lease_until": int((now + CLAIM_LEASE).timestamp()),
                    "claimed_at": now.isoformat(),
                    "expires_at": int((now + CLAIM_RETENTION).timestamp()),
                },
                ConditionExpression="attribute_not_exists(pk) OR (#s = :sending AND lease_until < :now)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":sending": "sending", ":now": int(now.timestamp())},
            )
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def mark(self, notice_id: str, address: str, status: str, detail: str | None) -> None:
        """Record the outcome: `sent` (detail = SES message id) or `failed` (detail = error code).

        Throttling is retried here, beyond the SDK's own retries: once SES has accepted the message, giving up
        would leave the claim `sending`, and when its lease ran out a repeat of the notice (the sweep's
        catch-up window) would send a second email (tests/faults: "throttling on the send claim's result")."""
        for attempt in range(1, MARK_ATTEMPTS + 1):
            try:
                self._table.update_item(
                    Key=_keys(notice_id, address),
                    UpdateExpression="SET #s = :status, detail = :detail REMOVE lease_until",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":status": status, ":detail": detail or ""},
                )
                return
            except ClientError as err:
                if err.response["Error"]["Code"] not in _THROTTLED or attempt == MARK_ATTEMPTS:
                    raise
                self._sleep(min(2.0, 0.05 * 2**attempt))

    def release(self, notice_id: str, address: str) -> None:
        """Give a claim back (SES kept throttling): the queue's redelivery will try again."""
        self._table.delete_item(Key=_keys(notice_id, address))

    def status(self, notice_id: str, address: str) -> str | None:
        item = self._table.get_item(Key=_keys(notice_id, address), ConsistentRead=True).get("Item")
        return str(item["status"]) if item else None

    def of_notice(self, notice_id: str) -> list[dict[str, str]]:
        """Every claim of one notice: its recipients' hashes, states and details (an SES message id or error
        code), for `permitclock notice`."""
        return [
            {
                "recipient_hash": str(item["sk"]).removeprefix("TO#"),
                "status": str(item["status"]),
                "detail": str(item.get("detail", "")),
                "claimed_at": str(item.get("claimed_at", "")),
            }
            for item in query_all(self._table, Key("pk").eq(f"NOTICE#{notice_id}"), consistent=True)
        ]

    def is_suppressed(self, address: str) -> bool:
        key = {"pk": f"SUPPRESS#{recipient_hash(address)}", "sk": "EMAIL"}
        return "Item" in self._table.get_item(Key=key)

    def suppress(self, address: str, reason: str, at: datetime) -> None:
        self._table.put_item(
            Item={"pk": f"SUPPRESS#{recipient_hash(address)}", "sk": "EMAIL", "reason": reason, "at": at.isoformat()}
        )

    def lift(self, address: str) -> None:
        self._table.delete_item(Key={"pk": f"SUPPRESS#{recipient_hash(address)}", "sk": "EMAIL"})

"""Obligations in the state table: `FAC#{wdid}` / `OBL#{obligation id}`, the sparse due-date index, and the
portfolio index (`gsi4-obligations`: `OBLIGATION` / `{due}#{wdid}#{id}`, every obligation; `GET /obligations`).

While an obligation is open and dated it carries `gsi2pk = DUE#{shard}` and `gsi2sk = {due}#{wdid}#{id}`;
closing it removes both, so the index holds only what may still need a reminder. The shard (a hash of the WDID
into `DUE_SHARDS` partitions) spreads the July 1 burst of writes; the sweep reads every shard up to its horizon,
so it finds overdue obligations of any age and its cost follows what is due, never the number of facilities.
(This replaces architecture.md's `DUE#{yyyy-mm}` partitions, which need one query per month back in time.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import UTC, date
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from permitclock.adapters.notice_outbox import outbox_item
from permitclock.adapters.table import batch_get, query_all, readable
from permitclock.domain.notices import NoticeRequest
from permitclock.domain.obligations import Obligation
from permitclock.errors import Conflict
from permitclock.workflow.duties import Completion

DUE_INDEX = "gsi2-by-due-date"
DUE_SHARDS = 8
PORTFOLIO_INDEX = "gsi4-obligations"
PORTFOLIO_PK = "OBLIGATION"
UNDATED = "~"
"""The portfolio index's date for an obligation with neither due date nor window end (pending): after any date."""


def portfolio_sk(obligation: Obligation) -> str:
    """`{due}#{wdid}#{id}` on the portfolio index: every obligation, open or closed, by due date."""
    due = obligation.due or obligation.window_end
    return f"{due.isoformat() if due else UNDATED}#{obligation.facility_id}#{obligation.obligation_id}"


def due_shard(wdid: str) -> int:
    return int(hashlib.sha256(wdid.encode()).hexdigest(), 16) % DUE_SHARDS


def obligation_key(wdid: str, obligation_id: str) -> dict[str, str]:
    return {"pk": f"FAC#{wdid}", "sk": f"OBL#{obligation_id}"}


def obligation_item(obligation: Obligation, *, ics_sequence: int = 0) -> dict[str, Any]:
    """The table item of an obligation (also used inside transactions by the annual run)."""
    item: dict[str, Any] = {
        **obligation.stored_fields(),
        **obligation_key(obligation.facility_id, obligation.obligation_id),
        "ics_sequence": ics_sequence,
        "gsi4pk": PORTFOLIO_PK,
        "gsi4sk": portfolio_sk(obligation),
    }
    due = obligation.due or obligation.window_end
    if obligation.status != "closed" and due is not None:
        item["gsi2pk"] = f"DUE#{due_shard(obligation.facility_id)}"
        item["gsi2sk"] = f"{due.isoformat()}#{obligation.facility_id}#{obligation.obligation_id}"
    return item


def from_item(item: dict[str, Any]) -> Obligation:
    return Obligation.model_validate({k: v for k, v in item.items() if k in Obligation.model_fields})


def with_sequence(item: dict[str, Any]) -> tuple[Obligation, int]:
    """An obligation item and its calendar SEQUENCE."""
    return from_item(item), int(item.get("ics_sequence", 0))


class ObligationStore:
    """Reads and writes obligations; listing a facility's is one query, the due window one query per shard."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def put_new(self, obligation: Obligation) -> bool:
        """Open an obligation unless it exists (the same facts always give the same id)."""
        try:
            self._table.put_item(Item=obligation_item(obligation), ConditionExpression="attribute_not_exists(pk)")
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def get(self, wdid: str, obligation_id: str) -> tuple[Obligation, int] | None:
        """The obligation and its calendar SEQUENCE."""
        item = self._table.get_item(Key=obligation_key(wdid, obligation_id), ConsistentRead=True).get("Item")
        return (from_item(item), int(item.get("ics_sequence", 0))) if item else None

    def get_many(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], tuple[Obligation, int]]:
        """The stored ones of (wdid, obligation id) `keys` with their SEQUENCE (`table.batch_get`, consistent)."""
        items = batch_get(self._table, [obligation_key(w, o) for w, o in keys], consistent=True)
        return {(o.facility_id, o.obligation_id): (o, n) for o, n in readable(items, with_sequence)}

    def replace(self, obligation: Obligation, *, ics_sequence: int) -> None:
        """Write a changed obligation (closed, extended); a due-date change must come with a new SEQUENCE."""
        self._table.put_item(Item=obligation_item(obligation, ics_sequence=ics_sequence))

    def complete(
        self,
        obligation: Obligation,
        *,
        ics_sequence: int | None,
        completion: Completion,
        notices: Sequence[NoticeRequest] = (),
    ) -> None:
        """Write `obligation` closed (`workflow.duties.closed_by`; its calendar SEQUENCE one more, as closing
        cancels the event) with its immutable completion record (`OBLHIST#{id}#{UTC time}`) and `notices` as
        outbox items, in one transaction, only if the stored one is still open at `ics_sequence` (None: only if
        none is stored yet, a duty done before it opens): `Conflict`
        `obligation_closed` when it was closed meanwhile, `concurrent_update` when it changed otherwise."""
        record = {
            **completion.model_dump(mode="json"),
            "pk": f"FAC#{completion.wdid}",
            "sk": f"OBLHIST#{completion.obligation_id}#{completion.at.astimezone(UTC).isoformat()}",
            "item_type": "obligation_completion",
        }
        client = self._table.meta.client
        item = obligation_item(obligation, ics_sequence=0 if ics_sequence is None else ics_sequence + 1)
        put: dict[str, Any]
        if ics_sequence is None:
            put = {"TableName": self._table.name, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}
        else:
            put = {"TableName": self._table.name, "Item": item,
                   "ConditionExpression": "ics_sequence = :s AND #status <> :closed",
                   "ExpressionAttributeNames": {"#status": "status"},
                   "ExpressionAttributeValues": {":s": ics_sequence, ":closed": "closed"}}  # fmt: skip
        try:
            client.transact_write_items(
                TransactItems=[
                    {"Put": put},
                    {"Put": {"TableName": self._table.name, "Item": record,
                             "ConditionExpression": "attribute_not_exists(sk)"}},
                    *({"Put": {"TableName": self._table.name, "Item": outbox_item(n, completion.at)}}
                      for n in notices),
                ]
            )  # fmt: skip
        except ClientError as err:
            if err.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            found = self.get(obligation.facility_id, obligation.obligation_id)
            if found is not None and found[0].status == "closed":
                raise Conflict(
                    f"obligation {obligation.obligation_id} is already closed", code="obligation_closed"
                ) from None
            raise Conflict("the obligation changed meanwhile: reload and retry", code="concurrent_update") from None

    def for_facility(self, wdid: str) -> list[Obligation]:
        return [obligation for obligation, _ in self.for_facility_with_sequence(wdid)]

    def for_facility_with_sequence(self, wdid: str) -> list[tuple[Obligation, int]]:
        """Every obligation of a facility with its calendar SEQUENCE (one query; the calendar feeds)."""
        condition = Key("pk").eq(f"FAC#{wdid}") & Key("sk").begins_with("OBL#")
        return list(readable(query_all(self._table, condition), with_sequence))

    def due_through(self, last_day: date) -> Iterator[tuple[Obligation, int]]:
        """Every open dated obligation due on or before `last_day` (overdue ones included), with its SEQUENCE."""
        for shard in range(DUE_SHARDS):
            condition = Key("gsi2pk").eq(f"DUE#{shard}") & Key("gsi2sk").lte(f"{last_day.isoformat()}#~")
            yield from readable(query_all(self._table, condition, index=DUE_INDEX), with_sequence)

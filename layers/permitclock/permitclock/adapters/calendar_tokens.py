"""Calendar tokens in the state table.

- `CALTOKEN#{selector}` / `CALTOKEN`: whose feed the token opens (`kind`, `owner`) and its verifier's SHA-256.
- `CALFEED#{kind}#{owner}` / `CALFEED`: the owner's live selector, so issuing a new token deletes the old one.

Issuing is one transaction (new token item, owner item, old token item deleted); a concurrent issue for the same
owner loses on the owner item's condition and is retried once against the winner's selector.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from permitclock.domain.calendar_tokens import FeedKind, FeedOwner, StoredToken


def _token_key(selector: str) -> dict[str, str]:
    return {"pk": f"CALTOKEN#{selector}", "sk": "CALTOKEN"}


def _owner_key(owner: FeedOwner) -> dict[str, str]:
    return {"pk": f"CALFEED#{owner.kind}#{owner.id}", "sk": "CALFEED"}


class CalendarTokenStore:
    def __init__(self, table: Any) -> None:
        self._table = table

    def find(self, selector: str) -> StoredToken | None:
        item = self._table.get_item(Key=_token_key(selector), ConsistentRead=True).get("Item")
        if not item:
            return None
        kind: FeedKind = "facility" if item["kind"] == "facility" else "person"
        return StoredToken(owner=FeedOwner(kind, str(item["owner"])), verifier_sha256=str(item["verifier_sha256"]))

    def replace(self, owner: FeedOwner, selector: str, verifier_sha256: str) -> None:
        for attempt in (1, 2):
            held = self._table.get_item(Key=_owner_key(owner), ConsistentRead=True).get("Item")
            previous = str(held["selector"]) if held else None
            try:
                self._write(owner, selector, verifier_sha256, previous)
                return
            except ClientError as err:
                reasons = err.response.get("CancellationReasons") or []
                lost = any(r.get("Code") == "ConditionalCheckFailed" for r in reasons)
                if not lost or attempt == 2:
                    raise

    def _write(self, owner: FeedOwner, selector: str, verifier_sha256: str, previous: str | None) -> None:
        table = self._table.name
        owner_put: dict[str, Any] = {
            "TableName": table,
            "Item": {**_owner_key(owner), "selector": selector},
        }
        if previous is None:
            owner_put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            owner_put["ConditionExpression"] = "selector = :previous"
            owner_put["ExpressionAttributeValues"] = {":previous": previous}
        actions: list[dict[str, Any]] = [
            {"Put": {"TableName": table, "ConditionExpression": "attribute_not_exists(pk)",
                     "Item": {**_token_key(selector), "kind": owner.kind, "owner": owner.id,
                              "verifier_sha256": verifier_sha256}}},
            {"Put": owner_put},
        ]  # fmt: skip
        if previous is not None:
            actions.append({"Delete": {"TableName": table, "Key": _token_key(previous)}})
        self._table.meta.client.transact_write_items(TransactItems=actions)

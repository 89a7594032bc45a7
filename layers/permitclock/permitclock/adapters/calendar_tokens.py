"""Calendar tokens in the state table, and their sealing with the stack's KMS key.

- `CALTOKEN#{selector}` / `CALTOKEN`: whose feed the token opens (`kind`, `owner`) and its verifier's SHA-256.
- `CALFEED#{kind}#{owner}` / `CALFEED`: the owner's live selector, so issuing a new token deletes the old one,
  and the token sealed by KMS (`sealed`: ciphertext bound to the owner by its encryption context), which the
  notifier opens to name the feed's link in emails.

Issuing is one transaction (new token item, owner item, old token item deleted); a concurrent issue for the same
owner loses on the owner item's condition and is retried once against the winner's selector. Creating a first
token (`create`) only writes when the owner has none, so two notifiers creating one at once agree on the winner's.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from permitclock.domain.calendar_tokens import FeedKind, FeedOwner, LiveToken, StoredToken


def _token_key(selector: str) -> dict[str, str]:
    return {"pk": f"CALTOKEN#{selector}", "sk": "CALTOKEN"}


def _owner_key(owner: FeedOwner) -> dict[str, str]:
    return {"pk": f"CALFEED#{owner.kind}#{owner.id}", "sk": "CALFEED"}


def _lost_condition(err: ClientError) -> bool:
    reasons = err.response.get("CancellationReasons") or []
    return any(r.get("Code") == "ConditionalCheckFailed" for r in reasons)


class CalendarTokenStore:
    def __init__(self, table: Any) -> None:
        self._table = table

    def find(self, selector: str) -> StoredToken | None:
        item = self._table.get_item(Key=_token_key(selector), ConsistentRead=True).get("Item")
        if not item:
            return None
        kind: FeedKind = "facility" if item["kind"] == "facility" else "person"
        return StoredToken(owner=FeedOwner(kind, str(item["owner"])), verifier_sha256=str(item["verifier_sha256"]))

    def live(self, owner: FeedOwner) -> LiveToken | None:
        item = self._table.get_item(Key=_owner_key(owner), ConsistentRead=True).get("Item")
        if not item:
            return None
        sealed = item.get("sealed")
        return LiveToken(selector=str(item["selector"]), sealed=bytes(sealed.value) if sealed is not None else None)

    def replace(self, owner: FeedOwner, selector: str, verifier_sha256: str, sealed: bytes) -> None:
        for attempt in (1, 2):
            held = self.live(owner)
            try:
                self._write(owner, selector, verifier_sha256, sealed, held.selector if held else None)
                return
            except ClientError as err:
                if not _lost_condition(err) or attempt == 2:
                    raise

    def create(self, owner: FeedOwner, selector: str, verifier_sha256: str, sealed: bytes) -> bool:
        try:
            self._write(owner, selector, verifier_sha256, sealed, None)
        except ClientError as err:
            if not _lost_condition(err):
                raise
            return False
        return True

    def _write(
        self, owner: FeedOwner, selector: str, verifier_sha256: str, sealed: bytes, previous: str | None
    ) -> None:
        table = self._table.name
        owner_put: dict[str, Any] = {
            "TableName": table,
            "Item": {**_owner_key(owner), "selector": selector, "sealed": sealed},
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


class KmsTokenSealer:
    """Seals and opens tokens with the template's `CalendarTokensKey`; the encryption context names the owner, so
    a sealed token copied to another owner's item does not open."""

    def __init__(self, kms: Any, key_id: str) -> None:
        self._kms = kms
        self._key_id = key_id

    def seal(self, token: str, owner: FeedOwner) -> bytes:
        answer = self._kms.encrypt(KeyId=self._key_id, Plaintext=token.encode(), EncryptionContext=_context(owner))
        return bytes(answer["CiphertextBlob"])

    def open(self, sealed: bytes, owner: FeedOwner) -> str:
        answer = self._kms.decrypt(KeyId=self._key_id, CiphertextBlob=sealed, EncryptionContext=_context(owner))
        return bytes(answer["Plaintext"]).decode()


def _context(owner: FeedOwner) -> dict[str, str]:
    return {"permitclock:calendar-feed": f"{owner.kind}#{owner.id}"}

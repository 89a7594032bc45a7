"""Attachment records in the state table (docs/data-model.md): one item per uploaded object version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from permitclock.domain.uploads import AttachmentRecord

GSI_BY_OBJECT = "gsi3-lookup"


def record_keys(bucket: str, key: str, attachment_id: str, wdid: str | None, report_id: str | None) -> dict[str, str]:
    """Primary key: under the facility's report when the key named one, else under the upload itself."""
    if wdid and report_id:
        return {"pk": f"FAC#{wdid}", "sk": f"REPORT#{report_id}#ATT#{attachment_id}"}
    return {"pk": f"UPLOAD#{bucket}/{key}", "sk": f"V#{attachment_id}"}


class AttachmentRecords:
    """Conditional writes make every record write-once: redelivered events create nothing new."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def get(
        self, bucket: str, key: str, attachment_id: str, wdid: str | None, report_id: str | None
    ) -> AttachmentRecord | None:
        keys = record_keys(bucket, key, attachment_id, wdid, report_id)
        item = self._table.get_item(Key=keys, ConsistentRead=True).get("Item")
        return AttachmentRecord.model_validate(item) if item else None

    def put_new(self, record: AttachmentRecord) -> bool:
        """Write the record unless it exists; False when it already did (a duplicate delivery)."""
        item = {
            **{k: v for k, v in record.model_dump(mode="json").items() if v not in (None, [])},
            **({"sequencer": sequencer_order(record.sequencer)} if record.sequencer else {}),
            **record_keys(record.bucket, record.key, record.attachment_id, record.wdid, record.report_id),
            "gsi3pk": f"ATTKEY#{record.bucket}/{record.key}",
            "gsi3sk": record.version_id or "-",
        }
        try:
            self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def mark_removed(
        self,
        bucket: str,
        key: str,
        version_id: str | None,
        at: datetime,
        sequencer: str | None = None,
        *,
        marker: bool = False,
    ) -> int:
        """Mark accepted records of `key` deleted (kept for audit, as SMARTS's Delete does).

        A version-specific delete marks that version; a delete marker (`marker`, or a version no record has)
        marks every accepted version uploaded before it: with S3's `sequencer`, only records whose own
        sequencer is older, and the marker's sequencer is kept on the key item so that a create event
        delivered after it (out of order) is marked deleted too (`removed_after`). Returns how many changed.
        """
        items = self._table.query(
            IndexName=GSI_BY_OBJECT, KeyConditionExpression=Key("gsi3pk").eq(f"ATTKEY#{bucket}/{key}")
        )["Items"]
        versions = {i.get("version_id") for i in items}
        hides_all = marker or version_id not in versions
        order = sequencer_order(sequencer)
        if hides_all and order:
            self._remember_removal(bucket, key, order, at)
        targets = [
            i
            for i in items
            if (i.get("version_id") == version_id and not marker)
            or (hides_all and not (order and str(i.get("sequencer") or "") > order))
        ]
        changed = 0
        for item in targets:
            try:
                self._table.update_item(
                    Key={"pk": item["pk"], "sk": item["sk"]},
                    UpdateExpression="SET #s = :deleted, deleted_at = :at",
                    ConditionExpression="#s = :accepted",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":deleted": "deleted", ":accepted": "accepted", ":at": at.isoformat()},
                )
                changed += 1
            except ClientError as err:
                if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
        return changed

    def _remember_removal(self, bucket: str, key: str, order: str, at: datetime) -> None:
        """Keep the newest delete marker's sequencer on the key item (`ATTKEY#{bucket}/{key}` / `REMOVED`)."""
        try:
            self._table.put_item(
                Item={**removal_key(bucket, key), "item_type": "attachment_key", "sequencer": order,
                      "removed_at": at.isoformat()},
                ConditionExpression="attribute_not_exists(pk) OR sequencer < :s",
                ExpressionAttributeValues={":s": order},
            )  # fmt: skip
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def removed_after(self, bucket: str, key: str, sequencer: str | None) -> bool:
        """True when a delete marker newer than the event `sequencer` was seen for the key."""
        order = sequencer_order(sequencer)
        if not order:
            return False
        item = self._table.get_item(Key=removal_key(bucket, key), ConsistentRead=True).get("Item")
        return bool(item) and str(item["sequencer"]) > order


def removal_key(bucket: str, key: str) -> dict[str, str]:
    return {"pk": f"ATTKEY#{bucket}/{key}", "sk": "REMOVED"}


def sequencer_order(sequencer: str | None) -> str:
    """S3's `sequencer` in a form that compares as strings: hex, upper case, left-padded with zeros (S3
    sequencers of one key may differ in length: the shorter one is padded on the left)."""
    if not sequencer:
        return ""
    return sequencer.strip().upper().rjust(SEQUENCER_WIDTH, "0")


SEQUENCER_WIDTH = 40

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

    def get(self, keys: dict[str, str]) -> AttachmentRecord | None:
        item = self._table.get_item(Key=keys, ConsistentRead=True).get("Item")
        return AttachmentRecord.model_validate(item) if item else None

    def put_new(self, record: AttachmentRecord) -> bool:
        """Write the record unless it exists; False when it already did (a duplicate delivery)."""
        item = {
            **{k: v for k, v in record.model_dump(mode="json").items() if v not in (None, [])},
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

    def mark_removed(self, bucket: str, key: str, version_id: str | None, at: datetime) -> int:
        """Mark accepted records of `key` deleted (kept for audit, as SMARTS's Delete does).

        A version-specific delete marks that version; a delete marker marks every accepted version.
        Returns how many records changed.
        """
        items = self._table.query(
            IndexName=GSI_BY_OBJECT, KeyConditionExpression=Key("gsi3pk").eq(f"ATTKEY#{bucket}/{key}")
        )["Items"]
        versions = {i.get("version_id") for i in items}
        targets = [i for i in items if version_id not in versions or i.get("version_id") == version_id]
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

"""What became of a facility's presigned uploads (`services.upload_grants.History`): the grants the API issued
(`FAC#{wdid}` / `UPLOADKEY#{key}`, the latest per key), the intakes' records of each key's versions (an
attachment's by the object index `gsi3-lookup` `ATTKEY#{bucket}/{key}`, the others' `UPLOAD#{bucket}/{key}` /
`V#{version}`), and presigned links to error reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key

from permitclock.adapters.attachment_records import GSI_BY_OBJECT
from permitclock.adapters.table import plain

GRANT_PREFIX = "UPLOADKEY#"


class UploadHistoryStore:
    def __init__(self, table: Any, bucket: str) -> None:
        self._table = table
        self._bucket = bucket

    def remember_grant(self, wdid: str, key: str, kind: str, uploaded_by: str, at: datetime) -> None:
        item = {"pk": f"FAC#{wdid}", "sk": f"{GRANT_PREFIX}{key}", "item_type": "upload_grant", "key": key,
                "kind": kind, "uploaded_by": uploaded_by, "granted_at": at.isoformat()}  # fmt: skip
        self._table.put_item(Item=item)

    def grants(self, wdid: str) -> list[dict[str, Any]]:
        """The facility's grants (one Query)."""
        condition = Key("pk").eq(f"FAC#{wdid}") & Key("sk").begins_with(GRANT_PREFIX)
        return [plain(i) for i in self._table.query(KeyConditionExpression=condition)["Items"]]

    def records(self, key: str, kind: str) -> list[dict[str, Any]]:
        """The intake's record of each version of `key` (one Query)."""
        if kind == "attachment":
            condition = Key("gsi3pk").eq(f"ATTKEY#{self._bucket}/{key}")
            items = self._table.query(IndexName=GSI_BY_OBJECT, KeyConditionExpression=condition)["Items"]
        else:
            condition = Key("pk").eq(f"UPLOAD#{self._bucket}/{key}") & Key("sk").begins_with("V#")
            items = self._table.query(KeyConditionExpression=condition)["Items"]
        return [plain(i) for i in items]


class S3ReportLinks:
    """Presigned GETs of error reports, signed by the API's role (IAM: `s3:GetObject` on them only)."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def link(self, key: str, expires_in: int) -> str:
        return str(
            self._s3.generate_presigned_url(
                "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=expires_in
            )
        )

"""Uploads (monitoring, program facts, the QISP registry): the object stream, the error report beside it, and
the upload record (`UPLOAD#{bucket}/{key}` / `V#{version id}`). The uploaded object itself is only ever read."""

from __future__ import annotations

import io
from typing import IO, Any

from botocore.exceptions import ClientError

from permitclock.adapters.table import plain


class _BodyStream(io.RawIOBase):
    """A botocore StreamingBody as a raw binary stream, so it can be buffered and decoded line by line."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._body.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        self._body.close()
        super().close()


class UploadObjects:
    """Reads uploads as streams (never whole) and writes error reports beside them (`{key}.errors.csv`)."""

    def __init__(self, s3: Any) -> None:
        self._s3 = s3

    def open(self, bucket: str, key: str, version_id: str | None, start: int = 0) -> IO[bytes]:
        """The version's bytes from `start` on (a ranged GET past 0)."""
        kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key, **({"VersionId": version_id} if version_id else {})}
        if start:
            kwargs["Range"] = f"bytes={start}-"
        body = self._s3.get_object(**kwargs)["Body"]
        return io.BufferedReader(_BodyStream(body), buffer_size=1 << 20)

    def metadata(self, bucket: str, key: str, version_id: str | None) -> dict[str, str]:
        """The version's user metadata (`x-amz-meta-*`, keys lower-cased by S3)."""
        kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key, **({"VersionId": version_id} if version_id else {})}
        return dict(self._s3.head_object(**kwargs).get("Metadata", {}))

    def put_report(self, bucket: str, key: str, body: IO[bytes]) -> str | None:
        """Write the report; its version id (None in an unversioned bucket)."""
        response = self._s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="text/csv")
        return response.get("VersionId")


class UploadRecords:
    """One record per uploaded object version: status, counts, layout, error report location."""

    def __init__(self, table: Any) -> None:
        self._table = table

    @staticmethod
    def key(bucket: str, key: str, version_id: str | None) -> dict[str, str]:
        return {"pk": f"UPLOAD#{bucket}/{key}", "sk": f"V#{version_id or 'null'}"}

    def get(self, bucket: str, key: str, version_id: str | None) -> dict[str, Any] | None:
        item = self._table.get_item(Key=self.key(bucket, key, version_id), ConsistentRead=True).get("Item")
        return plain(item) if item else None

    def start(self, bucket: str, key: str, version_id: str | None, attributes: dict[str, Any]) -> bool:
        """Claim the upload for processing; False when a finished record exists (a redelivered event)."""
        try:
            self._table.put_item(
                Item={**self.key(bucket, key, version_id), "item_type": "upload", "status": "processing", **attributes},
                ConditionExpression="attribute_not_exists(pk) OR #s = :processing",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":processing": "processing"},
            )
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def finish(self, bucket: str, key: str, version_id: str | None, attributes: dict[str, Any]) -> None:
        self._table.update_item(Key=self.key(bucket, key, version_id), **_set(attributes))

    def advance(self, bucket: str, key: str, version_id: str | None, resumes: int, attributes: dict[str, Any]) -> bool:
        """Set `attributes` on the `processing` record whose `resumes` is still `resumes` (one conditional
        UpdateItem); False when another delivery moved it on or finished it first."""
        update = _set(attributes)
        update["ExpressionAttributeNames"].update({"#status": "status", "#resumes": "resumes"})
        update["ExpressionAttributeValues"].update({":processing": "processing", ":resumes": resumes})
        try:
            self._table.update_item(
                Key=self.key(bucket, key, version_id),
                ConditionExpression="#status = :processing AND #resumes = :resumes",
                **update,
            )
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True


def _set(attributes: dict[str, Any]) -> dict[str, Any]:
    """An UpdateItem's `SET` of every attribute given."""
    return {
        "UpdateExpression": "SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(attributes))),
        "ExpressionAttributeNames": {f"#a{i}": k for i, k in enumerate(attributes)},
        "ExpressionAttributeValues": {f":a{i}": v for i, v in enumerate(attributes.values())},
    }

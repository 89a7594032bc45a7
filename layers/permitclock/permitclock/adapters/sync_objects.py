"""Objects the SMARTS sync writes under its prefixes of the documents bucket (`monitoring/sync/`,
`smarts/facilities/sync/`): written once, by a key that names their content."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError


class SyncObjects:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def exists(self, key: str) -> bool:
        try:
            self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as err:
            if err.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def put(self, key: str, body: bytes, metadata: dict[str, str]) -> None:
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType="text/csv", Metadata=metadata)

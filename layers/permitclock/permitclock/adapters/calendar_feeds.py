"""Calendar feeds in the documents bucket (`calendars/...`): read a feed's content hash, write and read a feed.

Each feed object carries the SHA-256 of its content (rendered with a fixed DTSTAMP) in its metadata, so a writer
can tell with one HEAD whether a rewrite would change anything.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from permitclock.notices.ics import FEED_CONTENT_TYPE

HASH_METADATA = "content-sha256"
_MISSING = ("404", "403", "NoSuchKey", "NotFound", "Forbidden", "AccessDenied")
"""What S3 answers for a key that is not there (403 / AccessDenied without `s3:ListBucket`)."""


class S3FeedStore:
    """Feeds under one bucket; the caller passes full keys (`calendars/facility/{wdid}.ics`, ...)."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self.bucket = bucket

    def content_hash(self, key: str) -> str | None:
        """The stored feed's content hash, or None when there is no feed yet.

        Without `s3:ListBucket` a missing key answers 403 rather than 404: both mean "write it"."""
        try:
            head = self._s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise
        return head.get("Metadata", {}).get(HASH_METADATA)

    def write(self, key: str, body: bytes, content_hash: str) -> None:
        self._s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType=FEED_CONTENT_TYPE,
            CacheControl="max-age=3600",
            Metadata={HASH_METADATA: content_hash},
        )

    def read(self, key: str) -> bytes | None:
        """The feed's bytes, or None before its first write (`GET /calendars/{token}.ics` serves them)."""
        try:
            return bytes(self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise

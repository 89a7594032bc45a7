"""Presigned S3 POSTs of the documents bucket (`services.upload_grants.PostSigner`): boto3's
`generate_presigned_post`, signed with the API function's role, whose IAM grants `s3:PutObject` only under the
upload prefixes (template `ApiFunction`, `PresignUploads`)."""

from __future__ import annotations

from typing import Any


class S3PostSigner:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def sign(self, key: str, fields: dict[str, str], *, max_bytes: int, expires_in: int) -> tuple[str, dict[str, str]]:
        """The url and form fields; the policy holds `bucket` and `key` (boto3 adds them), one `eq` condition per
        field and `content-length-range` 1 to `max_bytes`, and expires after `expires_in` seconds."""
        conditions: list[Any] = [{name: value} for name, value in fields.items()]
        conditions.append(["content-length-range", 1, max_bytes])
        post = self._s3.generate_presigned_post(
            Bucket=self._bucket, Key=key, Fields=dict(fields), Conditions=conditions, ExpiresIn=expires_in
        )
        return str(post["url"]), {str(k): str(v) for k, v in post["fields"].items()}

"""S3 browser-POST policies, checked on the local stack as S3 checks them (moto 5.2 stores any POST it is sent).

A presigned POST (`generate_presigned_post`) carries a base64 JSON policy, its SigV4 signature and the form fields.
S3 refuses the upload when the signature does not match, the policy has expired, a field breaks a condition
(`{"field": value}`, `["eq", "$field", value]`, `["starts-with", "$field", prefix]`), the file is outside
`content-length-range`, or the form holds a field no condition names (AWS: "Browser-Based Uploads Using POST",
"Creating a POST Policy"). `check` says which, as S3's error code and message; `apply()` makes moto's bucket POST
answer with it (installed by `infra.moto_gaps.apply`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from moto.s3 import responses

_PATCHED = "_permitclock_post_policy"
UNSIGNED_FIELDS = frozenset({"policy", "x-amz-signature", "file"})
"""Form fields no condition needs to name (with any `x-ignore-` field)."""


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _signature(secret: str, credential: str, policy: str) -> str:
    _, day, region, service, _ = credential.split("/")
    key = f"AWS4{secret}".encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, policy.encode(), hashlib.sha256).hexdigest()


def check(form: Mapping[str, str], size: int, bucket: str, secret: str, now: datetime) -> None:
    """`Refused` unless S3 would store this POST (`form`: the fields but the file; `size`: the file's bytes)."""
    fields = {k.lower(): v for k, v in form.items()}
    fields["bucket"] = bucket
    encoded = fields.get("policy", "")
    try:
        policy = json.loads(base64.b64decode(encoded, validate=True))
        expires = datetime.fromisoformat(str(policy["expiration"]).replace("Z", "+00:00"))
        conditions: list[Any] = list(policy["conditions"])
        expected = _signature(secret, fields["x-amz-credential"], encoded)
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise Refused(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON or missing fields.") from None
    if not hmac.compare_digest(expected, fields.get("x-amz-signature", "")):
        raise Refused(403, "SignatureDoesNotMatch", "The request signature we calculated does not match.")
    if expires <= now:
        raise Refused(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    named: set[str] = set()
    for condition in conditions:
        if isinstance(condition, dict):
            [(name, value)] = condition.items()
            condition = ["eq", f"${name}", value]
        operator, subject, value = condition
        if operator == "content-length-range":
            if size < int(subject):
                raise Refused(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size")
            if size > int(value):
                raise Refused(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
            continue
        name = str(subject).removeprefix("$").lower()
        named.add(name)
        given = fields.get(name)
        if given is None or (given != value if operator == "eq" else not given.startswith(str(value))):
            raise Refused(403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {condition}")
    extra = sorted(n for n in fields if n not in named | UNSIGNED_FIELDS and not n.startswith("x-ignore-"))
    if extra:
        raise Refused(403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {', '.join(extra)}")


def _checked(original: Any) -> Any:
    def bucket_response_post(self: Any, request: Any, bucket_name: str) -> Any:
        if "delete" in self.querystring:  # DeleteObjects, not a browser upload
            return original(self, request, bucket_name)
        from boto3 import Session

        credentials = Session().get_credentials()
        form = {k: v for k, v in self.form_data.items() if k != "file"}
        body = self.body if isinstance(self.body, bytes) else str(self.body or "").encode()
        try:
            check(form, len(body), bucket_name, credentials.secret_key if credentials else "", datetime.now(UTC))
        except Refused as err:
            xml = f"<Error><Code>{err.code}</Code><Message>{escape(err.message)}</Message></Error>"
            return err.status, {"Content-Type": "application/xml"}, xml
        return original(self, request, bucket_name)

    return bucket_response_post


def apply() -> None:
    """Make moto's bucket POST check the policy first (idempotent)."""
    if getattr(responses, _PATCHED, False):
        return
    responses.S3Response._bucket_response_post = _checked(responses.S3Response._bucket_response_post)  # type: ignore[method-assign]
    setattr(responses, _PATCHED, True)

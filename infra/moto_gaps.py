"""Fill the gaps in moto's S3 notifications so local events have the shape real S3 sends.

1. Real S3 puts `versionId` (versioned buckets) and `sequencer` (PUT and DELETE) in each record; moto omits
   both. The sequencer is what orders events for one key, so the intake's ordering logic needs it. moto also
   omits `userIdentity`, `requestParameters`, `responseElements` and the bucket's `ownerIdentity`, which
   powertools' `S3Model` (the intakes' parser, `permitclock.events`) requires as every real record has them.
2. Real S3 sends `ObjectRemoved:DeleteMarkerCreated` when a versioned object is deleted; moto sends nothing.
3. Real S3 checks a browser POST's policy (signature, expiry, conditions, size); moto stores any POST
   (`infra.post_policy`).

Applied once per process by `infra.local_stack.provision()`; nothing else in moto is touched.
"""

from __future__ import annotations

import itertools
from typing import Any

from moto.s3 import models, notifications

from infra import post_policy

_sequence = itertools.count(1)
_PATCHED = "_permitclock_patched"
PRINCIPAL = "AWS:AIDAJLOCALSTACKEXAMPLE"
"""Who made the request, as S3 names it in `userIdentity` (the local stack has one caller)."""


def real_fields(record: dict[str, Any], request_id: str) -> dict[str, Any]:
    """`record` with the fields of a real S3 notification record that moto leaves out."""
    record.setdefault("userIdentity", {"principalId": PRINCIPAL})
    record.setdefault("requestParameters", {"sourceIPAddress": "127.0.0.1"})
    record.setdefault("responseElements", {"x-amz-request-id": request_id, "x-amz-id-2": f"{request_id}/local"})
    record["s3"]["bucket"].setdefault("ownerIdentity", {"principalId": PRINCIPAL.removeprefix("AWS:")})
    return record


def notification(
    bucket: str, raw_key: str, *, size: int, e_tag: str, version_id: str, event_name: str = "ObjectCreated:Put"
) -> dict[str, Any]:
    """The body S3 would send for one object event moto does not notify (`raw_key` already URL-encoded)."""
    sequence = next(_sequence)
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-west-2",
        "eventTime": "2026-12-02T17:00:00.000Z",
        "eventName": event_name,
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "local",
            "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
            "object": {"key": raw_key, "size": size, "eTag": e_tag, "versionId": version_id,
                       "sequencer": f"{sequence:016X}"},
        },
    }  # fmt: skip
    return {"Records": [real_fields(record, f"{sequence:016X}")]}


def _with_version_and_sequencer(original: Any) -> Any:
    def build(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
        if isinstance(key, models.FakeDeleteMarker):
            hidden = key.key
            while isinstance(hidden, models.FakeDeleteMarker):  # deleting a key whose latest is a marker
                hidden = hidden.key
            body = original(event_name, bucket, hidden, notification_id)
            obj = body["Records"][0]["s3"]["object"]
            obj.pop("size", None)
            obj.pop("eTag", None)
        else:
            body = original(event_name, bucket, key, notification_id)
            obj = body["Records"][0]["s3"]["object"]
        if bucket.is_versioned:
            obj["versionId"] = str(key.version_id)
        sequence = next(_sequence)
        obj["sequencer"] = f"{sequence:016X}"
        real_fields(body["Records"][0], f"{sequence:016X}")
        return body

    return build


def _notify_delete_markers(original: Any) -> Any:
    def set_delete_marker(self: Any, bucket_name: str, key_name: str) -> Any:
        marker = original(self, bucket_name, key_name)
        notifications.send_event(
            self.account_id,
            notifications.S3NotificationEvent.OBJECT_REMOVED_DELETE_MARKER_CREATED_EVENT,
            self.get_bucket(bucket_name),
            marker,
        )
        return marker

    return set_delete_marker


def apply() -> None:
    """Patch moto's S3 notification builder, delete-marker path and bucket POST (idempotent)."""
    post_policy.apply()
    if getattr(notifications, _PATCHED, False):
        return
    notifications._get_s3_event = _with_version_and_sequencer(notifications._get_s3_event)
    models.S3Backend._set_delete_marker = _notify_delete_markers(models.S3Backend._set_delete_marker)  # type: ignore[method-assign]
    setattr(notifications, _PATCHED, True)

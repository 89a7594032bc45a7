"""Fill two gaps in moto's S3 notifications so local events have the shape real S3 sends.

1. Real S3 puts `versionId` (versioned buckets) and `sequencer` (PUT and DELETE) in each record; moto omits
   both. The sequencer is what orders events for one key, so the intake's ordering logic needs it.
2. Real S3 sends `ObjectRemoved:DeleteMarkerCreated` when a versioned object is deleted; moto sends nothing.

Applied once per process by `infra.local_stack.provision()`; nothing else in moto is touched.
"""

from __future__ import annotations

import itertools
from typing import Any

from moto.s3 import models, notifications

_sequence = itertools.count(1)
_PATCHED = "_permitclock_patched"


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
        obj["sequencer"] = f"{next(_sequence):016X}"
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
    """Patch moto's S3 notification builder and delete-marker path (idempotent)."""
    if getattr(notifications, _PATCHED, False):
        return
    notifications._get_s3_event = _with_version_and_sequencer(notifications._get_s3_event)
    models.S3Backend._set_delete_marker = _notify_delete_markers(models.S3Backend._set_delete_marker)  # type: ignore[method-assign]
    setattr(notifications, _PATCHED, True)

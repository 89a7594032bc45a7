"""S3 event notifications as they arrive in an SQS message body, reduced to what the intake services need.

The body is either S3's one-off `s3:TestEvent` (sent when a notification configuration is saved: ignored), our
own resume message (`resume_message`: the monitoring intake continuing a checkpointed upload), or an event
notification, read with powertools' `S3Model` (the body model of its `S3SqsEventNotificationModel`),
which requires every field real S3 sends (`eventVersion`, `userIdentity`, `requestParameters`, `size` and `eTag`
of a created object, ...). The handlers' batch processors keep `SqsRecordModel` and read the body here, so a test
event is skipped rather than failed into the dead-letter queue. Keys are URL-encoded and decoded here exactly
once; `versionId` (a versioned bucket) and `sequencer` are optional in the model, and S3 sends both for ours.
"""

from __future__ import annotations

import json
from typing import Literal

from aws_lambda_powertools.utilities.parser.models import S3Model, S3RecordModel
from pydantic import BaseModel, ConfigDict, ValidationError

from permitclock.domain.uploads import decode_s3_key
from permitclock.errors import BadInput

RESUME_EVENT = "permitclock:ResumeUpload"
"""The `Event` of a resume message: the object event whose upload goes on from its record's checkpoint."""


class ObjectEvent(BaseModel):
    """One object created or removed, with its key decoded."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["created", "removed"]
    event_name: str
    bucket: str
    key: str
    size: int | None = None
    version_id: str | None = None
    e_tag: str | None = None
    sequencer: str | None = None
    event_time: str | None = None


def resume_message(event: ObjectEvent) -> str:
    """The queue message that continues `event`'s upload from the checkpoint its record holds."""
    return json.dumps({"Event": RESUME_EVENT, "Object": event.model_dump(mode="json")})


def object_events(body: str) -> list[ObjectEvent]:
    """The object events in one SQS message body; `[]` for `s3:TestEvent`. Raises `BadInput` if unreadable."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # also nesting deeper than the parser's stack, integers over 4300 digits
        raise BadInput("the queue message is not JSON", code="bad_event") from None
    if isinstance(payload, dict) and payload.get("Event") == "s3:TestEvent":
        return []
    if isinstance(payload, dict) and payload.get("Event") == RESUME_EVENT:
        try:
            return [ObjectEvent.model_validate(payload.get("Object"))]
        except ValidationError:
            raise BadInput("the queue message is not a readable resume message", code="bad_event") from None
    try:
        notification = S3Model.model_validate(payload)
    except (ValidationError, TypeError, AttributeError):  # S3Model's own pre-check assumes objects where it looks
        raise BadInput("the queue message is not an S3 event notification", code="bad_event") from None
    return [_object_event(r) for r in notification.Records]


def _object_event(record: S3RecordModel) -> ObjectEvent:
    obj = record.s3.object
    if obj is None:  # only Intelligent-Tiering events lack it; the bucket notifies none
        raise BadInput(f"an S3 {record.eventName} event names no object", code="bad_event")
    return ObjectEvent(
        kind="removed" if record.eventName.startswith("ObjectRemoved") else "created",
        event_name=record.eventName,
        bucket=record.s3.bucket.name,
        key=decode_s3_key(obj.key),
        size=None if obj.size is None else int(obj.size),
        version_id=obj.versionId,
        e_tag=obj.eTag,
        sequencer=obj.sequencer,
        event_time=record.eventTime.isoformat(),
    )

"""S3 event notifications as they arrive in an SQS message body, reduced to what the intake services need.

The body is either S3's one-off `s3:TestEvent` (ignored) or `{"Records": [...]}`. Keys are URL-encoded and
decoded here exactly once. `versionId` and `sequencer` are optional: real S3 sends them for a versioned
bucket, moto omits them.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from permitclock.domain.uploads import decode_s3_key
from permitclock.errors import BadInput


class _S3Object(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key: str
    size: int | None = None
    e_tag: str | None = Field(None, alias="eTag")
    version_id: str | None = Field(None, alias="versionId")
    sequencer: str | None = None


class _S3Bucket(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str


class _S3Entity(BaseModel):
    model_config = ConfigDict(extra="ignore")

    bucket: _S3Bucket
    object: _S3Object


class _S3Record(BaseModel):
    model_config = ConfigDict(extra="ignore")

    event_name: str = Field(alias="eventName")
    event_time: str | None = Field(None, alias="eventTime")
    s3: _S3Entity


class _S3Notification(BaseModel):
    model_config = ConfigDict(extra="ignore")

    records: list[_S3Record] = Field(alias="Records")


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


def object_events(body: str) -> list[ObjectEvent]:
    """The object events in one SQS message body; `[]` for `s3:TestEvent`. Raises `BadInput` if unreadable."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # also nesting deeper than the parser's stack, integers over 4300 digits
        raise BadInput("the queue message is not JSON", code="bad_event") from None
    if isinstance(payload, dict) and payload.get("Event") == "s3:TestEvent":
        return []
    try:
        notification = _S3Notification.model_validate(payload)
    except ValidationError:
        raise BadInput("the queue message is not an S3 event notification", code="bad_event") from None
    return [
        ObjectEvent(
            kind="removed" if r.event_name.startswith("ObjectRemoved") else "created",
            event_name=r.event_name,
            bucket=r.s3.bucket.name,
            key=decode_s3_key(r.s3.object.key),
            size=r.s3.object.size,
            version_id=r.s3.object.version_id,
            e_tag=r.s3.object.e_tag,
            sequencer=r.s3.object.sequencer,
            event_time=r.event_time,
        )
        for r in notification.records
    ]

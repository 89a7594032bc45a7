"""Queues notices for the notifier, and work messages for the functions that take their own queue's work."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from permitclock.domain.notices import NoticeRequest


class SqsNoticePublisher:
    """Sends `NoticeRequest`s to the notices queue; the notifier makes each (notice, recipient) send once."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def publish(self, notice: NoticeRequest) -> None:
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=notice.model_dump_json())


class SqsMessages:
    """Sends message bodies to one queue, ten a request (SendMessageBatch): the July 1 planner's work for the
    level workers, the monitoring intake's next part of a checkpointed upload."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._url = queue_url

    def send(self, bodies: Sequence[str]) -> None:
        for start in range(0, len(bodies), 10):
            entries = [{"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies[start : start + 10])]
            response = self._sqs.send_message_batch(QueueUrl=self._url, Entries=entries)
            if response.get("Failed"):
                raise RuntimeError(f"{len(response['Failed'])} messages were not accepted by SQS")

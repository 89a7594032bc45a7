"""Queues notices for the notifier."""

from __future__ import annotations

from typing import Any

from permitclock.domain.notices import NoticeRequest


class SqsNoticePublisher:
    """Sends `NoticeRequest`s to the notices queue; the notifier makes each (notice, recipient) send once."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def publish(self, notice: NoticeRequest) -> None:
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=notice.model_dump_json())

"""Notice outbox relay: every five minutes, publish the notices a crash left in the outbox (see
`permitclock.adapters.notice_outbox`)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from permitclock.adapters.notice_outbox import NoticeOutbox
from permitclock.adapters.publisher import SqsNoticePublisher
from permitclock.clock import SystemClock
from permitclock.settings import StackSettings

logger = Logger()
tracer = Tracer()
metrics = Metrics()
settings = StackSettings()  # type: ignore[call-arg]  # filled from the environment


@cache
def outbox() -> NoticeOutbox:
    return NoticeOutbox(boto3.resource("dynamodb").Table(settings.table_name))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """`now` in the schedule input (local runs only) stands in for the clock."""
    now = datetime.fromisoformat(event["now"]) if "now" in event else SystemClock().now()
    relayed = outbox().relay(SqsNoticePublisher(boto3.client("sqs"), settings.notices_queue_url), now)
    metrics.add_metric(name="outbox_notices_relayed", unit=MetricUnit.Count, value=relayed)
    if relayed:
        logger.warning("notices relayed from the outbox", relayed=relayed)
    return {"relayed": relayed}

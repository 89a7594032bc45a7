"""Notifier: notice requests (via SQS) -> rendered emails through SES v2, once per (notice, recipient).

Thin handler: BatchProcessor with partial batch failures; a message whose sends were throttled is reported
failed so SQS redelivers it (the recipients already sent are protected by their send claims).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from permitclock import bootstrap
from permitclock.domain.notices import NoticeRequest
from permitclock.settings import NotifierSettings

logger = Logger()
tracer = Tracer()
metrics = Metrics()
settings = NotifierSettings()  # type: ignore[call-arg]  # filled from the environment
processor = BatchProcessor(event_type=EventType.SQS, model=SqsRecordModel)
wiring = bootstrap.Wiring(lambda runtime: bootstrap.notifier(settings, runtime))


def record_handler(record: SqsRecordModel) -> list[str]:
    request = NoticeRequest.model_validate_json(record.body)
    deliveries = wiring.service.handle(request)
    for d in deliveries:
        metrics.add_metric(name=f"notice_{d.outcome}", unit=MetricUnit.Count, value=1)
    logger.info(
        "notice handled",
        notice_id=request.notice_id,
        kind=request.kind,
        outcomes=[(d.recipient_hash[:12], d.outcome) for d in deliveries],
    )
    return [d.outcome for d in deliveries]


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)

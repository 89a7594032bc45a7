"""Notifier: notice requests (via SQS) -> rendered emails through SES v2, once per (notice, recipient).

Thin handler: BatchProcessor with partial batch failures; a message whose sends were throttled is reported
failed so SQS redelivers it (the recipients already sent are protected by their send claims).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from permitclock.adapters.facilities import FacilityDirectory
from permitclock.adapters.mailer import SesMailer, default_client_factory
from permitclock.adapters.send_claims import SendClaims
from permitclock.clock import SystemClock
from permitclock.domain.notices import NoticeRequest
from permitclock.services.notifier import Notifier
from permitclock.settings import NotifierSettings

logger = Logger()
tracer = Tracer()
metrics = Metrics()
settings = NotifierSettings()  # type: ignore[call-arg]  # filled from the environment
processor = BatchProcessor(event_type=EventType.SQS, model=SqsRecordModel)


@cache
def notifier() -> Notifier:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    claims = SendClaims(table)
    return Notifier(
        directory=FacilityDirectory(table),
        claims=claims,
        mailer=SesMailer(
            default_client_factory(),
            settings.notice_from_address,
            configuration_set=settings.ses_configuration_set or None,
        ),
        clock=SystemClock(),
    )


def record_handler(record: SqsRecordModel) -> list[str]:
    request = NoticeRequest.model_validate_json(record.body)
    deliveries = notifier().handle(request)
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

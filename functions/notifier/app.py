"""Notifier: notice requests (via SQS) -> rendered emails through SES v2, once per (notice, recipient).

Thin handler: BatchProcessor with partial batch failures; a message whose sends were throttled or held, or that
raised after a claim (the claim released), is reported failed so SQS redelivers it (the recipients already sent
are protected by their send claims).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from permitclock import bootstrap
from permitclock.domain.notices import NoticeRequest
from permitclock.observability import count, logger, observed
from permitclock.settings import NotifierSettings

settings = NotifierSettings()  # type: ignore[call-arg]  # filled from the environment
processor = BatchProcessor(event_type=EventType.SQS, model=SqsRecordModel)
wiring = bootstrap.Wiring(lambda runtime: bootstrap.notifier(settings, runtime))


def record_handler(record: SqsRecordModel) -> list[str]:
    request = NoticeRequest.model_validate_json(record.body)
    deliveries = wiring.service.handle(request)
    for d in deliveries:
        count(f"notices_{d.outcome}")  # notices_sent, notices_failed, notices_suppressed, notices_already_sent
    logger.info(
        "notice handled",
        notice_id=request.notice_id,
        kind=request.kind,
        outcomes=[(d.recipient_hash[:12], d.outcome) for d in deliveries],
    )
    return [d.outcome for d in deliveries]


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)

"""Attachment validator: S3 events for `attachments/` (via SQS) -> validate, record or quarantine.

Thin handler: parse each SQS record (powertools parser + BatchProcessor, partial batch failures), run the
`AttachmentIntake` service once per object version (powertools idempotency on bucket/key/version), return.
A message that is not an S3 notification raises, so it is retried and then dead-lettered; a hostile file never
raises: its verdict is final. A checker starved by a busy machine (`CheckerStarved`) raises too: no verdict, retried.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from permitclock import bootstrap
from permitclock.events import ObjectEvent, object_events
from permitclock.observability import count_upload, logger, observed
from permitclock.settings import AttachmentValidatorSettings

settings = AttachmentValidatorSettings()  # type: ignore[call-arg]  # filled from the environment
processor = BatchProcessor(event_type=EventType.SQS, model=SqsRecordModel)
idempotency = IdempotencyConfig(event_key_jmespath="[bucket, key, version_id, e_tag, kind]")
persistence = DynamoDBPersistenceLayer(
    table_name=settings.table_name,
    key_attr="pk",
    sort_key_attr="sk",
    static_pk_value="IDEMPOTENCY#attachment-validator",
    expiry_attr="expires_at",
)
wiring = bootstrap.Wiring(lambda runtime: bootstrap.attachment_intake(settings, runtime))


@idempotent_function(data_keyword_argument="event", config=idempotency, persistence_store=persistence)
def handle_object(event: ObjectEvent) -> dict[str, Any]:
    result = wiring.service.handle(event)
    logger.info("attachment handled", outcome=result.outcome, attachment_id=result.attachment_id, codes=result.codes)
    count_upload(result.outcome)
    return {"outcome": result.outcome, "attachment_id": result.attachment_id, "codes": list(result.codes)}


def record_handler(record: SqsRecordModel) -> list[dict[str, Any]]:
    return [handle_object(event=event) for event in object_events(record.body)]


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    idempotency.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)

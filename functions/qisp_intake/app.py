"""QISP registry intake: S3 events for `qisp/` (via SQS) -> registry items in the state table.

Thin handler: parse each SQS record (powertools parser + BatchProcessor, partial batch failures) and run the
`QispIntake` service per object event. A message that is not an S3 notification raises, so it is retried and
then dead-lettered; a bad CSV never raises: its verdict is in the upload record.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from permitclock import bootstrap
from permitclock.events import object_events
from permitclock.observability import count_upload, logger, observed
from permitclock.settings import QispIntakeSettings

settings = QispIntakeSettings()  # type: ignore[call-arg]  # filled from the environment
processor = BatchProcessor(event_type=EventType.SQS, model=SqsRecordModel)
wiring = bootstrap.Wiring(lambda runtime: bootstrap.qisp_intake(settings, runtime))


def record_handler(record: SqsRecordModel) -> list[dict[str, Any]]:
    out = []
    for event in object_events(record.body):
        result = wiring.service.handle(event)
        logger.info(
            "qisp registry upload handled",
            outcome=result.outcome,
            loaded=result.loaded,
            rejected_rows=result.rejected_rows,
            codes=list(result.codes),
        )
        count_upload(result.outcome, rows_rejected=result.rejected_rows)
        out.append({"outcome": result.outcome, "loaded": result.loaded, "rejected_rows": result.rejected_rows})
    return out


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)

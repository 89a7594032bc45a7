"""Program facts intake: S3 events for `programs/` (via SQS) -> obligations and the facts document.

Thin handler: parse each SQS record (powertools parser + BatchProcessor, partial batch failures) and run the
`ProgramIntake` service per object event. A message that is not an S3 notification raises, so it is retried
and then dead-lettered; bad facts never raise: the verdict, with the field, is in the upload record.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from permitclock import bootstrap
from permitclock.events import object_events
from permitclock.observability import count_upload, logger, observed
from permitclock.settings import ProgramIntakeSettings

settings = ProgramIntakeSettings()  # type: ignore[call-arg]  # filled from the environment
processor = BatchProcessor(event_type=EventType.SQS, model=SqsRecordModel)
wiring = bootstrap.Wiring(lambda runtime: bootstrap.program_intake(settings, runtime))


def record_handler(record: SqsRecordModel) -> list[dict[str, Any]]:
    out = []
    for event in object_events(record.body):
        result = wiring.service.handle(event)
        logger.info(
            "program facts upload handled",
            outcome=result.outcome,
            program=result.program,
            code=result.code,
            **result.counts,
        )
        count_upload(result.outcome)
        out.append({"outcome": result.outcome, "program": result.program, **result.counts})
    return out


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)

"""SMARTS intake: S3 events for `smarts/` (via SQS), each to the use case of its prefix (`SmartsIntake`): a
"Current Level 1 and Level 2 Pollutant Search" export under `smarts/levels/` is reconciled against the stored
Levels; an "Industrial Annual Reports" download under `smarts/annual-reports/` closes the Annual Reports it shows
certified; an "Industrial Application Specific Data" file under `smarts/facilities/` (the daily sync's pages too)
updates the facility profiles.

Thin handler: parse each SQS record (powertools parser + BatchProcessor, partial batch failures) and run the
service per object event. A message that is not an S3 notification raises, so it is retried and then
dead-lettered; a file that is not a SMARTS file is rejected on its upload record, never raised.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from permitclock import bootstrap
from permitclock.events import object_events
from permitclock.observability import count, logger, observed
from permitclock.settings import StackSettings

settings = StackSettings()  # type: ignore[call-arg]  # filled from the environment
processor = BatchProcessor(event_type=EventType.SQS, model=SqsRecordModel)
wiring = bootstrap.Wiring(lambda runtime: bootstrap.smarts_intake(settings, runtime))


def record_handler(record: SqsRecordModel) -> list[dict[str, Any]]:
    out = []
    for event in object_events(record.body):
        result = wiring.service.handle(event)
        logger.info("smarts upload handled", outcome=result.outcome, error=result.error, **result.counts)
        count(f"smarts_upload_{result.outcome}")
        out.append({"outcome": result.outcome, **result.counts})
    return out


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)

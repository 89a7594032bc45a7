"""Level worker: work messages from the level work queue -> one facility-year assignment per WDID.

BatchProcessor with partial batch failures: a message whose facilities all succeeded is deleted; one with a
failed facility is retried (facilities already written are skipped by their marker) and dead-lettered after
maxReceiveCount.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from permitclock import bootstrap
from permitclock.observability import count, logger, observed
from permitclock.services.annual_run import WorkMessage
from permitclock.settings import LevelWorkerSettings

settings = LevelWorkerSettings()  # type: ignore[call-arg]  # filled from the environment
processor = BatchProcessor(event_type=EventType.SQS, model=SqsRecordModel)


def _facility_failed(wdid: str, err: Exception) -> None:
    logger.warning("facility failed", wdid=wdid, error=type(err).__name__, code=getattr(err, "code", None))


wiring = bootstrap.Wiring(lambda runtime: bootstrap.level_worker(settings, runtime, on_error=_facility_failed))


def record_handler(record: SqsRecordModel) -> dict[str, Any]:
    message = WorkMessage.model_validate_json(record.body)
    results = wiring.service.process(message)
    for result in results:
        for a in result.assignments:
            if a.changed:
                logger.info(
                    "level changed",
                    run_id=message.run_id,
                    wdid=a.wdid,
                    parameter=a.parameter,
                    reporting_year=a.reporting_year,
                    prior_level=a.prior_level,
                    level=a.level,
                    dry_run=message.dry_run,
                )
    count("annual_facilities_evaluated", len(results))
    return {"facilities": len(results)}


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)

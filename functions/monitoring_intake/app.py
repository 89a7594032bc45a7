"""Monitoring intake: S3 events for `monitoring/` (via SQS) -> stream the SMARTS file into samples.

Thin handler: BatchSize 1 (a statewide file can take minutes), each object version handled once (the upload
record claims it; sample writes are idempotent by key, so a retry after a crash stores nothing twice). The
invocation's remaining time goes to the intake, which checkpoints a download it cannot finish and queues the rest.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from permitclock import bootstrap
from permitclock.events import object_events
from permitclock.observability import count, count_upload, logger, observed
from permitclock.settings import MonitoringIntakeSettings

settings = MonitoringIntakeSettings()  # type: ignore[call-arg]  # filled from the environment
processor = BatchProcessor(event_type=EventType.SQS, model=SqsRecordModel)


def _progress(figures: dict[str, Any]) -> None:
    logger.info("monitoring upload progress", **figures)


wiring = bootstrap.Wiring(lambda runtime: bootstrap.monitoring_intake(settings, runtime, progress=_progress))


def record_handler(record: SqsRecordModel, lambda_context: LambdaContext) -> list[dict[str, Any]]:
    out = []
    for event in object_events(record.body):
        result = wiring.service.handle(event, time_left=lambda_context.get_remaining_time_in_millis)
        logger.info(
            "monitoring upload handled",
            outcome=result.outcome,
            kind=result.kind,
            rows_read=result.rows_read,
            stored=result.stored,
            already_stored=result.existing,
            rejected=result.rejected,
            skipped_unregistered=result.skipped_unregistered,
            resumes=result.resumes,
            resume_line=result.resume_line,
            error_report_key=result.error_report_key,
        )
        count("monitoring_rows_stored", result.stored - result.stored_before)
        count_upload(result.outcome, rows_rejected=result.rejected - result.rejected_before)
        out.append({"outcome": result.outcome, "stored": result.stored, "rejected": result.rejected})
    return out


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)

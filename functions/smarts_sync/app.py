"""SMARTS sync: a schedule (`{"job": "smarts-sync"}`, daily by default, template parameters `SmartsSyncSchedule`,
`SmartsSyncEnabled`) fetches the registered facilities' SMARTS data from the open-data portal into the bucket
(`SmartsSync`). Thin handler: validate the input, run the service, log and return the report (facilities,
pages, objects written and already there, and every error with its facility, resource and offset)."""

from __future__ import annotations

from typing import Any, Literal

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from permitclock import bootstrap
from permitclock.settings import SmartsSyncSettings
from pydantic import BaseModel

logger = Logger()
tracer = Tracer()
metrics = Metrics()
settings = SmartsSyncSettings()  # type: ignore[call-arg]  # filled from the environment
wiring = bootstrap.Wiring(lambda runtime: bootstrap.smarts_sync(settings, runtime))


class SyncRequest(BaseModel):
    job: Literal["smarts-sync"]


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    SyncRequest.model_validate(event)
    report = wiring.service.run()
    summary = report.summary()
    logger.info("smarts sync done", **{k: v for k, v in summary.items() if k != "errors"}, errors=len(report.errors))
    for error in report.errors:
        logger.warning("smarts sync error", **error)
    metrics.add_metric(name="smarts_sync_objects_written", unit=MetricUnit.Count, value=report.written)
    metrics.add_metric(name="smarts_sync_errors", unit=MetricUnit.Count, value=len(report.errors))
    return summary

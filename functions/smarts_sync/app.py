"""SMARTS sync: a schedule (`{"job": "smarts-sync"}`, daily by default, template parameters `SmartsSyncSchedule`,
`SmartsSyncEnabled`) fetches the registered facilities' SMARTS data from the open-data portal into the bucket
(`SmartsSync`). Thin handler: validate the input, run the service, log and return the report (facilities,
pages, objects written and already there, and every error with its facility, resource and offset)."""

from __future__ import annotations

from typing import Any, Literal

from aws_lambda_powertools.utilities.typing import LambdaContext
from permitclock import bootstrap
from permitclock.observability import count, logger, observed
from permitclock.settings import SmartsSyncSettings
from pydantic import BaseModel

settings = SmartsSyncSettings()  # type: ignore[call-arg]  # filled from the environment
wiring = bootstrap.Wiring(lambda runtime: bootstrap.smarts_sync(settings, runtime))


class SyncRequest(BaseModel):
    job: Literal["smarts-sync"]


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    SyncRequest.model_validate(event)
    report = wiring.service.run()
    summary = report.summary()
    logger.info("smarts sync done", **{k: v for k, v in summary.items() if k != "errors"}, errors=len(report.errors))
    for error in report.errors:
        logger.warning("smarts sync error", **error)
    count("smarts_sync_objects_written", report.written)
    count("smarts_sync_errors", len(report.errors))
    return summary

"""Annual planner: the July 1 schedule (`{"job": "annual"}`) -> run summary + work messages per facility batch.

The input may carry `on` (YYYY-MM-DD) and `dry_run` (the local CLI, a manual rerun); without `on` the run date
is today in America/Los_Angeles. The reporting year is the one just ended on that date.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from permitclock import bootstrap
from permitclock.observability import count, logger, observed
from permitclock.services.annual_run import RunRequest
from permitclock.settings import AnnualPlannerSettings

settings = AnnualPlannerSettings()  # type: ignore[call-arg]  # filled from the environment
wiring = bootstrap.Wiring(lambda runtime: bootstrap.annual_planner(settings, runtime))


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = RunRequest.model_validate(event)
    result = wiring.service.plan(request)
    logger.info(
        "annual run planned",
        run_id=result.run_id,
        reporting_year=result.reporting_year,
        facilities=result.facilities,
        messages=result.messages,
        dry_run=result.dry_run,
    )
    count("annual_facilities_planned", result.facilities)
    return {
        "run_id": result.run_id,
        "on": result.on.isoformat(),
        "reporting_year": result.reporting_year,
        "dry_run": result.dry_run,
        "facilities": result.facilities,
        "messages": result.messages,
    }

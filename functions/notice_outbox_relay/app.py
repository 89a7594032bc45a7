"""Notice outbox relay: every five minutes, publish the notices a crash left in the outbox (see
`permitclock.adapters.notice_outbox`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from permitclock import bootstrap
from permitclock.settings import StackSettings

logger = Logger()
tracer = Tracer()
metrics = Metrics()
settings = StackSettings()  # type: ignore[call-arg]  # filled from the environment
wiring = bootstrap.Wiring(lambda runtime: bootstrap.notice_relay(settings, runtime))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """`now` in the schedule input (local runs only) stands in for the clock."""
    relayed = wiring.service.relay(datetime.fromisoformat(event["now"]) if "now" in event else None)
    metrics.add_metric(name="outbox_notices_relayed", unit=MetricUnit.Count, value=relayed)
    if relayed:
        logger.warning("notices relayed from the outbox", relayed=relayed)
    return {"relayed": relayed}

"""Notice outbox relay: every five minutes, publish the notices a crash left in the outbox (see
`permitclock.adapters.notice_outbox`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from permitclock import bootstrap
from permitclock.observability import count, logger, observed
from permitclock.settings import StackSettings

settings = StackSettings()  # type: ignore[call-arg]  # filled from the environment
wiring = bootstrap.Wiring(lambda runtime: bootstrap.notice_relay(settings, runtime))


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """`now` in the schedule input (local runs only) stands in for the clock."""
    relayed = wiring.service.relay(datetime.fromisoformat(event["now"]) if "now" in event else None)
    count("outbox_notices_relayed", relayed)
    if relayed:
        logger.warning("notices relayed from the outbox", relayed=relayed)
    return {"relayed": relayed}

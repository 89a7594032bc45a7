"""Bounce handler: SES bounce and complaint events (SNS) -> the suppression list the notifier checks.

Thin handler: the SNS event is parsed with powertools' `SnsModel`; each record's `Message` is SES's JSON.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import SnsModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from permitclock import bootstrap
from permitclock.observability import count, logger, observed
from permitclock.settings import BounceHandlerSettings

settings = BounceHandlerSettings()  # type: ignore[call-arg]  # filled from the environment
wiring = bootstrap.Wiring(lambda runtime: bootstrap.bounce_handler(settings, runtime))


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    sns = parse(event=event, model=SnsModel)
    changes = wiring.service.handle_messages(r.Sns.Message for r in sns.Records)
    count("addresses_suppressed", len(changes))
    logger.info("ses events handled", records=len(sns.Records), suppressed=[c.recipient_hash[:12] for c in changes])
    return {"suppressed": len(changes)}

"""Bounce handler: SES bounce and complaint events (SNS) -> the suppression list the notifier checks.

Thin handler: the SNS event is parsed with powertools' `SnsModel`; each record's `Message` is SES's JSON.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import SnsModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from permitclock.adapters.send_claims import SendClaims
from permitclock.clock import SystemClock
from permitclock.services.bounces import BounceHandler
from permitclock.settings import BounceHandlerSettings

logger = Logger()
tracer = Tracer()
metrics = Metrics()
settings = BounceHandlerSettings()  # type: ignore[call-arg]  # filled from the environment


@cache
def bounce_handler() -> BounceHandler:
    return BounceHandler(SendClaims(boto3.resource("dynamodb").Table(settings.table_name)))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    sns = parse(event=event, model=SnsModel)
    changes = bounce_handler().handle_messages((r.Sns.Message for r in sns.Records), SystemClock().now())
    metrics.add_metric(name="addresses_suppressed", unit=MetricUnit.Count, value=len(changes))
    logger.info("ses events handled", records=len(sns.Records), suppressed=[c.recipient_hash[:12] for c in changes])
    return {"suppressed": len(changes)}

"""HTTP API: API Gateway HTTP API (JWT authorizer) events -> the `permitclock.api` resolver.

Thin handler: the resolver parses, authorises and answers; the dependencies (store, notice publisher, clock)
are built on the first request, not at import, so tests and cold starts without AWS never touch boto3.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from permitclock.adapters.obligations import ObligationStore
from permitclock.adapters.programs import ProgramFactsStore
from permitclock.adapters.publisher import SqsNoticePublisher
from permitclock.adapters.reports import DynamoDbReportStore
from permitclock.api.routes import create_app
from permitclock.api.store import Dependencies, ReportStore
from permitclock.clock import SystemClock
from permitclock.services.program_intake import ProgramFactsService
from permitclock.settings import StackSettings

logger = Logger()
tracer = Tracer()


def build_report_store(table_name: str) -> ReportStore:
    """The `ReportStore` on the state table (`adapters.reports.DynamoDbReportStore`)."""
    return DynamoDbReportStore(boto3.resource("dynamodb").Table(table_name))


@cache
def dependencies() -> Dependencies:
    settings = StackSettings()  # type: ignore[call-arg]  # filled from the environment (TABLE_NAME, ...)
    table = boto3.resource("dynamodb").Table(settings.table_name)
    clock = SystemClock()
    return Dependencies(
        store=build_report_store(settings.table_name),
        outbox=SqsNoticePublisher(boto3.client("sqs"), settings.notices_queue_url),
        clock=clock,
        programs=ProgramFactsService(obligations=ObligationStore(table), facts=ProgramFactsStore(table), clock=clock),
    )


app = create_app(dependencies)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)

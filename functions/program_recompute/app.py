"""Program recompute: every morning before the sweep, evaluate every stored program facts document as of today.

Rolling deadlines (the next trust fund payment, the next annual report) then advance on their own; the sweep
that follows reminds on them. Input: `{"job": "program-recompute"}`, and `"on": "YYYY-MM-DD"` for local runs.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from permitclock.adapters.obligations import ObligationStore
from permitclock.adapters.programs import ProgramFactsStore
from permitclock.clock import Clock, FixedClock, SystemClock
from permitclock.errors import BadInput
from permitclock.services.program_intake import ProgramFactsService
from permitclock.settings import StackSettings

logger = Logger()
tracer = Tracer()
metrics = Metrics()
settings = StackSettings()  # type: ignore[call-arg]  # filled from the environment


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    clock: Clock = FixedClock.on(date.fromisoformat(event["on"])) if "on" in event else SystemClock()
    table = boto3.resource("dynamodb").Table(settings.table_name)
    facts = ProgramFactsStore(table)
    service = ProgramFactsService(obligations=ObligationStore(table), facts=facts, clock=clock)
    counts = {"documents": 0, "evaluated": 0, "changed": 0, "invalid": 0}
    for stored in facts.all_records():
        counts["documents"] += 1
        try:
            change = service.recompute(stored)
        except BadInput as err:  # a document the rules no longer accept stays as it is, and is reported
            counts["invalid"] += 1
            logger.warning("stored program facts no longer valid", program=stored.program, code=err.code)
            continue
        if change is not None:
            counts["evaluated"] += 1
            counts["changed"] += int(any(change.counts().get(k) for k in ("opened", "updated", "closed")))
    metrics.add_metric(name="program_documents_recomputed", unit=MetricUnit.Count, value=counts["evaluated"])
    logger.info("program facts recomputed", **counts)
    return counts

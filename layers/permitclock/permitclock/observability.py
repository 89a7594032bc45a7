"""The one Logger, Tracer and Metrics (powertools) of every function, and the decorator each handler wears.

Everything logs through `logger` with structured fields (`logger.info("what happened", field=value)`), never an
address, a name or a file name: recipients appear as `recipient_hash`, uploads by their counts and codes.
Lambda runs one function per process, so the service name (POWERTOOLS_SERVICE_NAME) and the metrics namespace
(POWERTOOLS_METRICS_NAMESPACE) come from the function's environment; the local runner runs every function in one
process and `observed` re-reads the service name on each invocation.

The metrics an operator watches are listed in docs/operations.md ("Metrics").
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
tracer = Tracer()
metrics = Metrics()

Handler = TypeVar("Handler", bound=Callable[..., Any])


def count(name: str, value: float = 1) -> None:
    """Add `value` to the count metric `name` (flushed when the handler returns)."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def unreadable_item(item: dict[str, Any], error: Exception) -> None:
    """A stored item a reader had to leave out: logged by its key (ids, never content) and counted."""
    logger.error("unreadable item left out", pk=item.get("pk"), sk=item.get("sk"), error=type(error).__name__)
    count("items_unreadable")


def count_upload(outcome: str, rows_rejected: int = 0) -> None:
    """One upload event's outcome (`uploads_accepted`, `uploads_rejected`, `uploads_duplicate`, ...) and its
    rejected rows."""
    count(f"uploads_{outcome}")
    if rows_rejected:
        count("rows_rejected", rows_rejected)


def observed(handler: Handler | None = None, *, correlation_id_path: str | None = None) -> Any:
    """Wrap a Lambda handler: the logger's Lambda context (and correlation id), X-Ray tracing, metrics flushed."""

    def wrap(fn: Handler) -> Handler:
        traced = logger.inject_lambda_context(
            tracer.capture_lambda_handler(metrics.log_metrics(fn)), correlation_id_path=correlation_id_path
        )

        @functools.wraps(fn)
        def run(event: Any, context: Any) -> Any:
            logger.append_keys(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "service_undefined"))
            return traced(event, context)

        return run  # type: ignore[return-value]

    return wrap(handler) if handler is not None else wrap

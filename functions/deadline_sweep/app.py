"""Deadline sweep: the daily 06:00 America/Los_Angeles schedule -> reminders, digests, calendar feeds.

Thin handler. Input (the schedule's JSON `Input`): `{"job": "sweep"}`; a local or manual run may add
`"on": "YYYY-MM-DD"` (the day to sweep, default today in the permit's time zone), `"dry_run": true` (build,
queue nothing), or use `{"job": "calendars", "wdids": [...]}` to rewrite some facilities' feeds now.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext
from permitclock import bootstrap
from permitclock.clock import today
from permitclock.observability import count, logger, observed
from permitclock.services.sweep import SweepRequest
from permitclock.settings import SweepSettings

settings = SweepSettings()  # type: ignore[call-arg]  # filled from the environment
wiring = bootstrap.Wiring(lambda runtime: bootstrap.deadline_sweep(settings, runtime))


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    job = parse(event=event, model=SweepRequest)
    sweep = wiring.service
    if job.job == "calendars":
        result = sweep.refresh_calendars(job.wdids)
        logger.info("calendars refreshed", written=len(result.written), unchanged=result.unchanged)
        return {"feeds_written": len(result.written), "feeds_unchanged": result.unchanged}
    report = sweep.run(job.on or today(wiring.runtime.clock), dry_run=job.dry_run)
    summary = report.summary()
    count("reminders_queued", report.reminders)
    count("digests_queued", report.digests)
    count("obligations_overdue", report.overdue)
    count("items_failed", len(report.failed))
    logger.info("sweep done", **{k: v for k, v in summary.items() if k != "windows"}, windows=len(report.windows))
    return summary

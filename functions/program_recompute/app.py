"""Program recompute: every morning before the sweep, evaluate every stored program facts document as of today.

Rolling deadlines (the next trust fund payment, the next annual report) then advance on their own; the sweep
that follows reminds on them. Input: `{"job": "program-recompute"}`, and `"on": "YYYY-MM-DD"` for local runs.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from permitclock import bootstrap
from permitclock.observability import count, logger, observed
from permitclock.settings import StackSettings

settings = StackSettings()  # type: ignore[call-arg]  # filled from the environment
wiring = bootstrap.Wiring(lambda runtime: bootstrap.program_recompute(settings, runtime))


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = wiring.service.run(date.fromisoformat(event["on"]) if "on" in event else None)
    for facility_id, program, code in result.invalid:
        logger.warning("stored program facts left as they are", facility_id=facility_id, program=program, code=code)
    counts = result.counts()
    count("program_documents_recomputed", counts["evaluated"])
    count("items_failed", counts["invalid"])
    logger.info("program facts recomputed", **counts)
    return counts

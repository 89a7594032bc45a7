"""`PUT /facilities/{wdid}/sampling-events/{event_date}/lab-results`: the day a sampling event's laboratory
results were received, which opens its 30-day results-reporting deadline (`services.sampling_duties`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from aws_lambda_powertools.event_handler.api_gateway import Router

from permitclock.domain.obligations import Obligation
from permitclock.errors import BadInput
from permitclock.workflow.roles import Action

from .dependencies import ApiDependencies
from .identity import caller
from .models import LabResultsBody


def router(dependencies: Callable[[], ApiDependencies]) -> Router:
    routes = Router()

    @routes.put("/facilities/<wdid>/sampling-events/<event_date>/lab-results")
    def put_lab_results(wdid: str, event_date: str, body: LabResultsBody) -> Obligation:
        deps = dependencies()
        deps.workflow.member(caller(routes), wdid, Action.RECORD_LAB_RESULTS)
        try:
            day = date.fromisoformat(event_date)
        except ValueError:
            raise BadInput(f"event date {event_date[:40]!r} is not YYYY-MM-DD", field="event_date") from None
        return deps.sampling.record_lab_results(wdid, day, body.received_on)

    return routes

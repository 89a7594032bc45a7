"""`GET /facilities/{wdid}/outlook`: the in-year Level outlook of the facility's parameters
(`services.outlook`)."""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools.event_handler.api_gateway import Router

from permitclock.domain.outlook import FacilityOutlook
from permitclock.workflow.roles import Action

from .dependencies import ApiDependencies
from .identity import caller


def router(dependencies: Callable[[], ApiDependencies]) -> Router:
    routes = Router()

    @routes.get("/facilities/<wdid>/outlook")
    def get_outlook(wdid: str) -> FacilityOutlook:
        deps = dependencies()
        deps.workflow.member(caller(routes), wdid, Action.VIEW)
        return deps.outlook.facility(wdid)

    return routes

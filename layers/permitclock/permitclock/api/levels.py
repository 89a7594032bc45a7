"""Routes of a facility's Levels with their evidence: every parameter's status and history, one year's results."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

from aws_lambda_powertools.event_handler.api_gateway import Router

from permitclock.workflow.roles import Action

from .dependencies import ApiDependencies
from .identity import caller
from .models import LevelHistoryEntry, LevelsView, LevelYearView, ParameterLevelsView

LEVELS = "/facilities/<wdid>/levels"
STATUS_FACTS = (
    "level_1_report_submitted",
    "bmps_implemented",
    "technical_report_submitted",
    "demonstration",
    "ever_level_2",
    "recent_qses",
)


def router(dependencies: Callable[[], ApiDependencies]) -> Router:
    routes = Router()

    @routes.get(LEVELS)
    def list_levels(wdid: str) -> LevelsView:
        deps = dependencies()
        deps.workflow.member(caller(routes), wdid, Action.VIEW)
        return LevelsView(
            parameters=[
                ParameterLevelsView(
                    parameter=p.status.parameter,
                    level=p.status.level,
                    since=p.status.since,
                    facts=p.status.model_dump(mode="json", include=set(STATUS_FACTS)),
                    history=[LevelHistoryEntry.of(r) for r in p.history],
                )
                for p in deps.levels.parameters(wdid)
            ],
            disagreements=deps.levels.disagreements(wdid),
        )

    @routes.get(f"{LEVELS}/<parameter>/<reporting_year>")
    def get_level_year(wdid: str, parameter: str, reporting_year: str) -> LevelYearView:
        deps = dependencies()
        deps.workflow.member(caller(routes), wdid, Action.VIEW)
        record = deps.levels.year(wdid, unquote(parameter), reporting_year)
        e = record.evaluation
        return LevelYearView(
            **LevelHistoryEntry.of(record).model_dump(),
            parameter=record.parameter,
            annual_sum=e.annual_sum,
            instantaneous_low=e.instantaneous_low,
            instantaneous_high=e.instantaneous_high,
            results=list(e.results),
            left_out=list(e.left_out),
        )

    return routes

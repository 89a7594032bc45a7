"""The portfolio routes: the caller's facilities at a glance, and their obligations across facilities, filtered
and paged; both answer CSV to `Accept: text/csv` (the next page's cursor then in the `X-Next-Cursor` header)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel

from permitclock.domain.portfolio import StatusFilter
from permitclock.services.portfolio import DEFAULT_LIMIT, MAX_LIMIT, ObligationQuery

from .csv_body import CSV, csv_response, wants_csv
from .dependencies import ApiDependencies
from .identity import caller
from .models import Facility, FacilityList, ObligationPageBody, PortfolioObligation

NEXT_HEADER = "X-Next-Cursor"
FACILITY_COLUMNS = (
    "wdid", "name", "role", "coverage_status", "levels", "next_due", "next_due_type", "next_due_obligation_id",
    "overdue_count",
)  # fmt: skip
OBLIGATION_COLUMNS = (
    "obligation_id", "facility_id", "program", "type", "subject", "due", "window_start", "window_end", "status",
    "section", "period", "amount",
)  # fmt: skip


def _answers(model: type[BaseModel], what: str) -> dict[int, Any]:
    return {
        200: {
            "description": what,
            "content": {
                content_types.APPLICATION_JSON: {"model": model},
                CSV: {"schema": {"type": "string", "description": "the same rows as CSV, with a header row"}},
            },
        }
    }


def _json(body: BaseModel) -> Response:
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=body.model_dump(mode="json"))


def router(dependencies: Callable[[], ApiDependencies]) -> Router:
    routes = Router()

    @routes.get("/facilities", responses=_answers(FacilityList, "the caller's facilities, by WDID"))
    def list_facilities() -> Any:  # a JSON or CSV Response (documented by `responses`)
        deps = dependencies()
        summaries = deps.portfolio.facilities(deps.workflow.facilities(caller(routes)))
        body = FacilityList(
            facilities=[
                Facility(
                    wdid=s.member.wdid,
                    name=s.name,
                    role=s.member.role,
                    coverage_status=s.coverage_status,
                    levels=s.levels,
                    next_due=PortfolioObligation.of(s.next_due) if s.next_due else None,
                    overdue_count=s.overdue_count,
                )
                for s in summaries
            ]
        )
        if not wants_csv(routes):
            return _json(body)
        rows = [
            {
                **f.model_dump(include={"wdid", "name", "role", "coverage_status", "overdue_count"}),
                "levels": "; ".join(f"{p}={level}" for p, level in sorted(f.levels.items())),
                "next_due": f.next_due.due or f.next_due.window_end if f.next_due else None,
                "next_due_type": f.next_due.type if f.next_due else None,
                "next_due_obligation_id": f.next_due.obligation_id if f.next_due else None,
            }
            for f in body.facilities
        ]
        return csv_response(FACILITY_COLUMNS, rows)

    @routes.get("/obligations", responses=_answers(ObligationPageBody, "one page of the caller's obligations"))
    def list_all_obligations(
        status: Annotated[StatusFilter | None, Query()] = None,
        due_from: Annotated[date | None, Query()] = None,
        due_to: Annotated[date | None, Query()] = None,
        program: Annotated[str | None, Query(max_length=50)] = None,
        wdid: Annotated[str | None, Query(max_length=50)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        next: Annotated[str | None, Query(max_length=2000)] = None,
    ) -> Any:  # a JSON or CSV Response (documented by `responses`)
        deps = dependencies()
        query = ObligationQuery(
            status=status, due_from=due_from, due_to=due_to, program=program, wdid=wdid, limit=limit, next=next
        )
        obligations, cursor = deps.portfolio.obligations(deps.workflow.facilities(caller(routes)), query)
        body = ObligationPageBody(obligations=[PortfolioObligation.of(o) for o in obligations], next=cursor)
        if not wants_csv(routes):
            return _json(body)
        rows = [o.model_dump(mode="json") for o in body.obligations]
        return csv_response(OBLIGATION_COLUMNS, rows, headers={NEXT_HEADER: cursor} if cursor else None)

    return routes

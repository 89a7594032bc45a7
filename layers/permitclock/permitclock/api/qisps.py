"""The QISP registry search (any signed-in caller)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from permitclock.workflow.qisp import QispQuery

from .dependencies import ApiDependencies
from .identity import caller
from .models import QispList


def router(dependencies: Callable[[], ApiDependencies]) -> Router:
    routes = Router()

    @routes.get("/qisps")
    def search_qisps(
        last_name: Annotated[str | None, Query(max_length=100)] = None,
        first_name: Annotated[str | None, Query(max_length=100)] = None,
        certificate: Annotated[str | None, Query(max_length=50)] = None,
        zip: Annotated[str | None, Query(max_length=10)] = None,
    ) -> QispList:
        caller(routes)
        query = QispQuery(last_name=last_name, first_name=first_name, certificate=certificate, zip=zip)
        return QispList(qisps=dependencies().workflow.search_qisps(query))

    return routes

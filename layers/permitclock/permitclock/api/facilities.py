"""Routes of one facility: its obligations, its members' roles (the list of facilities is `portfolio`)."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router

from permitclock.domain.members import Member
from permitclock.domain.obligations import Obligation
from permitclock.observability import logger
from permitclock.workflow.members import Preferences

from .dependencies import ApiDependencies
from .identity import caller
from .models import (
    CompletionBody,
    FacilityCreated,
    FacilityCreation,
    MemberAssignment,
    MemberList,
    ObligationList,
)


def router(dependencies: Callable[[], ApiDependencies]) -> Router:
    routes = Router()

    @routes.get("/facilities/<wdid>/obligations")
    def list_obligations(wdid: str) -> ObligationList:
        return ObligationList(obligations=dependencies().workflow.obligations(caller(routes), wdid))

    @routes.post("/facilities/<wdid>/obligations/<obligation_id>/complete")
    def post_complete(wdid: str, obligation_id: str, body: CompletionBody) -> Obligation:
        obligation_id = unquote(obligation_id)  # ids hold spaces, commas and colons: clients percent-encode them
        closed = dependencies().workflow.complete_obligation(
            caller(routes), wdid, obligation_id, completed_on=body.completed_on, reference=body.reference
        )
        logger.info("obligation completed", wdid=wdid, obligation_id=obligation_id)
        return closed

    @routes.post("/facilities")
    def post_facility(body: FacilityCreation) -> Response[FacilityCreated]:
        lrp = Member(wdid=body.wdid, role="LRP", **body.lrp.model_dump())
        attributes = {"address": body.address, "noi_date": body.noi_date.isoformat() if body.noi_date else None}
        dependencies().workflow.create_facility(caller(routes), body.wdid, body.name, attributes, lrp)
        logger.info("facility created", wdid=body.wdid)
        created = FacilityCreated(wdid=body.wdid, name=body.name, address=body.address, noi_date=body.noi_date, lrp=lrp)
        return Response(HTTPStatus.CREATED, content_types.APPLICATION_JSON, created)

    @routes.put("/facilities/<wdid>/members/<user_id>")
    def put_member(wdid: str, user_id: str, body: MemberAssignment) -> Member:
        changes = body.model_dump(include=body.model_fields_set, exclude_none=True)
        assigned = dependencies().workflow.assign(caller(routes), wdid, user_id, changes)
        logger.info("member assigned", wdid=wdid, user_id=user_id, role=assigned.role)
        return assigned

    @routes.get("/facilities/<wdid>/members")
    def list_members(wdid: str) -> MemberList:
        return MemberList(members=dependencies().workflow.members(caller(routes), wdid))

    @routes.delete("/facilities/<wdid>/members/<user_id>")
    def delete_member(wdid: str, user_id: str) -> Member:
        removed = dependencies().workflow.remove(caller(routes), wdid, user_id)
        logger.info("member removed", wdid=wdid, user_id=user_id, role=removed.role)
        return removed

    @routes.get("/me/preferences")
    def get_preferences() -> Preferences:
        return dependencies().workflow.preferences(caller(routes))

    @routes.put("/me/preferences")
    def put_preferences(body: Preferences) -> Preferences:
        return dependencies().workflow.set_preferences(caller(routes), body)

    return routes

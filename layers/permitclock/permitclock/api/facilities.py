"""Routes of one facility: its obligations, its members' roles (the list of facilities is `portfolio`)."""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.api_gateway import Router

from permitclock.domain.members import Member
from permitclock.workflow.members import Preferences

from .dependencies import ApiDependencies
from .identity import caller
from .models import MemberAssignment, MemberList, ObligationList

logger = Logger(child=True)


def router(dependencies: Callable[[], ApiDependencies]) -> Router:
    routes = Router()

    @routes.get("/facilities/<wdid>/obligations")
    def list_obligations(wdid: str) -> ObligationList:
        return ObligationList(obligations=dependencies().workflow.obligations(caller(routes), wdid))

    @routes.put("/facilities/<wdid>/members/<user_id>")
    def put_member(wdid: str, user_id: str, body: MemberAssignment) -> Member:
        member = Member(wdid=wdid, user_id=user_id, **body.model_dump())
        assigned = dependencies().workflow.assign(caller(routes), member)
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

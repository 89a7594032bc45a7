"""A facility's program facts (docs/programs.md): the documents recorded, and recording one through the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from permitclock.observability import logger
from permitclock.services.program_intake import parse_json_text
from permitclock.workflow.roles import Action

from .dependencies import ApiDependencies
from .identity import caller
from .models import ProgramFactsChanged, ProgramFactsList, ProgramFactsView

PROGRAMS = "/facilities/<wdid>/programs"


def router(dependencies: Callable[[], ApiDependencies]) -> Router:
    routes = Router()

    @routes.get(PROGRAMS)
    def list_programs(wdid: str) -> ProgramFactsList:
        deps = dependencies()
        deps.workflow.member(caller(routes), wdid, Action.VIEW)
        return ProgramFactsList(
            programs=[
                ProgramFactsView(
                    program=r.program,
                    facility_id=r.facility_id,
                    facts=parse_json_text(r.document, field="document"),
                    as_of=r.as_of,
                    updated_at=r.updated_at,
                    source=r.source,
                    obligation_ids=r.obligation_ids,
                )
                for r in deps.programs.list_facts(wdid)
            ]
        )

    @routes.put(f"{PROGRAMS}/<program>")
    def put_program_facts(
        wdid: str,
        program: str,
        body: Annotated[
            dict[str, Any],
            Body(description="the program's facts, as uploaded under programs/{program}/{wdid}/ (docs/programs.md)"),
        ],
    ) -> ProgramFactsChanged:
        deps = dependencies()
        member = deps.workflow.member(caller(routes), wdid, Action.EDIT_PROGRAM_FACTS)
        document = routes.current_event.decoded_body or ""
        payload = parse_json_text(document, field="body")  # again, with exact decimals (not floats)
        change = deps.programs.record(
            wdid, program, payload, document=document, source={"kind": "api", "user_id": member.user_id}
        )
        logger.info("program facts recorded", extra={"wdid": wdid, "program": program, **change.counts()})
        return ProgramFactsChanged(
            program=change.program,
            facility_id=change.facility_id,
            as_of=change.as_of,
            opened=list(change.opened),
            updated=list(change.updated),
            closed=list(change.closed),
            unchanged=change.unchanged,
            obligation_ids=list(change.obligation_ids),
        )

    return routes

"""The API routes: identity from the JWT claims, every read and write scoped to the caller's facilities
(another facility's ids give 404, never 403), domain rules from `permitclock.workflow`."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, content_types
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from permitclock.domain.members import Member
from permitclock.domain.notices import NoticeRequest
from permitclock.domain.reports import Report, ReportAttachment, ReportBundle
from permitclock.errors import BadInput, NotFound
from permitclock.services.program_intake import parse_json_text
from permitclock.workflow import extensions, reports
from permitclock.workflow.completion import completion_check
from permitclock.workflow.members import assign_member
from permitclock.workflow.qisp import QispQuery
from permitclock.workflow.reports import ReportChange
from permitclock.workflow.roles import Action, require

from .errors import Unauthenticated, register_error_handlers
from .models import (
    CertificationBody,
    CompletionResult,
    DemonstrationsBody,
    ErrorBody,
    Facility,
    FacilityList,
    GatewayMessage,
    MemberAssignment,
    ObligationList,
    ProgramFactsChanged,
    ProgramFactsList,
    ProgramFactsView,
    QispList,
    QispSelection,
    RegionalBoardExtensionBody,
    ReportChanged,
    ReportDetail,
    ReportList,
    UpdateBody,
)
from .store import Dependencies, ProgramFacts

logger = Logger(child=True)

OPENAPI_TITLE = "permitclock API"
OPENAPI_VERSION = "1.0.0"
REPORT = "/facilities/<wdid>/reports/<report_id>"
PROGRAMS = "/facilities/<wdid>/programs"

Command = Callable[[Report, Member, tuple[ReportAttachment, ...]], ReportChange]


def create_app(dependencies: Callable[[], Dependencies]) -> APIGatewayHttpResolver:
    """The resolver; `dependencies` is called per request (the handler caches what it returns)."""
    app = _BoundedResolver(enable_validation=True)
    register_error_handlers(app)

    def claims() -> dict[str, Any]:
        found = app.current_event.request_context.authorizer.jwt_claim
        if not isinstance(found, dict) or not _valid_subject(found.get("sub")):
            raise Unauthenticated("no verified identity on the request")
        return found

    def actor(deps: Dependencies, wdid: str) -> Member:
        """The caller's membership of `wdid`, named as the identity provider names them; 404 if none."""
        who = claims()
        member = deps.store.get_member(wdid, str(who["sub"]))
        if member is None:
            raise NotFound(f"facility {wdid} not found")
        name = who.get("name")
        return member.model_copy(update={"name": name}) if isinstance(name, str) and name else member

    def load(deps: Dependencies, wdid: str, report_id: str) -> ReportBundle:
        bundle = deps.store.get_report(wdid, report_id)
        if bundle is None:
            raise NotFound(f"report {report_id} not found")
        return bundle

    def run(wdid: str, report_id: str, command: Command) -> ReportChanged:
        deps = dependencies()
        member = actor(deps, wdid)
        bundle = load(deps, wdid, report_id)
        change = command(bundle.report, member, bundle.attachments)
        deps.store.commit(change)  # the notices are in the outbox from here on: nothing below can lose them
        publish_committed(deps, change.notices)
        logger.info(
            "report changed",
            wdid=wdid,
            report_id=report_id,
            action=change.history.action,
            to_status=change.history.to_status,
            version=change.report.version,
        )
        return ReportChanged(report=change.report, history=change.history, submission=change.submission)

    @app.get("/facilities")
    def list_facilities() -> FacilityList:
        memberships = dependencies().store.memberships(str(claims()["sub"]))
        return FacilityList(facilities=[Facility(wdid=m.wdid, role=m.role) for m in memberships])

    @app.get("/facilities/<wdid>/reports")
    def list_reports(wdid: str) -> ReportList:
        deps = dependencies()
        require(actor(deps, wdid), Action.VIEW)
        return ReportList(reports=deps.store.list_reports(wdid))

    @app.get("/facilities/<wdid>/obligations")
    def list_obligations(wdid: str) -> ObligationList:
        deps = dependencies()
        require(actor(deps, wdid), Action.VIEW)
        return ObligationList(obligations=deps.store.list_obligations(wdid))

    def programs(deps: Dependencies) -> ProgramFacts:
        if deps.programs is None:
            raise RuntimeError("program facts are not configured in these dependencies")
        return deps.programs

    @app.get(PROGRAMS)
    def list_programs(wdid: str) -> ProgramFactsList:
        deps = dependencies()
        require(actor(deps, wdid), Action.VIEW)
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
                for r in programs(deps).list_facts(wdid)
            ]
        )

    @app.put(f"{PROGRAMS}/<program>")
    def put_program_facts(
        wdid: str,
        program: str,
        body: Annotated[
            dict[str, Any],
            Body(description="the program's facts, as uploaded under programs/{program}/{wdid}/ (docs/programs.md)"),
        ],
    ) -> ProgramFactsChanged:
        deps = dependencies()
        member = actor(deps, wdid)
        require(member, Action.EDIT_PROGRAM_FACTS)
        document = app.current_event.decoded_body or ""
        payload = parse_json_text(document, field="body")  # again, with exact decimals (not floats)
        change = programs(deps).record(
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

    @app.get(REPORT)
    def get_report(wdid: str, report_id: str) -> ReportDetail:
        deps = dependencies()
        require(actor(deps, wdid), Action.VIEW)
        bundle = load(deps, wdid, report_id)
        return ReportDetail(report=bundle.report, history=list(bundle.history), attachments=list(bundle.attachments))

    @app.put("/facilities/<wdid>/members/<user_id>")
    def put_member(wdid: str, user_id: str, body: MemberAssignment) -> Member:
        deps = dependencies()
        assigned = assign_member(
            actor(deps, wdid),
            deps.store.list_members(wdid),
            Member(wdid=wdid, user_id=user_id, **body.model_dump()),
        )
        deps.store.put_member(assigned)
        logger.info("member assigned", wdid=wdid, user_id=user_id, role=assigned.role)
        return assigned

    @app.get("/qisps")
    def search_qisps(
        last_name: Annotated[str | None, Query(max_length=100)] = None,
        first_name: Annotated[str | None, Query(max_length=100)] = None,
        certificate: Annotated[str | None, Query(max_length=50)] = None,
        zip: Annotated[str | None, Query(max_length=10)] = None,
    ) -> QispList:
        claims()
        query = QispQuery(last_name=last_name, first_name=first_name, certificate=certificate, zip=zip)
        query.criteria()
        return QispList(qisps=dependencies().store.search_qisps(query))

    @app.put(f"{REPORT}/demonstrations")
    def put_demonstrations(wdid: str, report_id: str, body: DemonstrationsBody) -> ReportChanged:
        clock = dependencies().clock
        return run(wdid, report_id, lambda r, m, _: reports.set_demonstrations(r, m, body.demonstrations, clock))

    @app.put(f"{REPORT}/qisp")
    def put_qisp(wdid: str, report_id: str, body: QispSelection) -> ReportChanged:
        deps = dependencies()

        def command(report: Report, member: Member, _: tuple[ReportAttachment, ...]) -> ReportChange:
            require(member, Action.SET_QISP)
            record = deps.store.get_qisp(body.certificate_number)
            if record is None:
                raise BadInput(
                    f"certificate {body.certificate_number} is not in the QISP registry",
                    code="qisp_not_in_registry",
                    field="certificate_number",
                )
            return reports.set_qisp(report, member, record, deps.clock)

        return run(wdid, report_id, command)

    @app.post(f"{REPORT}/completion-check")
    def post_completion_check(wdid: str, report_id: str) -> CompletionResult:
        deps = dependencies()
        require(actor(deps, wdid), Action.COMPLETION_CHECK)
        bundle = load(deps, wdid, report_id)
        problems = completion_check(bundle.report, bundle.attachments)
        return CompletionResult(complete=not problems, problems=list(problems))

    @app.post(f"{REPORT}/send-to-certifier")
    def post_send_to_certifier(wdid: str, report_id: str) -> ReportChanged:
        clock = dependencies().clock
        return run(wdid, report_id, lambda r, m, a: reports.send_to_certifier(r, m, a, clock))

    @app.post(f"{REPORT}/certify")
    def post_certify(wdid: str, report_id: str, body: CertificationBody) -> ReportChanged:
        clock = dependencies().clock
        return run(
            wdid,
            report_id,
            lambda r, m, a: reports.certify(
                r,
                m,
                a,
                certification_accepted=body.certification_accepted,
                certifier_title=body.certifier_title,
                clock=clock,
            ),
        )

    @app.post(f"{REPORT}/updates")
    def post_update(wdid: str, report_id: str, body: UpdateBody) -> ReportChanged:
        clock = dependencies().clock
        return run(
            wdid,
            report_id,
            lambda r, m, a: reports.prepare_update(
                r, m, a, reason=body.reason, attachment_id=body.attachment_id, clock=clock
            ),
        )

    @app.post(f"{REPORT}/updates/<update_id>/certify")
    def post_certify_update(wdid: str, report_id: str, update_id: str, body: CertificationBody) -> ReportChanged:
        clock = dependencies().clock
        return run(
            wdid,
            report_id,
            lambda r, m, _: reports.certify_update(
                r,
                m,
                update_id,
                certification_accepted=body.certification_accepted,
                certifier_title=body.certifier_title,
                clock=clock,
            ),
        )

    @app.post(f"{REPORT}/extension")
    def post_extension(wdid: str, report_id: str) -> ReportChanged:
        clock = dependencies().clock
        return run(wdid, report_id, lambda r, m, _: extensions.request_extension(r, m, clock))

    @app.post(f"{REPORT}/regional-board-extension")
    def post_regional_board_extension(wdid: str, report_id: str, body: RegionalBoardExtensionBody) -> ReportChanged:
        clock = dependencies().clock
        return run(
            wdid,
            report_id,
            lambda r, m, a: extensions.record_regional_board_extension(
                r,
                m,
                a,
                approval_letter_attachment_id=body.approval_letter_attachment_id,
                new_due=body.new_due,
                clock=clock,
            ),
        )

    @app.get("/openapi.json", include_in_schema=False)
    def get_openapi() -> dict[str, Any]:
        return openapi_schema(app)

    return app


MAX_BODY_BYTES = 64 * 1024
"""Largest request body read: every request model is a few short fields (API Gateway itself allows 10 MB)."""
JSON_CONTENT_TYPE = "application/json"
MAX_PATH_SEGMENT_BYTES = 255
"""Longest path segment: ids are WDIDs, report ids and JWT subjects (OIDC: at most 255 ASCII characters)."""


def _valid_subject(sub: object) -> bool:
    """A JWT `sub` the API can key on: a non-blank string of at most 255 printable characters."""
    return isinstance(sub, str) and 0 < len(sub) <= MAX_PATH_SEGMENT_BYTES and sub.strip() == sub and sub.isprintable()


class _BoundedResolver(APIGatewayHttpResolver):
    """The resolver behind a size gate, before routing and request validation: oversize bodies get 413, a body
    that is not JSON by its Content-Type 415 (every request model is JSON; powertools would parse forms and
    multipart too, and raised a 500 on multipart without a boundary), oversize path segments and bodies the JSON
    parser cannot bound get 400. (`json.loads` raises
    `RecursionError` on deep nesting and `ValueError` on integers over 4,300 digits; neither is a
    `JSONDecodeError`, so request validation let them escape as a 500.)"""

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        refused = _refusal(event)
        if refused is None:
            return super().resolve(event, context)
        status, code, message = refused
        return {
            "statusCode": int(status),
            "headers": {"Content-Type": content_types.APPLICATION_JSON},
            "body": json.dumps({"code": code, "message": message}),
            "isBase64Encoded": False,
        }


def _refusal(event: Mapping[str, Any]) -> tuple[HTTPStatus, str, str] | None:
    """(status, code, message) when the request is refused before routing; None to route it."""
    path = event.get("rawPath") or ""
    if isinstance(path, str) and any(len(s.encode(errors="replace")) > MAX_PATH_SEGMENT_BYTES for s in path.split("/")):
        return HTTPStatus.BAD_REQUEST, BadInput.code, f"a path segment is longer than {MAX_PATH_SEGMENT_BYTES} bytes"
    body = event.get("body")
    if not isinstance(body, str) or not body:
        return None
    content_type = str((event.get("headers") or {}).get("content-type", "")).strip()
    if content_type and not content_type.startswith(JSON_CONTENT_TYPE):  # as powertools reads it: lower case
        return HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "the body must be application/json"
    too_large = HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too_large", f"the body is over {MAX_BODY_BYTES} bytes"
    if len(body) > MAX_BODY_BYTES * 2:  # cheap first cut, whatever the encoding (base64 is 4/3 of the bytes)
        return too_large
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body).decode()
        except (ValueError, UnicodeDecodeError):
            return HTTPStatus.BAD_REQUEST, BadInput.code, "invalid request: the body is not base64 of UTF-8"
    if len(body.encode(errors="replace")) > MAX_BODY_BYTES:
        return too_large
    try:
        json.loads(body)
    except json.JSONDecodeError:
        return None  # not JSON: request validation answers 400 naming the body
    except (ValueError, RecursionError):
        return HTTPStatus.BAD_REQUEST, BadInput.code, "invalid request: body"
    return None


ERROR_RESPONSES = {
    "400": "bad input (malformed body or parameters, or a value the rules refuse)",
    "401": 'no verified identity (API Gateway answers `{"message": "Unauthorized"}` to a missing or bad token)',
    "403": "the caller's role may not do this",
    "404": "no such resource among the caller's facilities",
    "409": "illegal in the report's current state",
    "413": f"the body is over {MAX_BODY_BYTES} bytes",
    "415": "the body is not application/json",
}


def openapi_schema(app: APIGatewayHttpResolver) -> dict[str, Any]:
    """The generated OpenAPI document, with the error answers `errors.py` gives (not powertools' 422) and the
    401 API Gateway's JWT authorizer gives before the function runs; schemas nothing refers to are dropped."""
    doc: dict[str, Any] = json.loads(
        app.get_openapi_json_schema(
            title=OPENAPI_TITLE,
            version=OPENAPI_VERSION,
            security_schemes={"jwt": HTTPBearer(bearerFormat="JWT")},
            security=[{"jwt": []}],
        )
    )
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorBody"] = ErrorBody.model_json_schema()
    schemas["GatewayMessage"] = GatewayMessage.model_json_schema()
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    unauthorized = {
        "application/json": {
            "schema": {
                "anyOf": [{"$ref": "#/components/schemas/ErrorBody"}, {"$ref": "#/components/schemas/GatewayMessage"}]
            }
        }
    }
    for operations in doc["paths"].values():
        for operation in operations.values():
            operation["responses"].pop("422", None)
            operation["responses"].update(
                {
                    status: {"description": why, "content": unauthorized if status == "401" else error}
                    for status, why in ERROR_RESPONSES.items()
                }
            )
    _drop_unreferenced_schemas(doc)
    return doc


def _drop_unreferenced_schemas(doc: dict[str, Any]) -> None:
    """Remove component schemas no path reaches (powertools adds its validation-error models whether or not a
    response uses them; the document must not keep a schema whose `$ref`s point nowhere)."""
    schemas = doc["components"]["schemas"]
    prefix = "#/components/schemas/"

    def refs(node: Any) -> set[str]:
        if isinstance(node, dict):
            found = {node["$ref"].removeprefix(prefix)} if isinstance(node.get("$ref"), str) else set()
            return found.union(*(refs(v) for v in node.values()))
        if isinstance(node, list):
            return set().union(*(refs(v) for v in node))
        return set()

    reached: set[str] = set()
    pending = refs(doc["paths"])
    while pending:
        name = pending.pop()
        if name not in reached and name in schemas:
            reached.add(name)
            pending |= refs(schemas[name])
    for name in set(schemas) - reached:
        del schemas[name]


def _never() -> Dependencies:
    raise RuntimeError("documentation only: no dependencies")


def openapi_document() -> str:
    """The OpenAPI document as committed in docs/openapi.json (sorted keys, two-space indent)."""
    return json.dumps(openapi_schema(create_app(_never)), indent=2, sort_keys=True) + "\n"


def write_openapi(path: Path) -> None:
    """Regenerate docs/openapi.json: `python -c "from pathlib import Path; from permitclock.api.routes import
    write_openapi; write_openapi(Path('docs/openapi.json'))"`."""
    path.write_text(openapi_document())


def publish_committed(deps: Dependencies, notices: Sequence[NoticeRequest]) -> None:
    """Publish a committed change's notices, then clear them from the outbox. A failed publish is not the
    caller's error (the change is made): the notices stay in the outbox and the relay sends them
    (`adapters.notice_outbox`)."""
    if not notices:
        return
    try:
        for notice in notices:
            deps.publisher.publish(notice)
    except Exception:  # any failure: the outbox item is the durable copy
        logger.warning("notices left in the outbox for the relay", notices=len(notices))
        return
    deps.store.notices_published(notices)

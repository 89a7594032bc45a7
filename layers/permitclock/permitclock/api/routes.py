"""The HTTP API: one powertools resolver over a `Router` per resource (`portfolio`, `facilities`, `reports`,
`levels`, `programs`, `qisps`, `outlook`, `sampling`, `calendars`, `uploads`), behind a size gate, with the error map of
`errors.py` and the generated OpenAPI document.

Identity comes from the JWT claims; every read and write is scoped to the caller's facilities (another
facility's ids give 404, never 403) by the use cases in `services.report_workflow`. Each call of `create_app`
builds its own routers, so several resolvers can live in one process (tests, the load bench's threads).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, content_types
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from permitclock.errors import BadInput

from . import calendars, facilities, levels, outlook, portfolio, programs, qisps, reports, sampling, uploads
from .dependencies import ApiDependencies
from .errors import register_error_handlers
from .identity import MAX_PATH_SEGMENT_BYTES
from .models import ErrorBody, GatewayMessage

OPENAPI_TITLE = "permitclock API"
OPENAPI_VERSION = "1.0.0"


def create_app(dependencies: Callable[[], ApiDependencies]) -> APIGatewayHttpResolver:
    """The resolver; `dependencies` is called per request (the handler's `bootstrap.Wiring` keeps what it
    builds)."""
    app = _BoundedResolver(enable_validation=True)
    register_error_handlers(app)
    for resource in (portfolio, facilities, reports, levels, programs, qisps, outlook, sampling, calendars, uploads):
        app.include_router(resource.router(dependencies))

    @app.get("/openapi.json", include_in_schema=False)
    def get_openapi() -> dict[str, Any]:
        return openapi_schema(app)

    return app


MAX_BODY_BYTES = 64 * 1024
"""Largest request body read: every request model is a few short fields (API Gateway itself allows 10 MB)."""
JSON_CONTENT_TYPE = "application/json"


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
    for path, operations in doc["paths"].items():
        for operation in operations.values():
            operation["responses"].pop("422", None)
            operation["responses"].update(
                {
                    status: {"description": why, "content": unauthorized if status == "401" else error}
                    for status, why in ERROR_RESPONSES.items()
                    if path not in calendars.OPEN_PATHS or status not in ("401", "403")
                }
            )
            if path in calendars.OPEN_PATHS:
                operation["security"] = []  # no JWT: the template's route has `Authorizer: NONE`
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


def _never() -> ApiDependencies:
    raise RuntimeError("documentation only: no dependencies")


def openapi_document() -> str:
    """The OpenAPI document as committed in docs/openapi.json (sorted keys, two-space indent)."""
    return json.dumps(openapi_schema(create_app(_never)), indent=2, sort_keys=True) + "\n"


def write_openapi(path: Path) -> None:
    """Regenerate docs/openapi.json: `python -c "from pathlib import Path; from permitclock.api.routes import
    write_openapi; write_openapi(Path('docs/openapi.json'))"`."""
    path.write_text(openapi_document())

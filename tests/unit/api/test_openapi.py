from __future__ import annotations

import json
from pathlib import Path

from openapi_spec_validator import validate
from permitclock.api.routes import openapi_document

from .conftest import Api

DOCS = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"


def test_docs_openapi_json_is_the_generated_document() -> None:
    assert DOCS.read_text() == openapi_document(), "regenerate with permitclock.api.routes.write_openapi"


def test_the_document_is_valid_openapi() -> None:
    """openapi-spec-validator resolves every `$ref` (a schema the generator dropped but another still named
    made the document invalid)."""
    validate(json.loads(openapi_document()))


def test_a_401_may_be_the_gateway_answer_or_the_function_answer() -> None:
    doc = json.loads(openapi_document())
    schema = doc["paths"]["/facilities"]["get"]["responses"]["401"]["content"]["application/json"]["schema"]
    assert schema == {
        "anyOf": [{"$ref": "#/components/schemas/ErrorBody"}, {"$ref": "#/components/schemas/GatewayMessage"}]
    }
    assert doc["components"]["schemas"]["GatewayMessage"]["required"] == ["message"]


def test_the_document_lists_every_route(api: Api) -> None:
    paths = json.loads(openapi_document())["paths"]
    report = "/facilities/{wdid}/reports/{report_id}"
    assert set(paths) == {
        "/facilities",
        "/obligations",
        "/me/preferences",
        "/facilities/{wdid}/members",
        "/facilities/{wdid}/reports",
        "/facilities/{wdid}/obligations",
        "/facilities/{wdid}/outlook",
        "/facilities/{wdid}/sampling-events/{event_date}/lab-results",
        "/facilities/{wdid}/programs",
        "/facilities/{wdid}/programs/{program}",
        "/facilities/{wdid}/members/{user_id}",
        "/facilities/{wdid}/levels",
        "/facilities/{wdid}/levels/{parameter}/{reporting_year}",
        "/facilities/{wdid}/obligations/{obligation_id}/complete",
        "/qisps",
        "/me/calendar-token",
        "/facilities/{wdid}/calendar-token",
        "/facilities/{wdid}/uploads",
        "/calendars/{token}.ics",
        report,
        *(
            f"{report}/{tail}"
            for tail in (
                "demonstrations",
                "details",
                "qisp",
                "completion-check",
                "send-to-certifier",
                "certify",
                "updates",
                "updates/{update_id}/certify",
                "extension",
                "regional-board-extension",
            )
        ),
    }


def test_only_the_calendar_feed_needs_no_jwt() -> None:
    doc = json.loads(openapi_document())
    open_operations = {
        (path, method) for path, operations in doc["paths"].items() for method, op in operations.items()
        if op.get("security") == []
    }  # fmt: skip
    assert doc["security"] == [{"jwt": []}] and open_operations == {("/calendars/{token}.ics", "get")}
    assert "401" not in doc["paths"]["/calendars/{token}.ics"]["get"]["responses"]


def test_openapi_route_serves_the_same_document(api: Api) -> None:
    status, body = api.call("GET", "/openapi.json")
    assert status == 200 and body == json.loads(openapi_document())

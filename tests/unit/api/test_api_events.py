"""The HTTP API's sample events (events/api/) are routed and answered as a client would be."""

from __future__ import annotations

import json
from pathlib import Path

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventV2Model

from .conftest import Api, report

EVENTS = Path(__file__).resolve().parents[3] / "events" / "api"
API_ANSWERS = {
    "list_reports.json": 200,
    "get_report.json": 200,
    "search_qisps.json": 200,
    "request_extension.json": 200,
    "send_to_certifier.json": 409,  # the report has no demonstrations yet: the completion check refuses
    "certify.json": 409,  # and so it is not awaiting certification
}


def test_each_api_event_is_routed_and_answered(api: Api) -> None:
    assert set(API_ANSWERS) == {p.name for p in EVENTS.glob("*.json")}
    api.store.add_report(report(report_id="L2TR-2025-2026"))
    for name, status in API_ANSWERS.items():
        event = json.loads((EVENTS / name).read_text())
        parse(event=event, model=APIGatewayProxyEventV2Model)
        response = api.app.resolve(event, {})
        assert response["statusCode"] == status, (name, response["body"])

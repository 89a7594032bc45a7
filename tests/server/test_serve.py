"""`permitclock serve` as a black box: started in a subprocess on free ports, driven through HTTP and boto3 only
(nothing of the project is imported), as a deployed account is driven; then schemathesis over docs/openapi.json
against it. One server for the module; the last test stops it."""

from __future__ import annotations

import base64
import json
import signal
import subprocess
from datetime import date
from typing import Any

import pytest
import requests
import schemathesis
from boto3.dynamodb.conditions import Key
from hypothesis import HealthCheck, settings
from joserfc import jwt
from joserfc.jwk import RSAKey
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.server.conftest import ROOT, Server

pytestmark = pytest.mark.slow

DOCS_OPENAPI = ROOT / "docs" / "openapi.json"
ADMIN = "permitclock-admins"
REGISTRY_CSV = (
    "Certificate Number,First Name,Last Name,ZIP,Licensed Engineer,License Number\n"
    "F09876,Qisp,Industrial,95814,yes,C12345\n"
    ",No,Certificate,95814,no,\n"
)


def _part(token: str, index: int) -> dict[str, Any]:
    """The JWT's header (0) or claims (1), read without checking anything."""
    text = token.split(".")[index]
    return dict(json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))))


def _claims(token: str) -> dict[str, Any]:
    return _part(token, 1)


def test_health_names_the_stack_on_the_aws_endpoint(server: Server) -> None:
    status, health = server.request("GET", "/_local/health")
    assert status == 200
    assert set(health) == {"ok", "aws_endpoint", "region", "bucket", "table", "queues", "today"}
    assert health["ok"] is True and health["aws_endpoint"] == f"http://127.0.0.1:{server.aws_port}"
    date.fromisoformat(health["today"])
    s3 = server.client("s3")
    assert health["bucket"] in {b["Name"] for b in s3.list_buckets()["Buckets"]}
    sqs = server.client("sqs")
    listed = set(sqs.list_queues()["QueueUrls"])
    assert {url.rsplit("/", 1)[-1] for url in health["queues"].values()} == {u.rsplit("/", 1)[-1] for u in listed}
    assert "NoticesQueue" in health["queues"]


def test_no_token_an_expired_one_and_another_keys_are_401_before_the_function(server: Server) -> None:
    good, expired = server.tokens["admin"], server.tokens["expired"]
    stranger_key = RSAKey.generate_key(2048, private=True, auto_kid=True)
    forged = jwt.encode({"alg": "RS256", "kid": stranger_key.kid}, _claims(good), stranger_key)
    same_kid = jwt.encode({"alg": "RS256", "kid": _part(good, 0)["kid"]}, _claims(good), stranger_key)
    for headers in ({}, {"Authorization": "Bearer " + expired}, {"Authorization": "Bearer " + forged},
                    {"Authorization": "Bearer " + same_kid}, {"Authorization": "Bearer not.a.jwt"}):  # fmt: skip
        status, body = server.request("GET", "/facilities", headers=headers)
        assert (status, body) == (401, {"message": "Unauthorized"}), headers


def test_a_minted_token_is_200_and_its_key_is_the_published_one(server: Server) -> None:
    token = server.tokens["admin"]
    claims = _claims(token)
    assert (claims["sub"], claims["email"], claims["cognito:groups"]) == ("admin-1", "admin@example.com", [ADMIN])
    status, body = server.request("GET", "/facilities", headers={"Authorization": f"Bearer {token}"})
    assert (status, body) == (200, {"facilities": []})
    status, keys = server.request("GET", "/.well-known/jwks.json")
    assert status == 200 and [k["kid"] for k in keys["keys"]] == [_part(token, 0)["kid"]]
    status, _ = server.request("GET", "/openapi.json")  # the template's open route: no token needed
    assert status == 200


def test_an_upload_through_the_aws_endpoint_is_processed_after_drain(server: Server) -> None:
    status, health = server.request("GET", "/_local/health")
    server.client("s3").put_object(Bucket=health["bucket"], Key="qisp/registry.csv", Body=REGISTRY_CSV.encode())
    status, drained = server.request("POST", "/_local/drain")
    assert status == 200
    assert set(drained["pollers"]) >= {"QispIntakeFunction", "MonitoringIntakeFunction", "NotifierFunction"}
    assert drained["pollers"]["QispIntakeFunction"]["succeeded"] >= 1
    table = server.resource("dynamodb").Table(health["table"])
    [record] = table.query(KeyConditionExpression=Key("pk").eq(f"UPLOAD#{health['bucket']}/qisp/registry.csv"))["Items"]
    assert record["status"] == "loaded"
    token = server.tokens["admin"]
    status, found = server.request("GET", "/qisps?last_name=industrial", headers={"Authorization": f"Bearer {token}"})
    assert (status, [q["certificate_number"] for q in found["qisps"]]) == (200, ["F09876"])


def test_a_presigned_upload_over_http_reaches_its_intake_and_its_verdict_the_api(server: Server) -> None:
    admin, lrp = ({"Authorization": f"Bearer {server.tokens[n]}"} for n in ("admin", "lrp"))
    wdid = "5S34I099001"
    facility = {
        "wdid": wdid,
        "name": "Upload Yard",
        "lrp": {
            "user_id": "lrp-1",
            "email": "lrp@example.com",
            "name": "Lena Park",
            "title": "Plant Manager",
            "eauthorization_on_file": True,
        },
    }
    assert server.request("POST", "/facilities", facility, headers=admin)[0] == 201
    status, granted = server.request("POST", f"/facilities/{wdid}/uploads",
                                     {"kind": "monitoring", "file_name": "june.csv"}, headers=lrp)  # fmt: skip
    assert status == 200 and granted["url"].startswith(f"http://127.0.0.1:{server.aws_port}/")
    body = b"WDID,EVENT_TYPE,SAMPLE_DATE,PARAMETER,RESULT_QUALIFIER,RESULT,UNITS\n" + (
        f"{wdid},Qualifying Storm Event,11/03/2024,pH,=,7.1,SU\n".encode()
    )
    moved = requests.post(granted["url"], data={**granted["fields"], "key": f"monitoring/facilities/{wdid}/x.csv"},
                          files={"file": ("june.csv", body)}, timeout=60)  # fmt: skip
    assert moved.status_code == 403
    sent = requests.post(granted["url"], data=granted["fields"], files={"file": ("june.csv", body)}, timeout=60)
    assert sent.status_code == 204, sent.text
    assert server.request("POST", "/_local/drain")[0] == 200
    status, listed = server.request("GET", f"/facilities/{wdid}/uploads", headers=lrp)
    [upload] = listed["uploads"]
    assert (status, upload["status"], upload["counts"]["stored"]) == (200, "processed", 1)


def test_the_clock_moves_every_function(server: Server) -> None:
    status, moved = server.request("POST", "/_local/clock", {"today": "2027-01-15"})
    assert (status, moved) == (200, {"today": "2027-01-15"})
    assert server.request("GET", "/_local/health")[1]["today"] == "2027-01-15"
    status, summary = server.request("POST", "/_local/schedules/annual", {"on": "2026-07-01"})
    assert status == 200 and summary["started_at"].startswith("2027-01-15T")  # the planner's clock
    status, back = server.request("POST", "/_local/clock", {"today": None})
    assert status == 200 and back["today"] != "2027-01-15"
    assert server.request("POST", "/_local/clock", {"today": "15/01/2027"})[0] == 400
    assert server.request("POST", "/_local/clock", {})[0] == 400


def test_a_schedule_fires_with_its_input_and_answers_its_summary(server: Server) -> None:
    status, summary = server.request("POST", "/_local/schedules/annual", {"on": "2026-07-01"})
    assert status == 200
    assert (summary["job"], summary["on"], summary["reporting_year"]) == ("annual", "2026-07-01", "2025-2026")
    assert summary["failed_attempts"] == 0
    status, swept = server.request("POST", "/_local/schedules/sweep", {"on": "2026-12-25"})
    assert (status, swept["job"], swept["day"]) == (200, "sweep", "2026-12-25")
    status, missing = server.request("POST", "/_local/schedules/no-such-job", {})
    assert status == 404 and "annual" in missing["message"]


# ---------------------------------------------------------------------------------------------- the document
SCHEMA = schemathesis.openapi.from_path(DOCS_OPENAPI)
CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@SCHEMA.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
def test_every_operation_answers_as_docs_openapi_json_says(case: schemathesis.Case, server: Server) -> None:
    """Schemathesis over docs/openapi.json against the running server, signed in: no 5xx, and every status,
    content type and body is one the document declares for that operation."""
    case.call_and_validate(
        base_url=server.url, headers={"Authorization": f"Bearer {server.tokens['admin']}"}, checks=CONFORMANCE
    )


def test_sigint_stops_it_cleanly(server: Server) -> None:
    server.process.send_signal(signal.SIGINT)
    try:
        code = server.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pytest.fail("permitclock serve did not stop within 5 s of SIGINT")
    assert code == 0
    assert "stopped" in server.stderr()

"""The HTTP API through the local stack: API Gateway HTTP API v2 events (JWT claims from the authorizer) into
`ApiFunction`, the DynamoDB `ReportStore` on the template's table, the real attachment and QISP pipelines."""

from __future__ import annotations

import copy
import io
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from permitclock.adapters.obligations import ObligationStore
from permitclock.adapters.reports import DynamoDbReportStore
from permitclock.bootstrap import Aws
from permitclock.clock import SystemClock, today
from permitclock.domain.members import ROLES, Member
from permitclock.domain.obligations import Obligation
from permitclock.errors import Conflict
from permitclock.rules.igp.obligations import LEVEL_2_ERA_TECHNICAL_REPORT, era_obligation
from permitclock.services.era_reports import open_era_report
from permitclock.workflow.extensions import end_of_reporting_year
from permitclock.workflow.qisp import QispQuery
from permitclock.workflow.reports import set_demonstrations
from pypdf import PdfWriter

from infra.local_stack import REGION, load_template
from tests.integration.conftest import Stack

EVENTS = Path(__file__).resolve().parents[2] / "events" / "api"
WDID = "5S34I025848"
OTHER_WDID = "4 19I000033"
YEAR = "2025-2026"
PARAMS = ("Total Suspended Solids (TSS)", "Zinc, Total (Recoverable)")
BMP = "Industrial Activity BMP Demonstration (Part 2.a.iii)"
REGISTRY_CSV = (
    "Certificate Number,First Name,Last Name,ZIP,Licensed Engineer,License Number\n"
    "F09876,Qisp,Industrial,95814,yes,C12345\n"
    "F01111,Ana,Ortiz,95814-1234,no,\n"
    "F02222,Ana,Industrial,90012,no,\n"
    ",No,Certificate,95814,no,\n"
    "F03333,Bad,Zip,9581,no,\n"
)


# ---------------------------------------------------------------------------------------------- helpers
def user(role: str, wdid: str = WDID) -> str:
    return f"{'b-' if wdid != WDID else ''}user-{role.lower()}"


def event(method: str, path: str, *, as_user: str, body: Any = None, query: dict[str, str] | None = None) -> dict:
    """An HTTP API v2 event shaped like events/api/*.json, for another route, caller or body."""
    base = json.loads((EVENTS / "list_reports.json").read_text())
    out = copy.deepcopy(base)
    out["rawPath"] = path
    out["rawQueryString"] = urlencode(query or {})
    out["queryStringParameters"] = query
    out["requestContext"]["http"]["method"] = method
    out["requestContext"]["http"]["path"] = path
    out["requestContext"]["authorizer"]["jwt"]["claims"].update(
        sub=as_user, email=f"{as_user}@example.com", name=f"Name of {as_user}"
    )
    out["body"] = json.dumps(body) if body is not None else None
    return out


def call(local: Stack, method: str, path: str, *, as_user: str, body: Any = None, query: Any = None) -> tuple[int, Any]:
    response = local.runner.invoke("ApiFunction", event(method, path, as_user=as_user, body=body, query=query))
    text = response.get("body") or ""
    return response["statusCode"], json.loads(text) if text else None


def store(local: Stack) -> DynamoDbReportStore:
    return DynamoDbReportStore(local.table)


@contextmanager
def dynamodb_requests(local: Stack) -> Iterator[Counter[str]]:
    """Count the DynamoDB requests the API function sends (botocore's before-call hook on the DynamoDB resource
    the runner gives it)."""
    counts: Counter[str] = Counter()

    def count(**kwargs: Any) -> None:
        counts[kwargs["model"].name] += 1

    dynamodb = boto3.resource("dynamodb", region_name=REGION)
    dynamodb.meta.client.meta.events.register("before-call.dynamodb", count)
    local.runner.use("ApiFunction", replace(local.runner.runtime, aws=Aws(region=REGION, dynamodb=dynamodb)))
    yield counts


def pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def tr_obligation(parameter: str, due: date | None = None) -> Obligation:
    obligation = era_obligation(LEVEL_2_ERA_TECHNICAL_REPORT, WDID, parameter, YEAR, facts={"seeded": True})
    return obligation if due is None else obligation.model_copy(update={"due": due})


def seed(local: Stack, *, due: date | None = None) -> str:
    """Members of two facilities, two Technical Report obligations and the report they open."""
    s = store(local)
    for wdid in (WDID, OTHER_WDID):
        for role in ROLES:
            signs = role in ("LRP", "DAR")
            s.put_member(
                Member(
                    wdid=wdid,
                    user_id=user(role, wdid),
                    role=role,
                    email=f"{user(role, wdid)}@example.com",
                    title="Plant Manager" if signs else "",
                    eauthorization_on_file=signs,
                )
            )
    obligations = ObligationStore(local.table)
    report_ids = set()
    for parameter in PARAMS:
        obligation = tr_obligation(parameter, due)
        assert obligations.put_new(obligation)
        result = open_era_report(s, obligation)
        report_ids.add(result.report_id)
    [report_id] = report_ids
    return str(report_id)


def upload_registry(local: Stack, body: str = REGISTRY_CSV) -> None:
    local.s3.put_object(Bucket=local.bucket, Key="qisp/registry 2026.csv", Body=body.encode())
    local.runner.drain(only={"QispIntakeFunction"})


def upload_attachment(local: Stack, report_id: str, name: str = "technical report.pdf") -> None:
    local.s3.put_object(
        Bucket=local.bucket,
        Key=f"attachments/{WDID}/{report_id}/{name}",
        Body=pdf(),
        Metadata={"file-type": "Level 2 ERA Technical Report", "title": "Level 2 Technical Report"},
    )
    local.runner.drain(only={"AttachmentValidatorFunction"})


def report_path(report_id: str, wdid: str = WDID) -> str:
    return f"/facilities/{wdid}/reports/{report_id}"


# ---------------------------------------------------------------------------------------------- tests
def test_report_is_opened_from_obligations_once(local: Stack) -> None:
    report_id = seed(local)

    assert report_id == f"L2TR-{YEAR}"
    again = open_era_report(store(local), tr_obligation(PARAMS[0]))
    assert again.outcome == "unchanged"
    bundle = store(local).get_report(WDID, report_id)
    assert bundle is not None
    assert bundle.report.parameters == PARAMS
    assert bundle.report.obligation_ids == tuple(tr_obligation(p).obligation_id for p in PARAMS)
    assert bundle.report.status == "Future"
    assert bundle.report.due == tr_obligation(PARAMS[0]).due


def test_prepare_check_send_and_certify(local: Stack) -> None:
    report_id = seed(local)
    upload_registry(local)
    path = report_path(report_id)
    dep, lrp = user("DEP"), user("LRP")

    status, found = call(local, "GET", "/qisps", as_user=dep, query={"last_name": " industrial "})
    assert status == 200
    assert sorted(q["certificate_number"] for q in found["qisps"]) == ["F02222", "F09876"]
    chosen = {"demonstrations": {p: [BMP] for p in PARAMS}}
    status, _ = call(local, "PUT", f"{path}/demonstrations", as_user=dep, body=chosen)
    assert status == 200
    status, _ = call(local, "PUT", f"{path}/qisp", as_user=dep, body={"certificate_number": "f09876"})
    assert status == 200

    status, check = call(local, "POST", f"{path}/completion-check", as_user=dep)
    assert (status, check["complete"]) == (200, False)
    assert [p["code"] for p in check["problems"]] == ["no_technical_report_attachment"]
    status, refused = call(local, "POST", f"{path}/send-to-certifier", as_user=dep)
    assert (status, refused["code"]) == (409, "completion_check_failed")

    upload_attachment(local, report_id)
    status, check = call(local, "POST", f"{path}/completion-check", as_user=dep)
    assert (status, check) == (200, {"complete": True, "problems": []})

    status, sent = call(local, "POST", f"{path}/send-to-certifier", as_user=dep)
    assert status == 200
    assert sent["report"]["status"] == "Not Submitted - certification required"
    [notice] = local.queue_messages("NoticesQueue")
    assert notice["kind"] == "report_sent_for_certification"
    assert notice["wdid"] == WDID
    assert notice["include_facility_signatories"] is True
    assert notice["facts"]["report_id"] == report_id

    status, refused = call(local, "POST", f"{path}/certify", as_user=dep, body={"certification_accepted": True})
    assert (status, refused["code"]) == (403, "role_not_permitted")
    status, certified = call(local, "POST", f"{path}/certify", as_user=lrp, body={"certification_accepted": True})
    assert status == 200
    assert certified["report"]["status"] == "Submitted"
    assert certified["report"]["certification"]["certifier_name"] == f"Name of {lrp}"
    assert certified["report"]["certification"]["certifier_title"] == "Plant Manager"
    assert certified["submission"]["demonstrations"] == {p: [BMP] for p in PARAMS}

    # The report's obligations are closed and left the due-date index.
    obligations = local.items(f"FAC#{WDID}", "OBL#")
    assert [o["status"] for o in obligations] == ["closed", "closed"]
    assert all("gsi2pk" not in o for o in obligations)
    assert all(o["facts"]["seeded"] is True for o in obligations)

    status, detail = call(local, "GET", path, as_user=user("viewer"))
    assert status == 200
    assert [h["action"] for h in detail["history"]] == [
        "edit_demonstrations",
        "set_qisp",
        "send_to_certifier",
        "certify",
    ]
    # `seq` is the version each change produced (version 1 was the second obligation joining the report).
    assert [h["seq"] for h in detail["history"]] == [2, 3, 4, 5]
    assert detail["report"]["version"] == 5
    assert [(a["file_type"], a["status"]) for a in detail["attachments"]] == [
        ("Level 2 ERA Technical Report", "accepted")
    ]
    status, listed = call(local, "GET", f"/facilities/{WDID}/reports", as_user=user("viewer"))
    assert status == 200
    assert [(r["report_id"], r["status"]) for r in listed["reports"]] == [(report_id, "Submitted")]
    status, obligations_listed = call(local, "GET", f"/facilities/{WDID}/obligations", as_user=user("QISP"))
    assert status == 200
    assert {o["status"] for o in obligations_listed["obligations"]} == {"closed"}


def test_extension_on_the_due_date_once(local: Stack) -> None:
    on = today(SystemClock())
    if end_of_reporting_year(on) == on:
        pytest.skip("on June 30 the due date is already the end of the reporting year")
    report_id = seed(local, due=on)
    path = f"{report_path(report_id)}/extension"

    status, refused = call(local, "POST", path, as_user=user("DEP"))
    assert (status, refused["code"]) == (403, "role_not_permitted")
    status, extended = call(local, "POST", path, as_user=user("LRP"))
    assert status == 200
    new_due = end_of_reporting_year(on).isoformat()
    assert extended["report"]["due"] == new_due
    assert extended["history"]["reason"] == f"due {on.isoformat()} -> {new_due}"
    status, refused = call(local, "POST", path, as_user=user("DAR"))
    assert (status, refused["code"]) == (409, "extension_already_used")

    # The obligations moved with the report: new due date, due-date index entry and calendar SEQUENCE.
    for item in local.items(f"FAC#{WDID}", "OBL#"):
        assert item["due"] == new_due
        assert str(item["gsi2sk"]).startswith(f"{new_due}#{WDID}#")
        assert int(item["ics_sequence"]) == 1
        assert item["facts"]["extended_from"] == on.isoformat()


def test_extension_the_day_after_is_refused(local: Stack) -> None:
    report_id = seed(local, due=today(SystemClock()) - timedelta(days=1))

    status, refused = call(local, "POST", f"{report_path(report_id)}/extension", as_user=user("LRP"))

    assert (status, refused["code"]) == (409, "extension_request_too_late")


def test_another_facility_sees_nothing(local: Stack) -> None:
    report_id = seed(local)
    stranger = user("LRP", OTHER_WDID)
    routes = [
        ("GET", f"/facilities/{WDID}/reports", None),
        ("GET", f"/facilities/{WDID}/obligations", None),
        ("GET", report_path(report_id), None),
        ("POST", f"{report_path(report_id)}/completion-check", None),
        ("POST", f"{report_path(report_id)}/extension", None),
        ("PUT", f"/facilities/{WDID}/members/{stranger}", {"role": "LRP"}),
    ]
    for method, path, body in routes:
        status, answer = call(local, method, path, as_user=stranger, body=body)
        assert (status, answer["code"]) == (404, "not_found"), path
        assert report_id not in json.dumps(answer)

    # Their own facility, our report id: still 404 (while their own facility answers).
    status, own_reports = call(local, "GET", f"/facilities/{OTHER_WDID}/reports", as_user=stranger)
    assert (status, own_reports) == (200, {"reports": []})
    status, answer = call(local, "GET", report_path(report_id, OTHER_WDID), as_user=stranger)
    assert (status, answer["code"]) == (404, "not_found")
    status, own = call(local, "GET", "/facilities", as_user=stranger)
    assert [(f["wdid"], f["role"]) for f in own["facilities"]] == [(OTHER_WDID, "LRP")]


def test_history_is_immutable(local: Stack) -> None:
    report_id = seed(local)
    path = report_path(report_id)
    call(local, "PUT", f"{path}/demonstrations", as_user=user("DEP"), body={"demonstrations": {PARAMS[0]: [BMP]}})
    first = local.items(f"FAC#{WDID}", f"REPORT#{report_id}#HIST#")
    assert len(first) == 1

    call(local, "PUT", f"{path}/demonstrations", as_user=user("QISP"), body={"demonstrations": {PARAMS[1]: [BMP]}})
    after = local.items(f"FAC#{WDID}", f"REPORT#{report_id}#HIST#")
    assert len(after) == 2
    assert after[0] == first[0]
    assert all("expires_at" not in h for h in after)

    # A change computed from a stale version writes neither the report nor a history item.
    s = store(local)
    bundle = s.get_report(WDID, report_id)
    assert bundle is not None
    member = s.get_member(WDID, user("DEP"))
    assert member is not None
    stale = set_demonstrations(
        bundle.report.model_copy(update={"version": 1}), member, {PARAMS[0]: [BMP]}, SystemClock()
    )
    with pytest.raises(Conflict) as refused:
        s.commit(stale)
    assert refused.value.code == "concurrent_update"
    assert local.items(f"FAC#{WDID}", f"REPORT#{report_id}#HIST#") == after


def test_list_and_detail_are_one_query_each(local: Stack) -> None:
    report_id = seed(local)
    upload_attachment(local, report_id)
    path = report_path(report_id)
    call(local, "PUT", f"{path}/demonstrations", as_user=user("DEP"), body={"demonstrations": {PARAMS[0]: [BMP]}})
    for route in (f"/facilities/{WDID}/reports", path, f"/facilities/{WDID}/obligations"):
        with dynamodb_requests(local) as sent:
            status, _ = call(local, "GET", route, as_user=user("viewer"))
        assert status == 200
        # The membership check (GetItem) and ONE query for the data, never one request per item.
        assert sent == Counter({"GetItem": 1, "Query": 1}), route

    with dynamodb_requests(local) as sent:
        call(local, "POST", f"{path}/extension", as_user=user("LRP"))
    assert sent == Counter({"GetItem": 1, "Query": 1, "BatchGetItem": 1, "TransactWriteItems": 1})


def test_registry_upload_then_search_by_each_criterion(local: Stack) -> None:
    upload_registry(local)
    [record] = local.items(f"UPLOAD#{local.bucket}/qisp/registry 2026.csv")
    assert record["status"] == "loaded"
    assert int(record["loaded"]) == 3
    assert [(int(e["line"]), e["code"]) for e in record["row_errors"]] == [(5, "missing_value"), (6, "bad_zip")]

    searches = {
        "last_name": ("Industrial", ["F02222", "F09876"]),
        "first_name": ("ANA", ["F01111", "F02222"]),
        "certificate": ("F01111", ["F01111"]),
        "zip": ("95814", ["F01111", "F09876"]),
    }
    for criterion, (value, expected) in searches.items():
        status, found = call(local, "GET", "/qisps", as_user=user("viewer"), query={criterion: value})
        assert status == 200, criterion
        assert sorted(q["certificate_number"] for q in found["qisps"]) == expected, criterion
    status, narrowed = call(local, "GET", "/qisps", as_user=user("viewer"), query={"first_name": "ana", "zip": "90012"})
    assert [q["certificate_number"] for q in narrowed["qisps"]] == ["F02222"]
    status, refused = call(local, "GET", "/qisps", as_user=user("viewer"))
    assert (status, refused["code"]) == (400, "qisp_search_criterion")


def test_registry_with_a_bad_header_is_rejected_whole(local: Stack) -> None:
    local.s3.put_object(Bucket=local.bucket, Key="qisp/bad.csv", Body=b"name,zip\nA,95814\n")
    result = local.runner.drain(only={"QispIntakeFunction"})

    assert result.failed == 0
    [record] = local.items(f"UPLOAD#{local.bucket}/qisp/bad.csv")
    assert record["status"] == "rejected"
    assert record["error"]["code"] == "qisp_registry_header"
    assert store(local).search_qisps(QispQuery(zip="95814")) == []


def test_template_routes_every_request_through_the_jwt_authorizer() -> None:
    resources = load_template()["Resources"]
    api = resources["HttpApi"]["Properties"]["Auth"]
    assert api["DefaultAuthorizer"] == "JwtAuthorizer"
    jwt = api["Authorizers"]["JwtAuthorizer"]["JwtConfiguration"]
    assert jwt == {"issuer": {"Ref": "JwtIssuer"}, "audience": [{"Ref": "JwtAudience"}]}
    events = resources["ApiFunction"]["Properties"]["Events"]
    unauthenticated = {e["Properties"]["Path"] for e in events.values() if e["Properties"].get("Auth")}
    assert unauthenticated == {"/openapi.json"}
    assert {(e["Properties"]["Method"], e["Properties"]["Path"]) for e in events.values()} == {
        ("ANY", "/{proxy+}"),
        ("GET", "/openapi.json"),
    }

"""POST /facilities/{wdid}/uploads over the fakes: the key and the metadata each intake requires, the roles, the
reports, the fields of other kinds; and the local S3's POST policy check (`infra.post_policy`) as S3 decides."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from infra.post_policy import Refused, _signature, check

from .conftest import OTHER_WDID, REPORT_ID, WDID, Api

UPLOADS = f"/facilities/{WDID}/uploads"
ATTACHMENT = {"kind": "attachment", "file_name": "report.pdf", "report_id": REPORT_ID, "file_type": "SWPPP",
              "title": "SWPPP 2025", "document_date": "2025-03-01"}  # fmt: skip


def test_each_kind_gets_its_intakes_key_and_metadata(api: Api) -> None:
    status, granted = api.call("POST", UPLOADS, body=ATTACHMENT, as_user="user-qisp")
    assert status == 200, granted
    assert granted["key"] == f"attachments/{WDID}/{REPORT_ID}/report.pdf"
    assert granted["url"] == "https://uploads.example/"
    assert {k: v for k, v in granted["fields"].items() if k.startswith("x-amz-meta-")} == {
        "x-amz-meta-file-type": "SWPPP", "x-amz-meta-title": "SWPPP 2025", "x-amz-meta-document-date": "2025-03-01",
        "x-amz-meta-uploaded-by": "user-qisp",  # no email on file: the user id
    }  # fmt: skip
    assert granted["fields"]["Content-Type"] == "application/pdf" and granted["max_bytes"] == 20_000_000
    monitoring = {"kind": "monitoring", "file_name": "2025.CSV"}
    status, granted = api.call("POST", UPLOADS, body=monitoring, as_user="user-dep")
    assert (status, granted["key"], granted["fields"]["Content-Type"]) == (
        200, f"monitoring/facilities/{WDID}/2025.CSV", "text/csv",
    )  # fmt: skip
    body = {"kind": "program_facts", "program": "il_725_243", "file_name": "facts.json"}
    status, granted = api.call("POST", UPLOADS, body=body, as_user="user-dar")
    assert (status, granted["key"], granted["max_bytes"]) == (200, f"programs/il_725_243/{WDID}/facts.json", 262_144)


@pytest.mark.parametrize(
    ("body", "as_user", "status", "code"),
    [
        ({"kind": "monitoring", "file_name": "a.txt"}, "user-viewer", 403, "role_not_permitted"),
        ({"kind": "program_facts", "program": "il_725_243", "file_name": "f.json"}, "user-qisp", 403,
         "role_not_permitted"),
        ({**ATTACHMENT, "report_id": "123456"}, "user-dep", 404, "unknown_report"),
        ({**ATTACHMENT, "title": None}, "user-dep", 400, "bad_metadata"),
        ({**ATTACHMENT, "report_id": None}, "user-dep", 400, "bad_input"),
        ({**ATTACHMENT, "file_name": "../x.pdf"}, "user-dep", 400, "bad_key"),
        ({**ATTACHMENT, "program": "il_725_243"}, "user-dep", 400, "bad_input"),
        ({"kind": "monitoring", "file_name": "a.exe"}, "user-dep", 400, "bad_input"),
        ({"kind": "program_facts", "program": "nope", "file_name": "f.json"}, "user-lrp", 400, "bad_input"),
        ({"kind": "bulk", "file_name": "f.json"}, "user-lrp", 400, "bad_input"),
    ],
)  # fmt: skip
def test_refusals(api: Api, body: dict, as_user: str, status: int, code: str) -> None:  # type: ignore[type-arg]
    answered, error = api.call("POST", UPLOADS, body={k: v for k, v in body.items() if v is not None}, as_user=as_user)
    assert (answered, error["code"]) == (status, code), error


def test_the_list_shows_each_grant_with_its_versions_verdicts(api: Api) -> None:
    api.call("POST", UPLOADS, body=ATTACHMENT, as_user="user-dep")
    api.call("POST", UPLOADS, body={"kind": "monitoring", "file_name": "a.txt"}, as_user="user-dep")
    monitoring = f"monitoring/facilities/{WDID}/a.txt"
    api.uploads.by_key[monitoring] = [{"status": "processed", "version_id": "v1", "rows_read": 2, "stored": 1,
                                       "rejected": 1, "size": 99, "error_report_key": monitoring + ".errors.csv",
                                       "finished_at": "2026-11-02T10:00:00-08:00"}]  # fmt: skip
    status, body = api.call("GET", UPLOADS, as_user="user-viewer")
    assert status == 200
    by_key = {u["key"]: u for u in body["uploads"]}
    listed = by_key[monitoring]
    assert (listed["status"], listed["counts"], listed["uploaded_by"]) == (
        "processed", {"rows_read": 2, "stored": 1, "rejected": 1}, "user-dep",
    )  # fmt: skip
    assert listed["error_report_url"] == f"https://reports.example/{monitoring}.errors.csv?expires=900"
    assert by_key[f"attachments/{WDID}/{REPORT_ID}/report.pdf"]["status"] == "granted"  # nothing arrived yet
    assert api.call("GET", f"/facilities/{OTHER_WDID}/uploads", as_user="user-viewer")[0] == 404


def test_another_facility_is_404(api: Api) -> None:
    status, error = api.call("POST", f"/facilities/{OTHER_WDID}/uploads", body=ATTACHMENT, as_user="user-lrp")
    assert (status, error["code"]) == (404, "not_found")


def _form(conditions: list, expires: datetime, **fields: str) -> dict[str, str]:  # type: ignore[type-arg]
    credential = "AKID/20261203/us-west-2/s3/aws4_request"
    encoded = base64.b64encode(json.dumps({"expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                           "conditions": conditions}).encode()).decode()  # fmt: skip
    signature = _signature("secret", credential, encoded)
    return {"policy": encoded, "x-amz-credential": credential, "x-amz-signature": signature, **fields}


NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
CONDITIONS = [{"bucket": "b"}, {"key": "monitoring/facilities/x/a.txt"},
              {"x-amz-credential": "AKID/20261203/us-west-2/s3/aws4_request"},
              ["starts-with", "$Content-Type", "text/"], ["content-length-range", 1, 10]]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "size", "code"),
    [
        ({}, 10, None),
        ({"key": "monitoring/facilities/y/a.txt"}, 5, "AccessDenied"),
        ({"Content-Type": "application/pdf"}, 5, "AccessDenied"),
        ({"x-amz-meta-extra": "1"}, 5, "AccessDenied"),
        ({}, 11, "EntityTooLarge"),
        ({}, 0, "EntityTooSmall"),
        ({"x-amz-signature": "0" * 64}, 5, "SignatureDoesNotMatch"),
        ({"policy": "not base64!"}, 5, "InvalidPolicyDocument"),
    ],
)  # fmt: skip
def test_the_local_s3_checks_a_post_policy_as_s3_does(change: dict, size: int, code: str | None) -> None:  # type: ignore[type-arg]
    form = {**_form(CONDITIONS, NOW + timedelta(minutes=5), key="monitoring/facilities/x/a.txt",
                    **{"Content-Type": "text/plain"}), **change}  # fmt: skip
    if code is None:
        check(form, size, "b", "secret", NOW)
        return
    with pytest.raises(Refused) as refused:
        check(form, size, "b", "secret", NOW)
    assert refused.value.code == code


def test_an_expired_policy_is_refused() -> None:
    form = _form(CONDITIONS, NOW - timedelta(seconds=1), key="monitoring/facilities/x/a.txt",
                 **{"Content-Type": "text/plain"})  # fmt: skip
    with pytest.raises(Refused, match="Policy expired"):
        check(form, 5, "b", "secret", NOW)

"""Uploads without AWS credentials through the local stack: POST /facilities/{wdid}/uploads (JWT claims) answers a
presigned POST; the file is then POSTed over HTTP to that URL (the S3 browser-upload form; the local S3 checks the
policy as S3 does, `infra/post_policy.py`), and the intake's result is read back through the API. S3 refuses a
changed key, an extra metadata field, an oversize file; roles and other facilities are refused by the API;
GET /facilities/{wdid}/uploads lists each upload with its verdict and a link to its error report."""

from __future__ import annotations

from datetime import date
from typing import Any

import requests

from tests.integration.conftest import Stack
from tests.integration.test_api import OTHER_WDID, WDID, call, pdf, report_path, seed, user
from tests.unit.igp.igp_helpers import RAW_HEADER, raw_row


def grant(local: Stack, body: dict[str, Any], as_user: str = "", wdid: str = WDID) -> tuple[int, Any]:
    return call(local, "POST", f"/facilities/{wdid}/uploads", as_user=as_user or user("DEP", wdid), body=body)


def post(granted: dict[str, Any], content: bytes, name: str = "file", **changed: str) -> requests.Response:
    """The browser form: the granted fields (some `changed`), then the file."""
    return requests.post(
        granted["url"], data={**granted["fields"], **changed}, files={"file": (name, content)}, timeout=30
    )


def test_an_attachment_uploaded_with_its_grant_is_checked_and_listed_on_its_report(local: Stack) -> None:
    report_id = seed(local)
    body = {"kind": "attachment", "file_name": "technical report.pdf", "report_id": report_id,
            "file_type": "Level 2 ERA Technical Report", "title": "Level 2 Technical Report"}  # fmt: skip
    status, granted = grant(local, body)
    assert status == 200, granted
    assert granted["key"] == f"attachments/{WDID}/{report_id}/technical report.pdf"
    fields = granted["fields"]
    assert fields["x-amz-meta-file-type"] == "Level 2 ERA Technical Report"
    assert fields["x-amz-meta-uploaded-by"] == f"{user('DEP')}@example.com"
    assert fields["Content-Type"] == "application/pdf"
    assert (granted["max_bytes"], granted["expires_in"]) == (20_000_000, 900)

    uploaded = post(granted, pdf())
    assert uploaded.status_code == 204, uploaded.text
    local.runner.drain(only={"AttachmentValidatorFunction"})
    status, detail = call(local, "GET", report_path(report_id), as_user=user("LRP"))
    assert [(a["file_type"], a["title"], a["status"]) for a in detail["attachments"]] == [
        ("Level 2 ERA Technical Report", "Level 2 Technical Report", "accepted")
    ]
    status, listed = call(local, "GET", f"/facilities/{WDID}/uploads", as_user=user("viewer"))
    assert status == 200
    assert [(u["key"], u["status"], u["errors"]) for u in listed["uploads"]] == [(granted["key"], "accepted", [])]

    moved = post(granted, pdf(), key=f"attachments/{OTHER_WDID}/{report_id}/technical report.pdf")
    assert moved.status_code == 403 and "Policy Condition failed" in moved.text
    added = post(granted, pdf(), **{"x-amz-meta-title": "Something else"})
    assert added.status_code == 403
    extra = post(granted, pdf(), **{"x-amz-meta-note": "hi"})
    assert extra.status_code == 403 and "Extra input fields: x-amz-meta-note" in extra.text


def test_a_monitoring_file_keeps_to_its_facility_and_its_result_shows_in_the_api(local: Stack) -> None:
    seed(local)
    status, granted = grant(local, {"kind": "monitoring", "file_name": "autumn.txt"})
    assert status == 200 and granted["key"] == f"monitoring/facilities/{WDID}/autumn.txt"
    day = date.today()
    year = str(day.year if day.month > 6 else day.year - 1)
    dated = {"sample_date": day.strftime("%m/%d/%Y"), "reporting_year": year}
    rows = [raw_row(wdid=WDID, sample_id="mine", **dated), raw_row(wdid=OTHER_WDID, sample_id="theirs", **dated)]
    assert post(granted, f"{RAW_HEADER}\n" + "\n".join(rows) + "\n").status_code == 204
    local.runner.drain(only={"MonitoringIntakeFunction"})
    status, listed = call(local, "GET", f"/facilities/{WDID}/uploads", as_user=user("viewer"))
    [upload] = listed["uploads"]
    assert (upload["status"], upload["counts"]["stored"], upload["counts"]["rejected"]) == ("processed", 1, 1)
    report = requests.get(upload["error_report_url"], timeout=30)  # the presigned link to its .errors.csv
    assert report.status_code == 200 and f"WDID {OTHER_WDID} is not {WDID}" in report.text

    def sampling(wdid: str) -> list[str]:
        status, body = call(local, "GET", f"/facilities/{wdid}/obligations", as_user=user("LRP", wdid))
        assert status == 200
        return [o["facts"].get("progress", "") for o in body["obligations"] if o["type"].startswith("QSE Sampling")]

    assert any(p.startswith("1 of 2 sampled") for p in sampling(WDID))
    assert not any(p.startswith("1 of 2 sampled") for p in sampling(OTHER_WDID))  # the stray row was not stored


def test_s3_refuses_an_oversize_file_and_the_api_refuses_roles_and_other_facilities(local: Stack) -> None:
    report_id = seed(local)
    status, granted = grant(local, {"kind": "program_facts", "program": "il_725_243", "file_name": "facts.json"},
                            as_user=user("LRP"))  # fmt: skip
    assert status == 200 and granted["key"] == f"programs/il_725_243/{WDID}/facts.json"
    oversize = post(granted, b"{" + b" " * 262_144 + b"}")
    assert oversize.status_code == 400 and "EntityTooLarge" in oversize.text

    status, refused = grant(local, {"kind": "monitoring", "file_name": "a.txt"}, as_user=user("viewer"))
    assert status == 403, refused
    status, refused = grant(local, {"kind": "program_facts", "program": "il_725_243", "file_name": "f.json"},
                            as_user=user("QISP"))  # fmt: skip
    assert status == 403
    status, refused = grant(local, {"kind": "monitoring", "file_name": "a.txt"}, as_user=user("DEP"), wdid=OTHER_WDID)
    assert status == 404  # DEP of WDID only
    status, refused = call(local, "GET", f"/facilities/{WDID}/uploads", as_user=user("LRP", OTHER_WDID))
    assert (status, refused["code"]) == (404, "not_found")  # another facility's uploads: as if none existed
    status, refused = grant(local, {"kind": "attachment", "file_name": "x.pdf", "report_id": "L1-1999",
                                    "file_type": "SWPPP", "title": "t"})  # fmt: skip
    assert (status, refused["code"]) == (404, "unknown_report")
    status, refused = grant(local, {"kind": "attachment", "file_name": "x.pdf", "report_id": report_id})
    assert (status, refused["code"]) == (400, "bad_metadata")
    status, refused = grant(local, {"kind": "monitoring", "file_name": "a.txt", "program": "il_725_243"})
    assert (status, refused["code"]) == (400, "bad_input") and refused["message"].startswith("program:")

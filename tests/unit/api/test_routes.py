from __future__ import annotations

from datetime import date

import pytest
from permitclock.api.models import LrpBody
from pydantic import ValidationError

from .conftest import BMP, OTHER_WDID, PARAMS, REPORT_ID, REVISED, WDID, Api, complete

BASE = f"/facilities/{WDID}/reports/{REPORT_ID}"


def test_facilities_lists_the_callers_roles(api: Api) -> None:
    status, body = api.call("GET", "/facilities", as_user="user-dep")
    assert status == 200
    assert [(f["wdid"], f["role"]) for f in body["facilities"]] == [(WDID, "DEP")]


def test_reports_obligations_and_detail(api: Api) -> None:
    status, body = api.call("GET", f"/facilities/{WDID}/reports", as_user="user-viewer")
    assert status == 200 and [r["report_id"] for r in body["reports"]] == [REPORT_ID]
    status, body = api.call("GET", f"/facilities/{WDID}/obligations")
    assert status == 200 and body["obligations"][0]["due"] == "2027-01-01"
    status, body = api.call("GET", BASE)
    assert status == 200 and body["report"]["status"] == "Future" and len(body["attachments"]) == 2


def test_the_whole_workflow_over_http(api: Api) -> None:
    status, body = api.call("POST", f"{BASE}/completion-check", as_user="user-viewer")
    assert status == 200 and not body["complete"]
    assert [p["code"] for p in body["problems"]] == ["parameter_without_demonstration"] * 2 + ["no_qisp"]

    status, body = api.call(
        "PUT",
        f"{BASE}/demonstrations",
        as_user="user-qisp",
        body={"demonstrations": {p: [BMP] for p in PARAMS}},
    )
    assert status == 200 and body["history"]["actor_role"] == "QISP"

    status, body = api.call("GET", "/qisps", as_user="user-dep", query={"last_name": "industrial"})
    assert status == 200 and [q["certificate_number"] for q in body["qisps"]] == ["F09876"]
    assert api.call("PUT", f"{BASE}/qisp", as_user="user-dep", body={"certificate_number": "X1"})[1]["code"] == (
        "qisp_not_in_registry"
    )
    status, body = api.call("PUT", f"{BASE}/qisp", as_user="user-dep", body={"certificate_number": "f09876"})
    assert status == 200 and body["report"]["qisp"]["last_name"] == "Industrial"

    status, body = api.call("POST", f"{BASE}/send-to-certifier", as_user="user-dep")
    assert status == 200 and body["report"]["status"] == "Not Submitted - certification required"
    assert [n.kind for n in api.publisher.sent] == ["report_sent_for_certification"]

    status, body = api.call(
        "POST",
        f"{BASE}/certify",
        as_user="user-dar",
        body={"certification_accepted": True, "certifier_title": "EHS Director"},
    )
    assert status == 200 and body["report"]["status"] == "Submitted"
    assert body["report"]["certification"]["certifier_name"] == "Name of user-dar"
    assert body["submission"]["submitted_on"] == "2026-11-03"
    assert body["submission"]["demonstrations"] == {p: [BMP] for p in PARAMS}
    assert [o.status for o in api.store.list_obligations(WDID)] == ["closed"]

    status, body = api.call("GET", BASE)
    assert [h["action"] for h in body["history"]] == [
        "edit_demonstrations",
        "set_qisp",
        "send_to_certifier",
        "certify",
    ]
    assert [h["seq"] for h in body["history"]] == [1, 2, 3, 4]


def test_updates_over_http(api: Api) -> None:
    api.store.add_report(complete(status="Submitted"))
    api.store.add_attachment(WDID, REPORT_ID, REVISED)
    status, body = api.call(
        "POST",
        f"{BASE}/updates",
        as_user="user-dep",
        body={"reason": "new data", "attachment_id": REVISED.attachment_id},
    )
    assert status == 200
    update_id = body["report"]["updates"][0]["update_id"]
    status, body = api.call(
        "POST",
        f"{BASE}/updates/{update_id}/certify",
        as_user="user-lrp",
        body={"certification_accepted": True},
    )
    assert status == 200 and body["submission"]["update_id"] == update_id
    assert body["report"]["updates"][0]["certification"]["certifier_title"] == "Manager"


def test_extensions_over_http(api: Api) -> None:
    status, body = api.call("POST", f"{BASE}/extension", as_user="user-dar")
    assert status == 200 and body["report"]["due"] == "2027-06-30"
    assert api.store.list_obligations(WDID)[0].due == date(2027, 6, 30)
    status, body = api.call("POST", f"{BASE}/extension", as_user="user-lrp")
    assert (status, body["code"]) == (409, "extension_already_used")
    status, body = api.call(
        "POST",
        f"{BASE}/regional-board-extension",
        as_user="user-lrp",
        body={"approval_letter_attachment_id": "3000001", "new_due": "2027-12-31"},
    )
    assert status == 200 and body["report"]["due"] == "2027-12-31"
    status, body = api.call(
        "POST",
        f"{BASE}/regional-board-extension",
        as_user="user-lrp",
        body={"approval_letter_attachment_id": "3000001", "new_due": "20270-12-31"},
    )
    assert status == 400  # a year of five digits is no date
    status, body = api.call(
        "POST",
        f"{BASE}/regional-board-extension",
        as_user="user-lrp",
        body={"approval_letter_attachment_id": "3000001", "new_due": "9999-12-31"},
    )
    assert (status, body["code"]) == (400, "new_due_too_far")


def test_lrp_manages_members(api: Api) -> None:
    status, body = api.call(
        "PUT",
        f"/facilities/{WDID}/members/new-user",
        body={"role": "DAR", "name": "New", "eauthorization_on_file": True},
    )
    assert status == 200 and body["role"] == "DAR"
    assert api.store.get_member(WDID, "new-user") is not None
    status, body = api.call("PUT", f"/facilities/{WDID}/members/user-lrp", body={"role": "viewer"})
    assert (status, body["code"]) == (409, "last_lrp")


def test_errors_have_one_shape(api: Api) -> None:
    assert api.call("GET", "/facilities", as_user=None) == (
        401,
        {"code": "unauthenticated", "message": "no verified identity on the request"},
    )
    status, body = api.call("PUT", f"{BASE}/demonstrations", as_user="user-dep", body={"demonstrations": {"x": ["y"]}})
    assert status == 400 and body["code"] == "bad_input" and set(body) == {"code", "message"}
    assert api.call("POST", f"{BASE}/certify", raw_body="{not json")[0] == 400
    assert api.call("GET", "/qisps", as_user="user-dep")[1]["code"] == "qisp_search_criterion"
    assert api.call("GET", "/nowhere") == (404, {"code": "not_found", "message": "no such resource"})
    status, body = api.call("PUT", f"/facilities/{OTHER_WDID}/members/x", body={"role": "DEP"})
    assert (status, body["code"]) == (404, "not_found")


@pytest.mark.parametrize(
    "email", ["new@x.example\r\nBcc: all@x.example", "new@x.example, boss@x.example", "new@x", "nëw@x.example", ""]
)
def test_a_member_or_lrp_address_ses_could_not_send_to_is_refused(api: Api, email: str) -> None:
    status, body = api.call("PUT", f"/facilities/{WDID}/members/new-user", body={"role": "DEP", "email": email})
    assert (status, body["code"]) == (400, "bad_input") and "email" in body["message"]
    assert api.store.get_member(WDID, "new-user") is None
    with pytest.raises(ValidationError, match="not an email address"):  # POST /facilities's LRP: the same type
        LrpBody.model_validate({"user_id": "u1", "email": email, "name": "N", "title": "T"})

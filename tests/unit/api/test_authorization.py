"""Every action x every role over HTTP, and tenant isolation: other facilities' ids are 404, leak nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from permitclock.domain.members import ROLES
from permitclock.domain.reports import ReportUpdate
from permitclock.workflow.roles import PERMISSIONS, Action

from .conftest import (
    BMP,
    OBLIGATION,
    OTHER_REPORT_ID,
    OTHER_WDID,
    PARAMS,
    REPORT_ID,
    REVISED,
    TODAY,
    WDID,
    Api,
    complete,
    user,
)

BASE = f"/facilities/{WDID}/reports/{REPORT_ID}"
OPEN_UPDATE = ReportUpdate(
    update_id=f"{REPORT_ID}-U1",
    reason="r",
    attachment_id=REVISED.attachment_id,
    prepared_by="user-dep",
    prepared_on=TODAY,
)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: Any = None
    setup: Callable[[Api], None] = lambda api: None


def _submitted(api: Api) -> None:
    api.store.add_report(complete(status="Submitted"))
    api.store.add_attachment(WDID, REPORT_ID, REVISED)


def _awaiting_update(api: Api) -> None:
    api.store.add_report(complete(status="Submitted", updates=(OPEN_UPDATE,)))


def _complete(api: Api) -> None:
    api.store.add_report(complete())


CERTIFY = {"certification_accepted": True, "certifier_title": "x"}
CALLS: dict[Action, Call] = {
    Action.VIEW: Call("GET", BASE),
    Action.COMPLETION_CHECK: Call("POST", f"{BASE}/completion-check"),
    Action.EDIT_DEMONSTRATIONS: Call("PUT", f"{BASE}/demonstrations", {"demonstrations": {PARAMS[0]: [BMP]}}),
    Action.SET_QISP: Call("PUT", f"{BASE}/qisp", {"certificate_number": "F09876"}),
    Action.SEND_TO_CERTIFIER: Call("POST", f"{BASE}/send-to-certifier", setup=_complete),
    Action.CERTIFY: Call("POST", f"{BASE}/certify", CERTIFY, setup=_complete),
    Action.PREPARE_UPDATE: Call(
        "POST", f"{BASE}/updates", {"reason": "r", "attachment_id": REVISED.attachment_id}, setup=_submitted
    ),
    Action.CERTIFY_UPDATE: Call(
        "POST", f"{BASE}/updates/{OPEN_UPDATE.update_id}/certify", CERTIFY, setup=_awaiting_update
    ),
    Action.REQUEST_EXTENSION: Call("POST", f"{BASE}/extension"),
    Action.RECORD_REGIONAL_BOARD_EXTENSION: Call(
        "POST",
        f"{BASE}/regional-board-extension",
        {"approval_letter_attachment_id": "3000001", "new_due": "2027-09-01"},
    ),
    Action.EDIT_REPORT_DETAILS: Call("PUT", f"{BASE}/details", {"smarts_report_id": "961116"}),
    Action.COMPLETE_OBLIGATION: Call(
        "POST",
        f"/facilities/{WDID}/obligations/{quote(OBLIGATION.obligation_id)}/complete",
        {"completed_on": "2026-11-01"},
    ),
    Action.MANAGE_MEMBERS: Call("PUT", f"/facilities/{WDID}/members/someone", {"role": "viewer"}),
    Action.EDIT_PROGRAM_FACTS: Call(
        "PUT",
        f"/facilities/{WDID}/programs/ma_srf",
        {"entity_id": WDID, "loans": [{"id": "L1", "awarded": "2026-10-01"}]},
    ),
    Action.RECORD_LAB_RESULTS: Call(
        "PUT", f"/facilities/{WDID}/sampling-events/2026-10-01/lab-results", {"received_on": "2026-10-20"}
    ),
    Action.ROTATE_CALENDAR_TOKEN: Call("POST", f"/facilities/{WDID}/calendar-token"),
    Action.UPLOAD_DOCUMENTS: Call("POST", f"/facilities/{WDID}/uploads", {"kind": "monitoring", "file_name": "a.txt"}),
}


def test_every_action_is_exercised() -> None:
    assert set(CALLS) == set(Action)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(Action))
def test_role_matrix(api: Api, action: Action, role: str) -> None:
    call = CALLS[action]
    call.setup(api)
    status, body = api.call(call.method, call.path, as_user=user(role), body=call.body)
    if role in PERMISSIONS[action]:
        assert status == 200, body
    else:
        assert (status, body) == (403, {"code": "role_not_permitted", "message": body["message"]})


@pytest.mark.parametrize("action", [Action.CERTIFY, Action.CERTIFY_UPDATE])
def test_a_signatory_without_eauthorization_is_refused(api: Api, action: Action) -> None:
    call = CALLS[action]
    call.setup(api)
    lrp = api.store.get_member(WDID, "user-lrp")
    assert lrp is not None
    api.store.put_member(lrp.model_copy(update={"eauthorization_on_file": False}))
    status, body = api.call(call.method, call.path, body=call.body)
    assert (status, body["code"]) == (403, "eauthorization_required")


STRANGER = user("LRP", OTHER_WDID)


@pytest.mark.parametrize("action", list(Action))
def test_another_facilitys_ids_are_not_found(api: Api, action: Action) -> None:
    call = CALLS[action]
    call.setup(api)
    before = (
        dict(api.store.reports),
        {k: list(v) for k, v in api.store.history.items()},
        dict(api.store.facilities.roles),
    )
    status, body = api.call(call.method, call.path, as_user=STRANGER, body=call.body)
    assert (status, body["code"]) == (404, "not_found")
    assert REPORT_ID not in body["message"] and set(body) == {"code", "message"}
    # the stranger's own facility path with this facility's report id is not found either
    own = call.path.replace(f"/facilities/{WDID}", f"/facilities/{OTHER_WDID}")
    if REPORT_ID in own:
        status, body = api.call(call.method, own, as_user=STRANGER, body=call.body)
        assert (status, body["code"]) == (404, "not_found")
    assert before == (
        dict(api.store.reports),
        {k: list(v) for k, v in api.store.history.items()},
        dict(api.store.facilities.roles),
    )
    assert api.publisher.sent == []


@pytest.mark.parametrize("path", [f"/facilities/{WDID}/reports", f"/facilities/{WDID}/obligations"])
def test_lists_of_another_facility_are_not_found(api: Api, path: str) -> None:
    assert api.call("GET", path, as_user=STRANGER)[0] == 404


def test_the_stranger_still_sees_their_own_report(api: Api) -> None:
    status, body = api.call("GET", f"/facilities/{OTHER_WDID}/reports/{OTHER_REPORT_ID}", as_user=STRANGER)
    assert status == 200 and body["report"]["wdid"] == OTHER_WDID

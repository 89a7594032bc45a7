"""Every illegal transition answers 409 with its code; extension boundaries at the API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from permitclock.clock import PERMIT_TZ, FixedClock
from permitclock.domain.reports import Certification, ReportUpdate
from permitclock.errors import Conflict
from permitclock.workflow.extensions import request_extension

from .conftest import REPORT_ID, REVISED, TODAY, WDID, Api, complete, make_api, report

BASE = f"/facilities/{WDID}/reports/{REPORT_ID}"
CERTIFY = {"certification_accepted": True, "certifier_title": "x"}
AWAITING = "Not Submitted - certification required"
CERT = Certification(
    certifier_user_id="u", certifier_name="n", certifier_title="t", certified_on=TODAY, certification_id="c"
)
DONE_UPDATE = ReportUpdate(
    update_id=f"{REPORT_ID}-U1",
    reason="r",
    attachment_id=REVISED.attachment_id,
    prepared_by="u",
    prepared_on=TODAY,
    certification=CERT,
)
OPEN_UPDATE = DONE_UPDATE.model_copy(update={"update_id": f"{REPORT_ID}-U2", "certification": None})
PLAN: dict[str, Any] = {"report_type": "Level 2 ERA Action Plan", "demonstrations": {}}

ILLEGAL: list[tuple[str, Any, str, str, Any, str]] = [
    (
        "send twice",
        complete(status=AWAITING),
        "POST",
        "send-to-certifier",
        None,
        "already_sent_for_certification",
    ),
    ("send submitted", complete(status="Submitted"), "POST", "send-to-certifier", None, "report_submitted"),
    ("send incomplete", report(), "POST", "send-to-certifier", None, "completion_check_failed"),
    ("certify submitted", complete(status="Submitted"), "POST", "certify", CERTIFY, "report_submitted"),
    ("certify incomplete", report(), "POST", "certify", CERTIFY, "completion_check_failed"),
    (
        "edit submitted",
        complete(status="Submitted"),
        "PUT",
        "demonstrations",
        {"demonstrations": {}},
        "report_submitted",
    ),
    (
        "qisp on submitted",
        complete(status="Submitted"),
        "PUT",
        "qisp",
        {"certificate_number": "F09876"},
        "report_submitted",
    ),
    (
        "demonstrations on a plan",
        report(**PLAN),
        "PUT",
        "demonstrations",
        {"demonstrations": {}},
        "demonstrations_not_applicable",
    ),
    (
        "update before submission",
        complete(),
        "POST",
        "updates",
        {"reason": "r", "attachment_id": "2087923"},
        "report_not_submitted",
    ),
    (
        "update a plan",
        complete(status="Submitted", **PLAN),
        "POST",
        "updates",
        {"reason": "r", "attachment_id": "2087923"},
        "updates_only_for_technical_report",
    ),
    (
        "second open update",
        complete(status="Submitted", updates=(OPEN_UPDATE,)),
        "POST",
        "updates",
        {"reason": "r", "attachment_id": "2087923"},
        "update_in_progress",
    ),
    (
        "certify a certified update",
        complete(status="Submitted", updates=(DONE_UPDATE,)),
        "POST",
        f"updates/{DONE_UPDATE.update_id}/certify",
        CERTIFY,
        "update_already_certified",
    ),
    ("extension on a plan", report(**PLAN), "POST", "extension", None, "extension_not_available"),
    (
        "extension on a submitted report",
        complete(status="Submitted"),
        "POST",
        "extension",
        None,
        "report_submitted",
    ),
    (
        "regional board on a submitted report",
        complete(status="Submitted"),
        "POST",
        "regional-board-extension",
        {"approval_letter_attachment_id": "3000001", "new_due": "2027-09-01"},
        "report_submitted",
    ),
]


@pytest.mark.parametrize(("name", "stored", "method", "tail", "body", "code"), ILLEGAL, ids=[i[0] for i in ILLEGAL])
def test_illegal_transitions_are_409(
    api: Api, name: str, stored: Any, method: str, tail: str, body: Any, code: str
) -> None:
    api.store.add_report(stored)
    before = api.store.reports[(WDID, REPORT_ID)]
    status, answer = api.call(method, f"{BASE}/{tail}", body=body)
    assert (status, answer["code"]) == (409, code)
    assert api.store.reports[(WDID, REPORT_ID)] == before and api.publisher.sent == []


def test_a_stale_version_is_a_conflict(api: Api) -> None:
    stale = api.store.reports[(WDID, REPORT_ID)]
    api.store.add_report(stale.model_copy(update={"version": 5}))
    member = api.store.get_member(WDID, "user-lrp")
    assert member is not None
    with pytest.raises(Conflict) as err:
        api.store.commit(request_extension(stale, member, FixedClock.on(TODAY)))
    assert err.value.code == "concurrent_update"


def _api_at(api: Api, instant: datetime) -> Api:
    return make_api(api.store, api.publisher, FixedClock(instant))


def test_extension_on_the_due_date_is_allowed(api: Api) -> None:
    late = _api_at(api, datetime(2027, 1, 1, 23, 59, tzinfo=PERMIT_TZ))
    status, body = late.call("POST", f"{BASE}/extension", as_user="user-dar")
    assert (status, body["report"]["due"]) == (200, "2027-06-30")


def test_extension_the_day_after_is_refused(api: Api) -> None:
    after = _api_at(api, datetime(2027, 1, 2, 0, 0, tzinfo=PERMIT_TZ))
    status, body = after.call("POST", f"{BASE}/extension", as_user="user-dar")
    assert (status, body["code"]) == (409, "extension_request_too_late")
    assert api.store.reports[(WDID, REPORT_ID)].due == date(2027, 1, 1)


def test_the_due_date_is_judged_in_los_angeles(api: Api) -> None:
    utc_next_day = _api_at(api, datetime(2027, 1, 2, 7, 0, tzinfo=ZoneInfo("UTC")))  # 23:00 Jan 1 in LA
    assert utc_next_day.call("POST", f"{BASE}/extension", as_user="user-lrp")[0] == 200

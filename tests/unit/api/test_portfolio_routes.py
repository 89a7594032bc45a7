"""GET /facilities and GET /obligations over the fakes: the portfolio's fields, every filter, cursor paging, CSV,
and another facility's ids 404."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from permitclock.domain.levels import ParameterStatus
from permitclock.domain.members import Member
from permitclock.domain.obligations import Obligation

from .conftest import OTHER_WDID, TODAY, WDID, Api, make_api

THIRD = "2 19I000777"


def obligation(wdid: str, subject: str, due: date | None, *, program: str = "igp", status: str = "open") -> Obligation:
    return Obligation(
        program=program,
        type="report",
        facility_id=wdid,
        subject=subject,
        due=due,
        section="s",
        status=status,  # type: ignore[arg-type]
    )


@pytest.fixture
def portfolio() -> Api:
    """user-lrp belongs to WDID and THIRD (not OTHER_WDID); obligations around TODAY in all three."""
    api = make_api()
    api.store.put_member(Member(wdid=THIRD, user_id="user-lrp", role="DEP"))
    api.store.facilities.put_profile(WDID, "Harbor Plating Works", coverage_status="Active")
    api.store.facilities.put_profile(THIRD, "Delta Foundry", coverage_status="Terminated")
    api.levels.statuses[(WDID, "Zinc, Total (Recoverable)")] = ParameterStatus(
        parameter="Zinc, Total (Recoverable)", level="Level 1"
    )
    api.store.obligations.items.clear()  # only these obligations
    day = TODAY
    for o in (
        obligation(WDID, "late", day - timedelta(days=10)),
        obligation(WDID, "late-too", day - timedelta(days=1)),
        obligation(WDID, "met", day - timedelta(days=5), status="closed"),
        obligation(WDID, "soon", day + timedelta(days=3), program="il_725_243"),
        obligation(THIRD, "today", day),
        obligation(THIRD, "later", day + timedelta(days=40)),
        obligation(THIRD, "unknown", None, status="pending"),
        obligation(OTHER_WDID, "not-mine", day + timedelta(days=1)),
    ):
        api.store.add_obligation(o)
    return api


def subjects(body: dict) -> list[str]:
    return [o["subject"] for o in body["obligations"]]


def test_facilities_give_name_role_coverage_levels_next_due_and_overdue(portfolio: Api) -> None:
    status, body = portfolio.call("GET", "/facilities")
    assert status == 200
    by_wdid = {f["wdid"]: f for f in body["facilities"]}
    assert list(by_wdid) == sorted([WDID, THIRD])
    harbor, delta = by_wdid[WDID], by_wdid[THIRD]
    assert (harbor["name"], harbor["role"], harbor["coverage_status"]) == ("Harbor Plating Works", "LRP", "Active")
    assert harbor["levels"] == {"Zinc, Total (Recoverable)": "Level 1"}
    assert harbor["overdue_count"] == 2
    assert harbor["next_due"]["subject"] == "soon" and harbor["next_due"]["obligation_id"].startswith("il_725_243:")
    assert (delta["coverage_status"], delta["overdue_count"], delta["next_due"]["subject"]) == (
        "Terminated",
        0,
        "today",
    )


def test_facilities_as_csv(portfolio: Api) -> None:
    response = portfolio.app.resolve(_event(portfolio, "/facilities", accept="text/csv"), {})
    assert response["statusCode"] == 200 and response["headers"]["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response["body"])))
    assert [(r["wdid"], r["name"], r["overdue_count"]) for r in rows] == [
        (THIRD, "Delta Foundry", "0"),
        (WDID, "Harbor Plating Works", "2"),
    ]
    assert rows[1]["levels"] == "Zinc, Total (Recoverable)=Level 1" and rows[1]["next_due"] == "2026-11-06"


def _event(api: Api, path: str, *, accept: str, query: dict[str, str] | None = None) -> dict:
    from .conftest import event

    out = event("GET", path, as_user="user-lrp", query=query)
    out["headers"]["accept"] = accept
    return out


def test_obligations_are_the_callers_in_due_order_undated_last(portfolio: Api) -> None:
    status, body = portfolio.call("GET", "/obligations")
    assert status == 200 and body["next"] is None
    assert subjects(body) == ["late", "met", "late-too", "today", "soon", "later", "unknown"]
    assert all(o["obligation_id"].endswith(f":{o['type']}:") for o in body["obligations"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "open"}, ["late", "late-too", "today", "soon", "later"]),
        ({"status": "closed"}, ["met"]),
        ({"status": "pending"}, ["unknown"]),
        ({"status": "overdue"}, ["late", "late-too"]),
        ({"due_from": TODAY.isoformat()}, ["today", "soon", "later"]),
        ({"due_to": TODAY.isoformat()}, ["late", "met", "late-too", "today"]),
        ({"due_from": TODAY.isoformat(), "due_to": (TODAY + timedelta(days=3)).isoformat()}, ["today", "soon"]),
        ({"program": "il_725_243"}, ["soon"]),
        ({"wdid": THIRD}, ["today", "later", "unknown"]),
        ({"wdid": WDID, "status": "overdue", "due_from": (TODAY - timedelta(days=2)).isoformat()}, ["late-too"]),
    ],
)
def test_every_filter(portfolio: Api, query: dict[str, str], expected: list[str]) -> None:
    status, body = portfolio.call("GET", "/obligations", query=query)
    assert (status, subjects(body)) == (200, expected)


def test_paging_by_cursor_gives_every_obligation_once(portfolio: Api) -> None:
    seen: list[str] = []
    query: dict[str, str] = {"limit": "2", "status": "open"}
    pages = 0
    while True:
        status, body = portfolio.call("GET", "/obligations", query=query)
        assert status == 200 and len(body["obligations"]) <= 2
        seen += subjects(body)
        pages += 1
        if body["next"] is None:
            break
        query = {**query, "next": body["next"]}
    assert seen == ["late", "late-too", "today", "soon", "later"] and pages >= 3


def test_bad_cursors_limits_and_other_facilities(portfolio: Api) -> None:
    first = portfolio.call("GET", "/obligations", query={"limit": "1"})[1]
    assert first["next"]
    # a cursor belongs to its filters
    status, body = portfolio.call("GET", "/obligations", query={"limit": "1", "status": "open", "next": first["next"]})
    assert (status, body["code"]) == (400, "bad_cursor")
    assert portfolio.call("GET", "/obligations", query={"next": "not-a-cursor"})[1]["code"] == "bad_cursor"
    assert portfolio.call("GET", "/obligations", query={"limit": "0"})[0] == 400
    assert portfolio.call("GET", "/obligations", query={"limit": "201"})[0] == 400
    assert portfolio.call("GET", "/obligations", query={"status": "late"})[0] == 400
    assert portfolio.call("GET", "/obligations", query={"due_from": "2026-12-01", "due_to": "2026-11-01"})[0] == 400
    status, body = portfolio.call("GET", "/obligations", query={"wdid": OTHER_WDID})
    assert (status, body["code"]) == (404, "not_found")
    assert portfolio.call("GET", "/obligations", as_user="nobody") == (200, {"obligations": [], "next": None})


def test_obligations_as_csv_carry_the_cursor_in_a_header(portfolio: Api) -> None:
    response = portfolio.app.resolve(_event(portfolio, "/obligations", accept="text/csv", query={"limit": "3"}), {})
    rows = list(csv.DictReader(io.StringIO(response["body"])))
    assert [r["subject"] for r in rows] == ["late", "met", "late-too"]
    assert rows[0]["obligation_id"] == f"igp:{WDID}:late:report:" and rows[0]["due"] == "2026-10-24"
    assert response["headers"]["X-Next-Cursor"]

"""The portfolio through the local stack: GET /facilities and GET /obligations on the template's table (the
portfolio index `gsi4-obligations`), paged with every filter; the DynamoDB requests of a page do not grow with
the number of facilities; another facility's ids 404."""

from __future__ import annotations

from datetime import date, timedelta

from permitclock.adapters.facilities import FacilityDirectory
from permitclock.adapters.obligations import ObligationStore
from permitclock.adapters.reports import DynamoDbReportStore
from permitclock.clock import SystemClock, today
from permitclock.domain.members import Member
from permitclock.domain.obligations import Obligation

from tests.integration.conftest import Stack
from tests.integration.test_api import call, dynamodb_requests

CONSULTANT = "consultant"


def _facility(local: Stack, n: int, *, member: str | None = CONSULTANT) -> str:
    """Facility n with a profile, the consultant's role and three obligations around today."""
    wdid = f"5 33I{n:06d}"
    FacilityDirectory(local.table).put_profile(wdid, f"Facility {n}", coverage_status="Active")
    if member:
        DynamoDbReportStore(local.table).put_member(Member(wdid=wdid, user_id=member, role="LRP"))
    day = today(SystemClock())
    obligations = ObligationStore(local.table)
    for subject, due, program in (("past", -3, "igp"), ("near", 5, "igp"), ("far", 90, "tx_115")):
        obligations.put_new(
            Obligation(program=program, type="report", facility_id=wdid, subject=subject,
                       due=day + timedelta(days=due), section="s")
        )  # fmt: skip
    return wdid


def _all_pages(local: Stack, query: dict[str, str], as_user: str = CONSULTANT) -> tuple[list[dict], list[int]]:
    """Every page of GET /obligations with `query`, and the DynamoDB requests each took."""
    found: list[dict] = []
    per_page: list[int] = []
    while True:
        with dynamodb_requests(local) as counts:
            status, body = call(local, "GET", "/obligations", as_user=as_user, query=query)
        assert status == 200, body
        per_page.append(sum(counts.values()))
        found += body["obligations"]
        if body["next"] is None:
            return found, per_page
        query = {**query, "next": body["next"]}


def test_obligations_page_with_every_filter_and_a_page_costs_the_same_for_5_or_40_facilities(local: Stack) -> None:
    mine = [_facility(local, n) for n in range(5)]
    other = _facility(local, 99, member="someone-else")
    day = today(SystemClock())

    found, per_page = _all_pages(local, {"limit": "4"})
    assert sorted((o["facility_id"], o["subject"]) for o in found) == sorted(
        (w, s) for w in mine for s in ("past", "near", "far")
    )
    assert [o["due"] for o in found] == sorted(o["due"] for o in found)
    assert max(per_page) <= 2  # the caller's memberships, and one Query of the index

    for query, expected in (
        ({"status": "overdue"}, {"past"}),
        ({"due_from": day.isoformat(), "due_to": (day + timedelta(days=30)).isoformat()}, {"near"}),
        ({"program": "tx_115"}, {"far"}),
        ({"status": "open", "wdid": mine[2]}, {"past", "near", "far"}),
    ):
        found, _ = _all_pages(local, {"limit": "3", **query})
        assert {o["subject"] for o in found} == expected
        assert {o["facility_id"] for o in found} == ({query["wdid"]} if "wdid" in query else set(mine))
    assert call(local, "GET", "/obligations", as_user=CONSULTANT, query={"wdid": other})[0] == 404

    few = _all_pages(local, {"limit": "5", "status": "overdue"})[1]
    for n in range(5, 40):
        _facility(local, n)
    many_found, many = _all_pages(local, {"limit": "5", "status": "overdue"})
    assert len(many_found) == 40
    assert max(many) == max(few) <= 2  # per page: the same requests for 40 facilities as for 5


def test_facilities_at_a_glance_and_as_csv(local: Stack) -> None:
    wdid = _facility(local, 1)
    _facility(local, 2, member="someone-else")

    status, body = call(local, "GET", "/facilities", as_user=CONSULTANT)

    assert status == 200
    [facility] = body["facilities"]
    assert {k: facility[k] for k in ("wdid", "name", "role", "coverage_status", "levels", "overdue_count")} == {
        "wdid": wdid, "name": "Facility 1", "role": "LRP", "coverage_status": "Active", "levels": {},
        "overdue_count": 1,
    }  # fmt: skip
    assert facility["next_due"]["subject"] == "near" and facility["next_due"]["obligation_id"].endswith(":report:")

    event_response = local.runner.invoke("ApiFunction", _csv_event("/facilities"))
    assert event_response["headers"]["Content-Type"].startswith("text/csv")
    assert event_response["body"].splitlines()[1].startswith(f"{wdid},Facility 1,LRP,Active,")


def _csv_event(path: str) -> dict:
    from tests.integration.test_api import event

    out = event("GET", path, as_user=CONSULTANT)
    out["headers"]["accept"] = "text/csv"
    return out


def test_a_cursor_names_no_other_facility(local: Stack) -> None:
    _facility(local, 1)
    theirs = _facility(local, 2, member="someone-else")
    status, body = call(local, "GET", "/obligations", as_user="someone-else", query={"limit": "1"})
    assert status == 200 and body["next"]
    # their cursor under the consultant's identity lists only the consultant's obligations
    found, _ = _all_pages(local, {"limit": "1", "next": body["next"]})
    assert found and theirs not in {o["facility_id"] for o in found}
    assert date.fromisoformat(found[0]["due"])

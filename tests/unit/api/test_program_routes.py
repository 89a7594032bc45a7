"""The program facts routes: GET/PUT /facilities/{wdid}/programs[/{program}] over the fakes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from permitclock.services.program_intake import CLOSED_REASON, evaluate_document

from .conftest import OTHER_WDID, TODAY, WDID, Api, user

EXAMPLE = Path(__file__).resolve().parents[3] / "events" / "programs" / "il_725_243_example.json"
PUT = f"/facilities/{WDID}/programs/il_725_243"
BOND_NOTICE = "il_725_243:{wdid}:bond-2019-07:no_cancellation_before:cancellation_notice:0"


def il_facts(wdid: str = WDID) -> dict[str, Any]:
    facts = json.loads(EXAMPLE.read_text())
    facts["facility"]["id"] = wdid
    return facts


@pytest.fixture
def papi(api: Api) -> Api:
    return api


def test_put_opens_the_obligations_the_rules_give_and_the_list_shows_them(papi: Api) -> None:
    status, body = papi.call("PUT", PUT, as_user=user("DEP"), body=il_facts())

    _, expected = evaluate_document("il_725_243", il_facts(), TODAY)
    assert status == 200, body
    assert body["as_of"] == TODAY.isoformat()
    assert sorted(body["opened"]) == sorted(o.obligation_id for o in expected)
    assert (body["updated"], body["closed"], body["unchanged"]) == ([], [], 0)
    status, listed = papi.call("GET", f"/facilities/{WDID}/obligations", as_user=user("viewer"))
    assert status == 200
    dues = {(o["subject"], o["type"]): o["due"] for o in listed["obligations"] if o["program"] == "il_725_243"}
    assert dues == {(o.subject, o.type): (o.due.isoformat() if o.due else None) for o in expected}
    assert any(o["program"] == "igp" for o in listed["obligations"])


def test_get_lists_the_facts_as_received(papi: Api) -> None:
    papi.call("PUT", PUT, as_user=user("LRP"), body=il_facts())

    status, body = papi.call("GET", f"/facilities/{WDID}/programs", as_user=user("viewer"))

    assert status == 200
    [entry] = body["programs"]
    assert entry["program"] == "il_725_243" and entry["facility_id"] == WDID
    assert entry["facts"]["facility"] == {"id": WDID, "name": "Riverbend Treatment Works"}
    assert entry["facts"]["mechanisms"][2]["amount"] == "120000.0"  # a fraction comes back as exact decimal text
    assert entry["source"] == {"kind": "api", "user_id": user("LRP")}
    assert len(entry["obligation_ids"]) == 8  # the bond, cancelled from 2024-09-06, has no (b)(7) duty by TODAY


def test_a_changed_receipt_date_moves_the_due_date_and_bumps_the_sequence(papi: Api) -> None:
    papi.call("PUT", PUT, as_user=user("DAR"), body=il_facts())
    facts = il_facts()
    facts["mechanisms"][0]["events"][0]["agency_received"] = "2024-05-20"

    status, body = papi.call("PUT", PUT, as_user=user("DAR"), body=facts)

    bond = BOND_NOTICE.format(wdid=WDID)
    assert status == 200, body
    assert bond in body["updated"] and body["opened"] == [] and body["closed"] == []
    found = papi.store.obligations.get(WDID, bond)
    assert found is not None
    assert found[0].due is not None and found[0].due.isoformat() == "2024-09-17"  # R = 2024-05-20, + 120
    assert found[1] == 1


def test_the_same_facts_again_change_nothing(papi: Api) -> None:
    papi.call("PUT", PUT, as_user=user("LRP"), body=il_facts())
    status, body = papi.call("PUT", PUT, as_user=user("LRP"), body=il_facts())
    assert status == 200
    assert (body["opened"], body["updated"], body["closed"], body["unchanged"]) == ([], [], [], 8)


def test_obligations_the_facts_no_longer_give_are_closed_with_a_reason(papi: Api) -> None:
    papi.call("PUT", PUT, as_user=user("LRP"), body=il_facts())
    facts = il_facts()
    del facts["mechanisms"][1]  # the letter of credit is gone

    status, body = papi.call("PUT", PUT, as_user=user("LRP"), body=facts)

    assert status == 200
    assert not any(":loc-448:" in i for i in body["obligation_ids"])
    assert sum(":loc-448:" in i for i in body["closed"]) == 4  # its (c)(5), (c)(7) and two (c)(9) obligations
    for obligation_id in body["closed"]:
        found = papi.store.obligations.get(WDID, obligation_id)
        assert found is not None and found[0].status == "closed"
        assert found[0].facts["closed_reason"] == CLOSED_REASON
    # and uploading the letter of credit again reopens them
    status, body = papi.call("PUT", PUT, as_user=user("LRP"), body=il_facts())
    assert status == 200 and any(":loc-448:" in i for i in body["updated"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda f: f["mechanisms"][1]["events"][0].update(owner_received="2024-13-01"),
         "mechanisms[1].events[0].owner_received"),
        (lambda f: f["facility"].update(id="ILD999999999"), "facility.id"),
        (lambda f: f.pop("cost_estimates"), "cost_estimates"),
        (lambda f: f["mechanisms"][0].update(type="bond"), "mechanisms[0].type"),
    ],
)  # fmt: skip
def test_bad_facts_are_400_naming_the_field_and_write_nothing(papi: Api, change: Any, field: str) -> None:
    facts = copy.deepcopy(il_facts())
    change(facts)
    before = dict(papi.store.obligations.items)

    status, body = papi.call("PUT", PUT, as_user=user("LRP"), body=facts)

    assert status == 400, body
    assert body["message"].startswith(f"{field}:"), body
    assert papi.store.obligations.items == before
    assert papi.call("GET", f"/facilities/{WDID}/programs", as_user=user("LRP"))[1] == {"programs": []}


def test_an_unknown_program_is_400_naming_it(papi: Api) -> None:
    status, body = papi.call("PUT", f"/facilities/{WDID}/programs/nj_7_26", as_user=user("LRP"), body={})
    assert status == 400 and body["message"].startswith("program:")


def test_a_body_that_is_not_an_object_is_400(papi: Api) -> None:
    status, _ = papi.call("PUT", PUT, as_user=user("LRP"), raw_body="[1, 2]")
    assert status == 400
    status, _ = papi.call("PUT", PUT, as_user=user("LRP"), raw_body="{not json")
    assert status == 400


@pytest.mark.parametrize(("role", "allowed"), [("LRP", True), ("DAR", True), ("DEP", True), ("QISP", False),
                                               ("viewer", False)])  # fmt: skip
def test_who_may_write_and_everyone_reads(papi: Api, role: str, allowed: bool) -> None:
    status, body = papi.call("PUT", PUT, as_user=user(role), body=il_facts())
    assert status == (200 if allowed else 403), body
    if not allowed:
        assert body["code"] == "role_not_permitted"
    assert papi.call("GET", f"/facilities/{WDID}/programs", as_user=user(role))[0] == 200


def test_another_facility_is_not_found_and_untouched(papi: Api) -> None:
    stranger = user("LRP", OTHER_WDID)
    status, body = papi.call("PUT", PUT, as_user=stranger, body=il_facts())
    assert (status, body["code"]) == (404, "not_found")
    assert papi.call("GET", f"/facilities/{WDID}/programs", as_user=stranger)[0] == 404
    assert not any(o.program == "il_725_243" for o, _ in papi.store.obligations.items.values())
    # the stranger cannot file facts naming this facility under their own either
    status, body = papi.call(
        "PUT", f"/facilities/{OTHER_WDID}/programs/il_725_243", as_user=stranger, body=il_facts(WDID)
    )
    assert status == 400 and body["message"].startswith("facility.id:")


@pytest.mark.parametrize(
    ("program", "facts", "field"),
    [
        ("tx_115", {"plant_id": "RN100000001"}, "plant_id"),
        (
            "pa_cbts",
            {
                "project_id": "P-1",
                "point_source": {"kind": "sewage", "design_flow_mgd": "0.1"},
                "new_tn_lb_per_year": 100,
                "new_tp_lb_per_year": 10,
            },
            "project_id",
        ),
        ("ma_srf", {"entity_id": "Boxford"}, "entity_id"),
    ],
)
def test_each_program_names_its_facility_field(papi: Api, program: str, facts: Any, field: str) -> None:
    path = f"/facilities/{WDID}/programs/{program}"
    status, body = papi.call("PUT", path, as_user=user("LRP"), body=facts)
    assert (status, body["code"]) == (400, "facility_mismatch") and body["message"].startswith(f"{field}:"), body

    status, body = papi.call("PUT", path, as_user=user("LRP"), body={**facts, field: WDID})
    assert status == 200, body
    assert all(f":{WDID}:" in i for i in body["obligation_ids"])

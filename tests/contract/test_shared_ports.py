"""The shared ports (`permitclock.services.ports`): the fakes and the DynamoDB adapters answer alike."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from permitclock.adapters.send_claims import CLAIM_LEASE
from permitclock.clock import PERMIT_TZ
from permitclock.domain.members import Member
from permitclock.domain.obligations import Obligation

from tests.contract.conftest import Ports

WDID = "4 19I000033"
OTHER = "5S34I025848"
NOW = datetime(2026, 12, 1, 6, tzinfo=PERMIT_TZ)


def obligation(name: str, due: date | None, wdid: str = WDID, **fields: object) -> Obligation:
    return Obligation.model_validate(
        {"program": "igp", "type": "level_1_era_report", "facility_id": wdid, "subject": name, "due": due,
         "section": "IGP XII.C.2", "period": "2025-2026", **fields}
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------- Obligations
def test_an_obligation_is_opened_once_and_replaced_with_its_sequence(ports: Ports) -> None:
    first = obligation("Zinc", date(2027, 1, 1))

    assert ports.obligations.put_new(first) is True
    assert ports.obligations.put_new(first.model_copy(update={"section": "changed"})) is False
    assert ports.obligations.get(WDID, first.obligation_id) == (first, 0)

    moved = first.model_copy(update={"due": date(2027, 3, 1)})
    ports.obligations.replace(moved, ics_sequence=1)
    assert ports.obligations.get(WDID, first.obligation_id) == (moved, 1)
    assert ports.obligations.get(WDID, "nothing") is None


def test_a_facilitys_obligations_come_in_id_order_with_their_sequences(ports: Ports) -> None:
    a, b = obligation("Zinc", date(2027, 1, 1)), obligation("pH", None, status="pending")
    for o in (a, b, obligation("Zinc", date(2027, 1, 1), wdid=OTHER)):
        ports.obligations.put_new(o)

    listed = ports.obligations.for_facility_with_sequence(WDID)

    assert listed == sorted([(a, 0), (b, 0)], key=lambda e: e[0].obligation_id)


def test_the_due_window_holds_open_dated_obligations_up_to_the_day_overdue_included(ports: Ports) -> None:
    overdue = obligation("Copper", date(2020, 1, 1))
    due = obligation("Zinc", date(2027, 1, 1), wdid=OTHER)
    window = obligation("Iron", None, window_end=date(2026, 12, 31))
    later = obligation("Lead", date(2027, 6, 1))
    closed = obligation("pH", date(2026, 12, 15), status="closed")
    undated = obligation("TSS", None, status="pending")
    for o in (overdue, due, window, later, closed, undated):
        ports.obligations.put_new(o)

    found = {o.obligation_id for o, _ in ports.obligations.due_through(date(2027, 1, 1))}

    assert found == {overdue.obligation_id, due.obligation_id, window.obligation_id}


# ---------------------------------------------------------------------------------------------- Facilities
def test_profiles_members_and_a_users_facilities(ports: Ports) -> None:
    ports.facilities.put_profile(WDID, "Harbor Plating Works", reminder_policy={"steps": [7]})
    ports.facilities.put_member(Member(wdid=WDID, user_id="u2", role="DEP", email="dep@x.example", cc_opt_in=True))
    ports.facilities.put_member(Member(wdid=WDID, user_id="u1", role="LRP", email="lrp@x.example", name="Pat"))
    ports.facilities.put_member(Member(wdid=OTHER, user_id="u1", role="viewer", email="lrp@x.example", digest=True))

    profile = ports.facilities.profile(WDID)
    assert profile is not None
    assert (profile["name"], profile["reminder_policy"]["steps"]) == ("Harbor Plating Works", [7])
    assert ports.facilities.profile(OTHER) is None
    assert ports.facilities.facility_name(WDID) == "Harbor Plating Works"
    assert ports.facilities.facility_name(OTHER) == OTHER
    members = ports.facilities.members(WDID)
    assert [(m.user_id, m.role, m.name, m.digest, m.cc_opt_in) for m in members] == [
        ("u1", "LRP", "Pat", False, False),
        ("u2", "DEP", "", False, True),
    ]
    assert [m.digest for m in ports.facilities.members(OTHER)] == [True]
    assert ports.facilities.facilities_of("u1") == sorted([WDID, OTHER])
    assert ports.facilities.facilities_of("nobody") == []


# ---------------------------------------------------------------------------------------------- Claims
def test_a_send_is_claimed_once_until_its_lease_runs_out(ports: Ports) -> None:
    claims = ports.claims

    assert claims.claim("n1", "LRP@Harbor.example", NOW) is True
    live, run_out = NOW + CLAIM_LEASE - timedelta(seconds=1), NOW + CLAIM_LEASE + timedelta(seconds=1)
    assert claims.claim("n1", "lrp@harbor.example", live) is False  # same address, live lease
    assert claims.status("n1", "lrp@harbor.example") == "sending"
    assert claims.claim("n1", "lrp@harbor.example", run_out) is True  # the lease ran out

    claims.mark("n1", "lrp@harbor.example", "sent", "ses-1")
    assert claims.status("n1", "lrp@harbor.example") == "sent"
    assert claims.claim("n1", "lrp@harbor.example", NOW + timedelta(days=2)) is False
    assert claims.claim("n2", "lrp@harbor.example", NOW) is True


def test_a_released_claim_can_be_taken_again(ports: Ports) -> None:
    assert ports.claims.claim("n1", "a@x.example", NOW)
    ports.claims.release("n1", "a@x.example")
    assert ports.claims.status("n1", "a@x.example") is None
    assert ports.claims.claim("n1", "a@x.example", NOW)


def test_the_suppression_list_is_per_address_whatever_its_case(ports: Ports) -> None:
    ports.claims.suppress("dar@harbor.example", "bounce:Permanent/General", NOW)

    assert ports.claims.is_suppressed("DAR@Harbor.Example") is True
    assert ports.claims.is_suppressed("lrp@harbor.example") is False
    ports.claims.lift("Dar@harbor.example")
    assert ports.claims.is_suppressed("dar@harbor.example") is False


# ---------------------------------------------------------------------------------------------- Uploads
def test_an_upload_is_claimed_until_it_is_finished(ports: Ports) -> None:
    uploads = ports.uploads

    assert uploads.start("b", "qisp/r.csv", "v1", {"kind": "qisp_registry"}) is True
    assert uploads.start("b", "qisp/r.csv", "v1", {"kind": "qisp_registry"}) is True  # a retry while processing
    uploads.finish("b", "qisp/r.csv", "v1", {"status": "loaded", "loaded": 3})

    assert uploads.start("b", "qisp/r.csv", "v1", {"kind": "qisp_registry"}) is False
    assert uploads.start("b", "qisp/r.csv", "v2", {"kind": "qisp_registry"}) is True
    assert uploads.start("b", "qisp/r.csv", None, {"kind": "qisp_registry"}) is True
    record = uploads.get("b", "qisp/r.csv", "v1")
    assert record is not None
    assert (record["status"], int(record["loaded"]), record["kind"]) == ("loaded", 3, "qisp_registry")
    assert uploads.get("b", "qisp/other.csv", "v1") is None


def test_a_processing_upload_moves_on_only_from_the_part_it_was_at(ports: Ports) -> None:
    uploads = ports.uploads
    uploads.start("b", "monitoring/m.txt", "v1", {"kind": "smarts", "resumes": 0})

    assert uploads.advance("b", "monitoring/m.txt", "v1", 0, {"resumes": 1, "checkpoint": {"line": 9}}) is True
    assert uploads.advance("b", "monitoring/m.txt", "v1", 0, {"resumes": 1}) is False  # a late copy of part 1
    assert uploads.advance("b", "monitoring/m.txt", "v1", 1, {"status": "processed", "checkpoint": None}) is True
    assert uploads.advance("b", "monitoring/m.txt", "v1", 1, {"status": "failed"}) is False  # finished already
    assert uploads.advance("b", "monitoring/none.txt", "v1", 0, {"resumes": 1}) is False
    record = uploads.get("b", "monitoring/m.txt", "v1")
    assert record is not None
    assert (record["status"], int(record["resumes"]), record["checkpoint"]) == ("processed", 1, None)

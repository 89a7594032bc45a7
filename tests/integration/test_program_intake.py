"""Program facts through the local stack: an upload under programs/ -> S3 notification -> ProgramEventsQueue ->
ProgramIntakeFunction -> obligations, facts document and upload record; then the daily sweep and the API."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from permitclock.adapters.facilities import FacilityDirectory
from permitclock.adapters.obligations import DUE_INDEX
from permitclock.clock import SystemClock, today
from permitclock.domain.members import Member
from permitclock.services.program_intake import CLOSED_REASON

from infra.moto_gaps import notification
from infra.sent_mail import sent_emails
from tests.integration.conftest import Stack
from tests.integration.test_api import call

pytestmark = pytest.mark.stack

PROGRAM_EXAMPLES = Path(__file__).resolve().parents[2] / "events" / "programs"
EXAMPLE = PROGRAM_EXAMPLES / "il_725_243_example.json"
INTAKE = {"ProgramIntakeFunction"}
RECOMPUTE = "ProgramRecomputeFunctionDailyRecompute"  # template.yaml: the daily recompute schedule
FACILITY = "ILD987654321"
KEY = f"programs/il_725_243/{FACILITY}/riverbend closure assurance.json"
LRP_EMAIL = "lrp@riverbend.example"
BOND = "il_725_243:{f}:bond-2019-07:{type}:cancellation_notice:0"


def il_facts(facility: str = FACILITY) -> dict[str, Any]:
    facts: dict[str, Any] = json.loads(EXAMPLE.read_text())
    facts["facility"]["id"] = facility
    return facts


def seed_facility(local: Stack, facility: str = FACILITY) -> None:
    directory = FacilityDirectory(local.table)
    directory.put_profile(facility, "Riverbend Treatment Works")
    directory.put_member(Member(wdid=facility, user_id=f"lrp-{facility}", role="LRP", email=LRP_EMAIL))
    directory.put_member(Member(wdid=facility, user_id=f"viewer-{facility}", role="viewer", email="v@x.example"))


def upload(local: Stack, body: bytes | dict[str, Any], key: str = KEY) -> str:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    version = str(local.s3.put_object(Bucket=local.bucket, Key=key, Body=data)["VersionId"])
    local.runner.drain(only=INTAKE)
    return version


def record(local: Stack, version: str, key: str = KEY) -> dict[str, Any]:
    [item] = local.items(f"UPLOAD#{local.bucket}/{key}", f"V#{version}")
    return item


def program_obligations(local: Stack, facility: str = FACILITY) -> dict[str, dict[str, Any]]:
    return {i["obligation_id"]: i for i in local.items(f"FAC#{facility}", "OBL#") if i["program"] == "il_725_243"}


def windows_cli(facts: dict[str, Any], as_of: str, tmp_path: Path) -> dict[str, Any]:
    """What `permitclock windows FILE --as-of` prints for the same facts."""
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts))
    return cli("windows", str(path), "--as-of", as_of)


def cli(*argv: str) -> dict[str, Any]:
    """What the `permitclock` console script prints for `argv` (exit 0 required)."""
    script = Path(sys.executable).with_name("permitclock")
    done = subprocess.run([str(script), *argv], capture_output=True, text=True, check=True)
    printed: dict[str, Any] = json.loads(done.stdout)
    return printed


def all_items(local: Stack) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {}
    while True:
        page = local.table.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return sorted(items, key=lambda i: (i["pk"], i["sk"]))
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


# ---------------------------------------------------------------------------------------------- uploads
def test_the_illinois_example_opens_what_permitclock_windows_prints(local: Stack, tmp_path: Path) -> None:
    seed_facility(local)

    version = upload(local, il_facts())

    rec = record(local, version)
    assert rec["status"] == "accepted", rec
    assert (rec["program"], rec["facility_id"]) == ("il_725_243", FACILITY)
    # 8: the bond's cancellation took effect on 2024-09-06 (R + 120), so it no longer gets the (b)(7) duty.
    assert (rec["opened"], rec["updated"], rec["closed"], rec["unchanged"]) == (8, 0, 0, 0)
    printed = windows_cli(il_facts(), rec["as_of"], tmp_path)
    stored = program_obligations(local)
    assert sorted((o["subject"], o["type"], o.get("due"), o["status"]) for o in stored.values()) == sorted(
        (row["mechanism"], row["type"], row["due"], row["status"]) for row in printed["obligations"]
    )
    # the worked example's dates (as-of independent)
    assert stored[BOND.format(f=FACILITY, type="no_cancellation_before")]["due"] == "2024-09-06"
    assert stored[BOND.format(f=FACILITY, type="alternate_assurance_due")]["due"] == "2024-08-07"
    # open and dated ones are in the sweep's due-date index; pending ones (no date) are not
    for item in stored.values():
        assert ("gsi2pk" in item) == (item["status"] == "open" and "due" in item)
        assert item["ics_sequence"] == 0
    [facts_item] = local.items(f"FAC#{FACILITY}", "PROGRAM#il_725_243")
    assert json.loads(facts_item["document"]) == json.loads(json.dumps(il_facts()))
    assert facts_item["source"] == {"kind": "upload", "bucket": local.bucket, "key": KEY, "version_id": version}
    assert sorted(facts_item["obligation_ids"]) == sorted(stored)


TABLE_ONLY = {"pk", "sk", "ics_sequence", "gsi2pk", "gsi2sk", "gsi4pk", "gsi4sk"}
"""An obligation item's keys, index keys and calendar sequence: what the table adds to `Obligation.stored_fields`."""


@pytest.mark.parametrize("program", ["il_725_243", "tx_115", "pa_cbts", "ma_srf"])
def test_permitclock_obligations_prints_what_an_upload_of_the_same_file_stores(local: Stack, program: str) -> None:
    # GIVEN the program's example facts file, and the facility it names registered
    example = PROGRAM_EXAMPLES / f"{program}_example.json"
    data = example.read_bytes()
    facility = cli("obligations", program, str(example), "--as-of", "2024-06-15")["facility_id"]
    seed_facility(local, facility)
    key = f"programs/{program}/{facility}/example.json"
    # WHEN the file is uploaded under programs/ and the intake runs
    version = upload(local, data, key=key)
    rec = record(local, version, key=key)
    assert rec["status"] == "accepted", rec
    # THEN the command, as of the intake's day, prints exactly the obligations the table holds, field for field
    printed = cli("obligations", program, str(example), "--as-of", rec["as_of"])
    assert (printed["program"], printed["facility_id"], printed["as_of"]) == (program, facility, rec["as_of"])
    stored = {i["obligation_id"]: i for i in local.items(f"FAC#{facility}", "OBL#") if i["program"] == program}
    assert printed["obligations"], "every example gives at least one obligation"
    assert sorted(o["obligation_id"] for o in printed["obligations"]) == sorted(stored)
    for row in printed["obligations"]:
        item = stored[row["obligation_id"]]
        assert {k: v for k, v in item.items() if k not in TABLE_ONLY} == row


def _bad_date(facts: dict[str, Any]) -> bytes:
    facts["mechanisms"][1]["events"][0]["owner_received"] = "2024-06-31"
    return json.dumps(facts).encode()


def _other_facility(facts: dict[str, Any]) -> bytes:
    facts["facility"]["id"] = "ILD000000001"
    return json.dumps(facts).encode()


@pytest.mark.parametrize(
    ("key", "body", "code", "field"),
    [
        (KEY, _bad_date, "bad_input", "mechanisms[1].events[0].owner_received"),
        (KEY, _other_facility, "facility_mismatch", "facility.id"),
        (KEY, lambda f: b'{"facility": {"id": "ILD987654321"}, "cost_estimates": [', "bad_json", "file"),
        (KEY, lambda f: b"\xff\xfe not text", "bad_json", "file"),
        (KEY, lambda f: b'{"cost_estimates": [{"date": "2024-01-01", "amount": NaN}]}', "bad_json", "file"),
        (f"programs/nj_7_26/{FACILITY}/x.json", lambda f: json.dumps(f).encode(), "bad_input", "program"),
        ("programs/il_725_243/ILD000000404/x.json", lambda f: json.dumps(f).encode(), "unknown_facility", "facility"),
        (f"programs/il_725_243/{FACILITY}/x.csv", lambda f: json.dumps(f).encode(), "bad_key", "key"),
        ("programs/il_725_243/loose.json", lambda f: json.dumps(f).encode(), "bad_key", "key"),
    ],
)  # fmt: skip
def test_a_bad_upload_is_rejected_naming_the_field(local: Stack, key: str, body: Any, code: str, field: str) -> None:
    seed_facility(local)
    before = all_items(local)

    version = upload(local, body(il_facts()), key=key)

    rec = record(local, version, key=key)
    assert rec["status"] == "rejected"
    assert rec["error"]["code"] == code and rec["error"]["field"] == field, rec["error"]
    assert rec["error"]["message"]
    # nothing else written, nothing left to retry, nothing dead-lettered
    assert [i for i in all_items(local) if not i["pk"].startswith("UPLOAD#")] == before
    assert local.queue_messages("ProgramEventsQueue") == []
    assert local.queue_messages("ProgramEventsDLQ") == []


def test_an_oversize_upload_is_rejected_without_reading_it_all(local: Stack) -> None:
    seed_facility(local)
    facts = il_facts()
    facts["notes"] = "x" * 300_000  # unknown keys ride along, but not past the size cap
    version = upload(local, facts)
    rec = record(local, version)
    assert (rec["status"], rec["error"]["code"], rec["error"]["field"]) == ("rejected", "too_large", "file")


def test_a_corrected_receipt_date_moves_the_due_date_and_bumps_the_sequence(local: Stack) -> None:
    seed_facility(local)
    upload(local, il_facts())
    first = program_obligations(local)
    facts = il_facts()
    facts["mechanisms"][0]["events"][0]["agency_received"] = "2024-05-20"  # R moves from 05-09 to 05-20

    version = upload(local, facts)

    rec = record(local, version)
    no_cancel = BOND.format(f=FACILITY, type="no_cancellation_before")
    alternate = BOND.format(f=FACILITY, type="alternate_assurance_due")
    assert rec["status"] == "accepted"
    assert sorted(rec["updated_ids"]) == sorted([no_cancel, alternate])
    assert (rec["opened"], rec["closed"], rec["unchanged"]) == (0, 0, 6)
    now = program_obligations(local)
    assert (now[no_cancel]["due"], now[alternate]["due"]) == ("2024-09-17", "2024-08-18")
    assert now[no_cancel]["ics_sequence"] == now[alternate]["ics_sequence"] == 1
    assert now[no_cancel]["gsi2sk"].startswith("2024-09-17#")
    assert now[no_cancel]["facts"]["agency_received"] == "2024-05-20"
    for obligation_id, item in now.items():
        if obligation_id not in (no_cancel, alternate):
            assert item == first[obligation_id]
    # only the moved due dates are in the sweep's index under their new dates
    hits = local.table.query(
        IndexName=DUE_INDEX,
        KeyConditionExpression="gsi2pk = :p",
        ExpressionAttributeValues={":p": now[no_cancel]["gsi2pk"]},
    )["Items"]
    assert [h["gsi2sk"] for h in hits if h["obligation_id"] == no_cancel] == [now[no_cancel]["gsi2sk"]]


def test_a_mechanism_removed_closes_its_obligations_and_keeps_them(local: Stack) -> None:
    seed_facility(local)
    upload(local, il_facts())
    facts = il_facts()
    del facts["mechanisms"][1]

    version = upload(local, facts)

    rec = record(local, version)
    assert rec["status"] == "accepted" and rec["closed"] >= 4
    for obligation_id in rec["closed_ids"]:
        item = program_obligations(local)[obligation_id]
        assert item["status"] == "closed" and "gsi2pk" not in item
        assert item["facts"]["closed_reason"] == CLOSED_REASON


def test_a_redelivered_event_changes_nothing(local: Stack) -> None:
    seed_facility(local)
    version = upload(local, il_facts())
    before = all_items(local)
    size = len(json.dumps(il_facts()).encode())
    head = local.s3.head_object(Bucket=local.bucket, Key=KEY, VersionId=version)
    etag = head["ETag"].strip('"')
    body = notification(local.bucket, KEY.replace(" ", "+"), size=size, e_tag=etag, version_id=version)
    queue = local.stack.queue_url("ProgramEventsQueue")
    for _ in range(2):
        local.sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(body))

    result = local.runner.drain(only=INTAKE)

    assert (result.received, result.failed) == (2, 0)
    assert all_items(local) == before


# ---------------------------------------------------------------------------------------------- the sweep
def test_the_daily_sweep_reminds_of_an_illinois_window_at_its_step(local: Stack) -> None:
    seed_facility(local)
    day = today(SystemClock())
    facts = il_facts()
    facts["mechanisms"][0]["events"][0].update(
        owner_received=(day - timedelta(days=61)).isoformat(), agency_received=(day - timedelta(days=60)).isoformat()
    )
    version = upload(local, facts)
    assert record(local, version)["status"] == "accepted"
    alternate = BOND.format(f=FACILITY, type="alternate_assurance_due")  # R + 90 = day + 30
    no_cancel = BOND.format(f=FACILITY, type="no_cancellation_before")  # R + 120 = day + 60

    local.runner.fire("DeadlineSweepFunctionDailySweep", {"on": day.isoformat()})
    local.runner.drain()

    notices = {e.message["X-Permitclock-Notice"]: e for e in sent_emails()}
    assert f"reminder:{alternate}:{(day + timedelta(days=30)).isoformat()}:before-30" in notices
    assert f"reminder:{no_cancel}:{(day + timedelta(days=60)).isoformat()}:before-60" in notices
    email = notices[f"reminder:{alternate}:{(day + timedelta(days=30)).isoformat()}:before-30"]
    assert email.to == (LRP_EMAIL,)
    # nothing for the pending (c)(9) windows: no receipt by both, no date
    assert not any(":loc-448:agency_must_draw:" in n for n in notices)


# ---------------------------------------------------------------------------------------------- the API
def test_the_api_records_facts_and_lists_program_obligations(local: Stack) -> None:
    seed_facility(local)
    lrp, viewer, stranger = f"lrp-{FACILITY}", f"viewer-{FACILITY}", "someone-else"

    status, body = call(local, "PUT", f"/facilities/{FACILITY}/programs/il_725_243", as_user=viewer, body=il_facts())
    assert status == 403
    status, body = call(local, "PUT", f"/facilities/{FACILITY}/programs/il_725_243", as_user=stranger, body=il_facts())
    assert status == 404
    status, body = call(local, "PUT", f"/facilities/{FACILITY}/programs/il_725_243", as_user=lrp, body=il_facts())
    assert status == 200, body
    assert len(body["opened"]) == 8 and body["as_of"] == today(SystemClock()).isoformat()

    status, listed = call(local, "GET", f"/facilities/{FACILITY}/obligations", as_user=viewer)
    assert status == 200
    assert sum(o["program"] == "il_725_243" for o in listed["obligations"]) == 8
    status, facts = call(local, "GET", f"/facilities/{FACILITY}/programs", as_user=viewer)
    assert status == 200 and [p["program"] for p in facts["programs"]] == ["il_725_243"]
    assert facts["programs"][0]["source"] == {"kind": "api", "user_id": lrp}
    assert call(local, "GET", f"/facilities/{FACILITY}/programs", as_user=stranger)[0] == 404

    bad = il_facts()
    bad["cost_estimates"][0]["amount"] = "lots"
    status, body = call(local, "PUT", f"/facilities/{FACILITY}/programs/il_725_243", as_user=lrp, body=bad)
    assert (status, body["message"].split(":")[0]) == (400, "cost_estimates[0].amount")


def test_the_daily_recompute_advances_rolling_deadlines_as_windows_would(local: Stack, tmp_path: Path) -> None:
    seed_facility(local)
    rec = record(local, upload(local, il_facts()))
    later = (date.fromisoformat(rec["as_of"]) + timedelta(days=400)).isoformat()

    counts = local.runner.fire(RECOMPUTE, {"on": later})
    again = local.runner.fire(RECOMPUTE, {"on": later})

    assert (counts["documents"], counts["evaluated"], counts["invalid"]) == (1, 1, 0)
    assert again["evaluated"] == 0  # already evaluated that day
    printed = windows_cli(il_facts(), later, tmp_path)
    live = [o for o in program_obligations(local).values() if o["status"] != "closed"]
    assert sorted((o["subject"], o["type"], o.get("due"), o["status"]) for o in live) == sorted(
        (row["mechanism"], row["type"], row["due"], row["status"]) for row in printed["obligations"]
    )

"""Delivery order and duplicates: S3 events out of order, the same key uploaded twice, two annual planners at once.
Each ends in the state one clean, in-order run leaves."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.faults.scenarios import table_items
from tests.integration.conftest import Stack
from tests.integration.test_annual_run import SCHEDULE, WORKER, _facility_state, _load
from tests.integration.test_api import pdf
from tests.integration.test_attachment_pipeline import METADATA, VALIDATOR, WDID, _attachments, _put

pytestmark = pytest.mark.stack
KEY = f"attachments/{WDID}/4501/report.pdf"


def _take_events(local: Stack) -> list[str]:
    """The S3 notifications waiting on the document events queue, removed from it (bodies, oldest first)."""
    url = local.stack.queue_url("DocumentEventsQueue")
    bodies = []
    while batch := local.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for m in batch:
            if "Records" in json.loads(m["Body"]):  # not s3:TestEvent
                bodies.append(m["Body"])
            local.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return sorted(bodies, key=lambda b: json.loads(b)["Records"][0]["s3"]["object"]["sequencer"])


def _deliver(local: Stack, bodies: list[str]) -> None:
    """Deliver the notifications one at a time, in the given order."""
    url = local.stack.queue_url("DocumentEventsQueue")
    for body in bodies:
        local.sqs.send_message(QueueUrl=url, MessageBody=body)
        local.runner.drain(only=VALIDATOR)


def _view(local: Stack) -> list[tuple[Any, ...]]:
    return sorted((r["version_id"], r["status"], "deleted_at" in r) for r in _attachments(local))


def test_a_delete_delivered_before_the_create_it_follows_still_deletes(local: Stack) -> None:
    _put(local, KEY, pdf())
    local.s3.delete_object(Bucket=local.bucket, Key=KEY)
    create, delete = _take_events(local)
    assert json.loads(delete)["Records"][0]["eventName"] == "ObjectRemoved:DeleteMarkerCreated"

    _deliver(local, [delete, create])

    [record] = _attachments(local)
    assert record["status"] == "deleted" and record["deleted_at"]
    out_of_order = _view(local)
    _deliver(local, [create, delete])  # redelivered in order afterwards: nothing changes
    assert _view(local) == out_of_order


def test_in_order_and_out_of_order_end_the_same(local: Stack) -> None:
    """v1, delete marker, v2 (a re-upload after the delete): every delivery order leaves v1 deleted, v2 live."""
    v1 = _put(local, KEY, pdf())
    local.s3.delete_object(Bucket=local.bucket, Key=KEY)
    v2 = _put(local, KEY, pdf() + b"\n% second upload\n")
    create1, delete, create2 = _take_events(local)

    _deliver(local, [create2, delete, create1])  # the worst order: newest first, the delete in the middle

    assert _view(local) == sorted([(v1, "deleted", True), (v2, "accepted", False)])


def test_the_same_key_uploaded_twice_gives_two_judged_records(local: Stack) -> None:
    v1 = _put(local, KEY, pdf())
    v2 = _put(local, KEY, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, METADATA)
    create1, create2 = _take_events(local)

    _deliver(local, [create2, create1, create2])  # out of order, and one delivered twice

    records = {r["version_id"]: r for r in _attachments(local)}
    assert sorted(records) == sorted([v1, v2])
    assert int(records[v1]["pages"]) == 1 and not records[v1].get("errors")  # v1 was judged and accepted...
    # ...then hidden by the delete marker that quarantining v2 put on the key (in any delivery order, as in
    # order: the marker's sequencer is newer than v1's), so its record says deleted; v2 is the rejection.
    assert records[v1]["status"] == "deleted"
    assert records[v2]["status"] == "rejected"
    assert [e["code"] for e in records[v2]["errors"]] == ["wrong_file_type"]
    assert len(local.queue_messages("NoticesQueue")) == 1


def _annual_state(local: Stack) -> list[dict[str, Any]]:
    """Statuses, history, obligations and markers, without the run id that differs between runs."""
    return [{k: v for k, v in i.items() if k != "run_id"} for i in _facility_state(local)]


def test_two_planners_at_once_end_as_one_clean_run(local: Stack) -> None:
    _load(local)
    first = local.runner.fire(SCHEDULE, {"on": "2025-07-01"})
    local.runner.drain(only=WORKER)
    clean = _annual_state(local)
    # The same inputs on a fresh table: wipe what the run wrote (everything but samples and profiles).
    with local.table.batch_writer() as batch:
        for item in _facility_state(local):
            batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
    assert _annual_state(local) == []

    a = local.runner.fire(SCHEDULE, {"on": "2025-07-01"})
    b = local.runner.fire(SCHEDULE, {"on": "2025-07-01"})  # both before any worker ran: messages interleave
    queued = local.queue_messages("LevelWorkQueue")
    assert sorted(m["run_id"] for m in queued) == sorted([a["run_id"], b["run_id"]])
    local.runner.drain(only=WORKER)

    assert _annual_state(local) == clean
    summaries = {i["sk"]: i for i in table_items(local) if i["pk"] == "RUN#annual"}
    done = [summaries[r["run_id"]] for r in (a, b)]
    assert sum(int(s.get("facilities_evaluated", 0)) for s in done) == 2
    assert sum(int(s.get("already_done", 0)) for s in done) == 2
    assert first["run_id"] not in (a["run_id"], b["run_id"])
    assert local.queue_messages("LevelWorkDLQ") == []

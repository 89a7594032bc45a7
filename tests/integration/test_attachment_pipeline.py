"""Attachment intake through the local stack: upload -> S3 notification -> SQS -> handler -> table, bucket, notices."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.conftest import Stack

VALIDATOR = {"AttachmentValidatorFunction"}
WDID = "1 08I004046"
METADATA = {
    "file-type": "Level 2 ERA Technical Report",
    "title": "Level 2 Technical Report for zinc",
    "uploaded-by": "consultant@example.com",
    "document-date": "2026-11-01",
}


@pytest.fixture
def good_pdf(shared_data: Path) -> bytes:
    return (shared_data / "pdfs/normal/pdflatex-4-pages.pdf").read_bytes()


@pytest.fixture
def png(shared_data: Path) -> bytes:
    return (shared_data / "pdfs/notpdf/png-renamed.pdf").read_bytes()


def _put(local: Stack, key: str, body: bytes, metadata: dict[str, str] | None = None) -> str:
    response = local.s3.put_object(Bucket=local.bucket, Key=key, Body=body, Metadata=metadata or METADATA)
    return str(response["VersionId"])


def _attachments(local: Stack, report_id: str = "4501") -> list[dict]:
    return local.items(f"FAC#{WDID}", f"REPORT#{report_id}#ATT#")


def _keys(local: Stack, prefix: str) -> list[str]:
    listing = local.s3.list_objects_v2(Bucket=local.bucket, Prefix=prefix)
    return [o["Key"] for o in listing.get("Contents", [])]


def test_good_report_is_recorded_against_its_report(local: Stack, good_pdf: bytes) -> None:
    version = _put(local, f"attachments/{WDID}/4501/technical report.pdf", good_pdf)

    local.runner.drain(only=VALIDATOR)

    [record] = _attachments(local)
    assert record["status"] == "accepted"
    assert record["version_id"] == version
    assert record["file_name"] == "technical report.pdf"
    assert record["file_type"] == "Level 2 ERA Technical Report"
    assert record["title"] == METADATA["title"]
    assert record["document_date"] == "2026-11-01"
    assert record["uploaded_by"] == METADATA["uploaded-by"]
    assert int(record["pages"]) == 4
    assert int(record["size"]) == len(good_pdf)
    assert len(record["sha256"]) == 64
    assert _keys(local, "attachments/") == [f"attachments/{WDID}/4501/technical report.pdf"]
    assert local.queue_messages("NoticesQueue") == []


def test_bad_file_is_quarantined_recorded_and_notified(local: Stack, png: bytes) -> None:
    version = _put(local, f"attachments/{WDID}/4501/report.pdf", png)

    local.runner.drain(only=VALIDATOR)

    [record] = _attachments(local)
    assert record["status"] == "rejected"
    assert [e["code"] for e in record["errors"]] == ["wrong_file_type"]
    assert _keys(local, "attachments/") == []
    quarantined = record["quarantine_key"]
    assert _keys(local, "quarantine/") == [quarantined]
    tags = {t["Key"]: t["Value"] for t in local.s3.get_object_tagging(Bucket=local.bucket, Key=quarantined)["TagSet"]}
    assert tags["reason"] == "wrong_file_type"
    # Versioning keeps the original bytes under attachments/ behind a delete marker.
    original = local.s3.get_object(Bucket=local.bucket, Key=f"attachments/{WDID}/4501/report.pdf", VersionId=version)
    assert original["Body"].read() == png
    [notice] = local.queue_messages("NoticesQueue")
    assert notice["kind"] == "attachment_rejected"
    assert notice["wdid"] == WDID
    assert notice["recipients"][0]["email"] == METADATA["uploaded-by"]
    assert notice["include_facility_signatories"] is True
    assert notice["facts"]["reasons"][0]["code"] == "wrong_file_type"


def test_duplicate_delivery_creates_nothing_new(local: Stack, png: bytes) -> None:
    _put(local, f"attachments/{WDID}/4501/report.pdf", png)
    queue = local.stack.queue_url("DocumentEventsQueue")
    bodies = [m["Body"] for m in local.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]]
    for body in bodies:  # every notification delivered twice more
        local.sqs.send_message(QueueUrl=queue, MessageBody=body)
        local.sqs.send_message(QueueUrl=queue, MessageBody=body)

    local.runner.drain(only=VALIDATOR)

    assert len(_attachments(local)) == 1
    assert len(local.queue_messages("NoticesQueue")) == 1
    assert len(_keys(local, "quarantine/")) == 1


def test_poison_message_goes_to_dlq_while_its_batch_succeeds(local: Stack, good_pdf: bytes) -> None:
    queue = local.stack.queue_url("DocumentEventsQueue")
    local.sqs.send_message(QueueUrl=queue, MessageBody="this is not an S3 event")
    _put(local, f"attachments/{WDID}/4501/a.pdf", good_pdf)
    _put(local, f"attachments/{WDID}/4501/b.pdf", good_pdf)

    totals = local.runner.drain(only=VALIDATOR)

    assert len(_attachments(local)) == 2
    # Retried maxReceiveCount times (template.yaml: 5), then dead-lettered by the queue's redrive policy.
    assert totals.failed == 5
    raw = local.sqs.receive_message(QueueUrl=local.stack.queue_url("DocumentEventsDLQ"), MaxNumberOfMessages=10)
    assert [m["Body"] for m in raw["Messages"]] == ["this is not an S3 event"]


def test_s3_test_event_is_ignored(local: Stack) -> None:
    queue = local.stack.queue_url("DocumentEventsQueue")
    local.sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"}))

    totals = local.runner.drain(only=VALIDATOR)

    assert totals.failed == 0
    assert totals.succeeded >= 1
    assert local.table.scan(Select="COUNT")["Count"] == 0


@pytest.mark.parametrize("name", ["ERA report 2026 (final).pdf", "zinc+copper plan.pdf", "résumé des BMP.pdf"])
def test_url_encoded_key_is_decoded_exactly_once(local: Stack, good_pdf: bytes, name: str) -> None:
    _put(local, f"attachments/{WDID}/4501/{name}", good_pdf)

    local.runner.drain(only=VALIDATOR)

    [record] = _attachments(local)
    assert record["status"] == "accepted"
    assert record["file_name"] == name
    assert record["key"] == f"attachments/{WDID}/4501/{name}"


def test_delete_marks_the_record_deleted_and_keeps_it(local: Stack, good_pdf: bytes) -> None:
    key = f"attachments/{WDID}/4501/report.pdf"
    _put(local, key, good_pdf)
    local.runner.drain(only=VALIDATOR)

    local.s3.delete_object(Bucket=local.bucket, Key=key)
    local.runner.drain(only=VALIDATOR)

    [record] = _attachments(local)
    assert record["status"] == "deleted"
    assert record["deleted_at"]


@pytest.mark.parametrize(
    ("key", "metadata", "reason"),
    [
        (f"attachments/{WDID}/4501/r.pdf", {"title": "no type"}, "bad_metadata"),
        (f"attachments/{WDID}/4501/r.pdf", {"file-type": "Annual Report", "title": "t"}, "bad_metadata"),
        (f"attachments/{WDID}/r.pdf", METADATA, "bad_key"),
        ("attachments/not-a-wdid/4501/r.pdf", METADATA, "bad_key"),
        (f"attachments/{WDID}/../4501/r.pdf", METADATA, "bad_key"),
    ],
)
def test_contract_violations_are_rejected_with_a_reason(
    local: Stack, good_pdf: bytes, key: str, metadata: dict[str, str], reason: str
) -> None:
    _put(local, key, good_pdf, metadata)

    totals = local.runner.drain(only=VALIDATOR)

    assert totals.failed == 0
    records = [i for i in local.table.scan()["Items"] if not i["pk"].startswith(("IDEMPOTENCY#", "ATTKEY#"))]
    [record] = records
    assert record["status"] == "rejected"
    assert record["errors"][0]["code"] == reason
    assert record["errors"][0]["message"]
    tags = local.s3.get_object_tagging(Bucket=local.bucket, Key=record["quarantine_key"])["TagSet"]
    assert {"Key": "reason", "Value": reason} in tags
    assert _keys(local, "attachments/") == []

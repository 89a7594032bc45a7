"""Regressions found by `make load` (bench/load.py) on the local stack."""

from __future__ import annotations

from tests.integration.conftest import Stack

WDID = "1 08I004046"
METADATA = {"file-type": "Level 1 ERA Report", "title": "Level 1 ERA Report", "uploaded-by": "load@example.com"}


def test_zero_byte_upload_is_quarantined_as_empty_not_dead_lettered(local: Stack) -> None:
    """S3 answers the validator's ranged GET on a zero-byte object with 416 InvalidRange; the upload used to fail
    every delivery and land in the DLQ with no record and no notice."""
    key = f"attachments/{WDID}/L1R-2025-2026/empty.pdf"
    local.s3.put_object(Bucket=local.bucket, Key=key, Body=b"", Metadata=METADATA)

    result = local.runner.drain(only={"AttachmentValidatorFunction"})

    assert result.failed == 0
    [record] = local.items(f"FAC#{WDID}", "REPORT#L1R-2025-2026#ATT#")
    assert record["status"] == "rejected"
    assert [e["code"] for e in record["errors"]] == ["empty"]
    assert local.queue_messages("DocumentEventsDLQ") == []
    [notice] = local.queue_messages("NoticesQueue")
    assert notice["kind"] == "attachment_rejected"

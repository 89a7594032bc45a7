"""Rejection notices end to end: intake -> notices queue -> notifier -> SES, once per recipient."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from permitclock.adapters.facilities import FacilityDirectory
from permitclock.adapters.send_claims import CLAIM_LEASE, SendClaims
from permitclock.cli.main import main
from permitclock.domain.members import Member
from permitclock.notices.recipients import recipient_hash

from infra.local_stack import REGION
from infra.sent_mail import sent_emails
from tests.faults.inject import ALWAYS, Fault, inject, mentions
from tests.integration.conftest import Stack

WDID = "4 19I000033"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
METADATA = {"file-type": "Level 2 ERA Technical Report", "title": "TR", "uploaded-by": "consultant@example.com"}


@pytest.fixture
def facility(local: Stack) -> FacilityDirectory:
    directory = FacilityDirectory(local.table)
    directory.put_profile(WDID, "Harbor Plating Works")
    directory.put_member(Member(wdid=WDID, user_id="lrp-1", role="LRP", email="lrp@harbor.example"))
    directory.put_member(Member(wdid=WDID, user_id="dar-1", role="DAR", email="dar@harbor.example"))
    directory.put_member(Member(wdid=WDID, user_id="dep-1", role="DEP", email="dep@harbor.example"))
    return directory


def _upload_bad_file(local: Stack) -> None:
    local.s3.put_object(Bucket=local.bucket, Key=f"attachments/{WDID}/77/scan.pdf", Body=PNG, Metadata=METADATA)


def test_rejection_emails_the_uploader_and_the_signatories_once(local: Stack, facility: FacilityDirectory) -> None:
    _upload_bad_file(local)

    local.runner.drain()

    emails = sent_emails()
    assert sorted(e.to[0] for e in emails) == ["consultant@example.com", "dar@harbor.example", "lrp@harbor.example"]
    for e in emails:
        assert "Harbor Plating Works" in e.subject
        assert "wrong_file_type" in e.part("plain")
        assert "not a formal notice" in e.part("plain")
        assert "<html" in e.part("html").lower()


def test_redelivered_notice_sends_nothing_new(local: Stack, facility: FacilityDirectory) -> None:
    _upload_bad_file(local)
    local.runner.drain(only={"AttachmentValidatorFunction"})
    queue = local.stack.queue_url("NoticesQueue")
    [body] = [m["Body"] for m in local.sqs.receive_message(QueueUrl=queue)["Messages"]]
    local.sqs.send_message(QueueUrl=queue, MessageBody=body)
    local.sqs.send_message(QueueUrl=queue, MessageBody=body)

    local.runner.drain()

    assert len(sent_emails()) == 3
    notice_id = json.loads(body)["notice_id"]
    claims = SendClaims(local.table)
    assert claims.status(notice_id, "lrp@harbor.example") == "sent"


def test_suppressed_address_is_skipped(local: Stack, facility: FacilityDirectory) -> None:
    SendClaims(local.table).suppress("DAR@harbor.example", "bounce", datetime.now(UTC))
    _upload_bad_file(local)

    local.runner.drain()

    assert sorted(e.to[0] for e in sent_emails()) == ["consultant@example.com", "lrp@harbor.example"]


def test_crash_after_claim_is_retried_once_the_lease_expires(local: Stack, facility: FacilityDirectory) -> None:
    """A claim left `sending` by a crashed attempt blocks duplicates until its lease runs out."""
    claims = SendClaims(local.table)
    stale = datetime(2020, 1, 1, tzinfo=UTC)
    assert claims.claim("n-1", "lrp@harbor.example", stale)
    assert not claims.claim("n-1", "lrp@harbor.example", stale)  # a live lease: a duplicate is a no-op
    assert claims.claim("n-1", "lrp@harbor.example", datetime.now(UTC))  # the lease expired: retry proceeds
    claims.mark("n-1", "lrp@harbor.example", "sent", "msg-1")
    assert not claims.claim("n-1", "lrp@harbor.example", datetime(2030, 1, 1, tzinfo=UTC))
    assert sent_emails() == []


def test_the_claim_lease_outlasts_an_attempt_and_runs_out_before_the_redelivery(local: Stack) -> None:
    """A live attempt keeps its claim (the lease is longer than the notifier's timeout); after a crash the queue's
    redelivery finds the lease run out (shorter than the visibility timeout), and the queue redelivers more than
    once before dead-lettering."""
    resources = local.stack.cfn_template["Resources"]
    timeout = timedelta(seconds=int(resources["NotifierFunction"]["Properties"]["Timeout"]))
    queue = resources["NoticesQueue"]["Properties"]
    visibility = timedelta(seconds=int(queue["VisibilityTimeout"]))
    assert timeout < CLAIM_LEASE and timeout + CLAIM_LEASE < visibility
    assert int(queue["RedrivePolicy"]["maxReceiveCount"]) >= 3


def test_each_recipients_state_is_listed_per_notice(
    local: Stack, facility: FacilityDirectory, capsys: pytest.CaptureFixture[str]
) -> None:
    """An uploader's `uploaded-by` that is no address is never mailed; SES's permanent rejection of the DAR is
    recorded with its code; `permitclock notice` lists both beside the LRP's sent email."""
    bad_uploader = {**METADATA, "uploaded-by": "consultant@example.com, boss@example.com"}
    local.s3.put_object(Bucket=local.bucket, Key=f"attachments/{WDID}/77/scan.pdf", Body=PNG, Metadata=bad_uploader)
    notifier = local.stack.functions["NotifierFunction"].name
    with inject(Fault("sesv2", "SendEmail", "MessageRejected", ALWAYS, notifier, when=mentions("dar@harbor"))):
        local.runner.drain()

    assert [e.to for e in sent_emails()] == [("lrp@harbor.example",)]
    [record] = local.items(f"FAC#{WDID}", "REPORT#77#ATT#")
    table = ["--table", local.stack.table, "--region", REGION]
    assert main(["notice", f"attachment_rejected:{record['attachment_id']}", *table]) == 0
    listed = json.loads(capsys.readouterr().out)["recipients"]
    states = {r["recipient_hash"]: r["status"] for r in listed}
    assert states == {recipient_hash("lrp@harbor.example"): "sent", recipient_hash("dar@harbor.example"): "failed"}
    assert [r["detail"] for r in listed if r["status"] == "failed"] == ["MessageRejected"]
    assert main(["notice", "attachment_rejected:nothing", *table]) == 1

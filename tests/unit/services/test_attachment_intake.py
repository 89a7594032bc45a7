"""AttachmentIntake over the fakes: accepted, quarantined with a notice, duplicates, deletes (no AWS)."""

from __future__ import annotations

from datetime import datetime

import pytest
from permitclock.clock import PERMIT_TZ, FixedClock
from permitclock.domain.attachments import ValidationLimits
from permitclock.events import ObjectEvent
from permitclock.services.attachment_intake import AttachmentIntake, CheckerStarved

from infra.sample_documents import text_pdf
from tests.fakes.pipelines import FakeAttachmentRecords, FakeDocuments
from tests.fakes.ports import FakeNoticePublisher

BUCKET = "documents"
WDID = "4 19I000033"
KEY = f"attachments/{WDID}/L2TR-2025-2026/Technical Report.pdf"
NOW = datetime(2026, 11, 2, 9, tzinfo=PERMIT_TZ)
METADATA = {"file-type": "Level 2 ERA Technical Report", "title": "Technical Report", "uploaded-by": "qisp@x.example"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class World:
    def __init__(self) -> None:
        self.documents = FakeDocuments()
        self.records = FakeAttachmentRecords()
        self.publisher = FakeNoticePublisher()
        self.intake = AttachmentIntake(
            documents=self.documents, records=self.records, publisher=self.publisher,
            clock=FixedClock(NOW), limits=ValidationLimits(),
        )  # fmt: skip

    def upload(self, key: str, body: bytes, metadata: dict[str, str] = METADATA, version: str = "v1") -> ObjectEvent:
        self.documents.add(BUCKET, key, body, metadata, version_id=version)
        return ObjectEvent(kind="created", event_name="ObjectCreated:Put", bucket=BUCKET, key=key, version_id=version)


@pytest.fixture
def world() -> World:
    return World()


def test_a_valid_report_is_recorded_against_its_report_and_nobody_is_told(world: World) -> None:
    # GIVEN a one-page PDF uploaded as the Technical Report
    event = world.upload(KEY, text_pdf("Zinc: Industrial Activity BMPs"))
    # WHEN the intake handles its event
    result = world.intake.handle(event)
    # THEN it is accepted and recorded under the report, with the upload's metadata
    assert result.outcome == "accepted"
    record = world.records.get(BUCKET, KEY, str(result.attachment_id), WDID, "L2TR-2025-2026")
    assert record is not None
    assert (record.status, record.title, record.pages, record.date_attached) == ("accepted", "Technical Report", 1, NOW)
    assert world.publisher.sent == []


def test_an_image_sent_as_a_report_is_quarantined_and_the_uploader_and_signatories_told(world: World) -> None:
    event = world.upload(KEY, PNG)

    result = world.intake.handle(event)

    assert (result.outcome, result.codes) == ("rejected", ("wrong_file_type",))
    record = world.records.get(BUCKET, KEY, str(result.attachment_id), WDID, "L2TR-2025-2026")
    assert record is not None and record.status == "rejected"
    assert record.quarantine_key == f"quarantine/{result.attachment_id}"
    assert world.documents.head(BUCKET, KEY, None) is None  # gone from its prefix, kept in quarantine
    assert world.documents.objects[(BUCKET, record.quarantine_key, None)].tags == "wrong_file_type"
    [notice] = world.publisher.sent
    assert (notice.kind, notice.wdid, notice.include_facility_signatories) == ("attachment_rejected", WDID, True)
    assert [r.email for r in notice.recipients] == ["qisp@x.example"]


@pytest.mark.parametrize(
    "uploaded_by", ["qisp@x.example\r\nBcc: all@x.example", "qisp@x.example, boss@x.example", "qisp@x", "user-qisp"]
)
def test_an_uploaded_by_that_is_no_address_is_never_mailed(
    world: World, uploaded_by: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A direct upload sets `uploaded-by` to anything: only an address SES can send to becomes a recipient; the
    signatories are still told, and the log names the attachment, never the value."""
    result = world.intake.handle(world.upload(KEY, PNG, {**METADATA, "uploaded-by": uploaded_by}))

    [notice] = world.publisher.sent
    assert result.outcome == "rejected" and notice.recipients == [] and notice.include_facility_signatories
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert ("uploaded-by is no email address" in logged) == ("@" in uploaded_by)
    assert "qisp@x" not in logged


def test_a_key_outside_the_contract_is_rejected_under_the_upload_itself_without_a_notice(world: World) -> None:
    key = "attachments/not-a-wdid/report.pdf"
    result = world.intake.handle(world.upload(key, text_pdf("x")))

    assert (result.outcome, result.codes) == ("rejected", ("bad_key",))
    assert world.records.get(BUCKET, key, str(result.attachment_id), None, None) is not None
    assert world.publisher.sent == []


def test_missing_metadata_names_the_field_and_rejects(world: World) -> None:
    result = world.intake.handle(world.upload(KEY, text_pdf("x"), metadata={"title": "TR"}))

    assert (result.outcome, result.codes) == ("rejected", ("bad_metadata",))
    [record] = world.records.records.values()
    assert record.errors[0].message == "metadata 'file-type' is missing"


def test_a_redelivered_event_changes_nothing(world: World) -> None:
    event = world.upload(KEY, text_pdf("x"))
    first = world.intake.handle(event)

    again = world.intake.handle(event)

    assert (first.outcome, again.outcome, again.attachment_id) == ("accepted", "duplicate", first.attachment_id)
    assert len(world.records.records) == 1


def test_deleting_the_version_marks_its_record_deleted(world: World) -> None:
    accepted = world.intake.handle(world.upload(KEY, text_pdf("x")))
    removed = ObjectEvent(kind="removed", event_name="ObjectRemoved:Delete", bucket=BUCKET, key=KEY, version_id="v1")

    result = world.intake.handle(removed)

    assert (result.outcome, result.codes) == ("deleted", ("records:1",))
    record = world.records.get(BUCKET, KEY, str(accepted.attachment_id), WDID, "L2TR-2025-2026")
    assert record is not None and (record.status, record.deleted_at) == ("deleted", NOW)


def test_an_object_already_gone_is_skipped(world: World) -> None:
    event = ObjectEvent(kind="created", event_name="ObjectCreated:Put", bucket=BUCKET, key=KEY, version_id="v9")
    assert world.intake.handle(event).outcome == "gone"


def test_a_checker_starved_by_a_busy_machine_gives_no_verdict_and_writes_nothing(world: World) -> None:
    # GIVEN a wall-clock budget no child can meet (as a saturated machine would make it), the CPU budget unused
    starved = AttachmentIntake(
        documents=world.documents, records=world.records, publisher=world.publisher,
        clock=FixedClock(NOW), limits=ValidationLimits(time_budget_seconds=0.001),
    )  # fmt: skip
    event = world.upload(KEY, text_pdf("Zinc: Industrial Activity BMPs"))
    # WHEN the intake handles the upload THEN it raises (the queue delivers the message again) and writes nothing
    with pytest.raises(CheckerStarved, match="processor time"):
        starved.handle(event)
    assert world.records.records == {} and world.publisher.sent == []
    assert world.documents.head(BUCKET, KEY, "v1") is not None  # not quarantined
    # AND the redelivery on a machine with time to spare gets the file's real verdict
    assert world.intake.handle(event).outcome == "accepted"

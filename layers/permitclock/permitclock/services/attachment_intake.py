"""Accept or quarantine one uploaded ERA attachment (SMARTS Level 2 ERA Technical Report guide, "Attachments").

For each object event: check the upload contract (key, then metadata), validate the content, then either
record the attachment against its report, or quarantine the object with its reasons, record the rejection and
queue a notice to the uploader and the facility's LRP. Every step can run twice without effect: records are
conditional writes keyed on (bucket, key, version), and the notice id is the attachment id.

A verdict comes from what the file costs (the CPU budget, the memory cap, the parser limits), never from how busy
the machine is: when the wall-clock budget stops the checker before it used its CPU budget, nothing is written
and `CheckerStarved` is raised, so the message is delivered again later (and dead-lettered if that persists).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from permitclock.attachments.validate import measured_validation
from permitclock.clock import Clock
from permitclock.domain.attachments import Finding, FindingCode, ValidationLimits, Verdict
from permitclock.domain.members import is_email_address
from permitclock.domain.notices import AttachmentRejectedFacts, NoticeRequest, Recipient, RejectionReason
from permitclock.domain.uploads import (
    AttachmentKey,
    AttachmentMetadata,
    AttachmentRecord,
    ObjectHead,
    UploadOutcome,
    attachment_id,
    parse_attachment_key,
    parse_attachment_metadata,
)
from permitclock.errors import BadInput
from permitclock.events import ObjectEvent
from permitclock.observability import logger
from permitclock.services.ports import NoticePublisher


class CheckerStarved(RuntimeError):
    """The checking child was stopped by the wall clock before it used its CPU budget: the machine was busy, so
    there is no verdict on the file. Nothing has been written; the message is retried (then dead-lettered)."""


class Documents(Protocol):
    def head(self, bucket: str, key: str, version_id: str | None) -> ObjectHead | None: ...
    def read(self, bucket: str, key: str, version_id: str | None, max_bytes: int) -> bytes: ...
    def quarantine(self, bucket: str, key: str, version_id: str | None, name: str, codes: list[str]) -> str: ...


class Records(Protocol):
    """Attachment records, one per object version (`adapters.attachment_records.AttachmentRecords`)."""

    def get(
        self, bucket: str, key: str, attachment_id: str, wdid: str | None, report_id: str | None
    ) -> AttachmentRecord | None:
        """The record of one object version, filed under its report when the key named one."""
        ...

    def put_new(self, record: AttachmentRecord) -> bool: ...
    def mark_removed(
        self,
        bucket: str,
        key: str,
        version_id: str | None,
        at: datetime,
        sequencer: str | None = None,
        *,
        marker: bool = False,
    ) -> int: ...
    def removed_after(self, bucket: str, key: str, sequencer: str | None) -> bool: ...


@dataclass(frozen=True)
class IntakeResult:
    outcome: UploadOutcome
    attachment_id: str | None = None
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Upload:
    """One object version being judged, with what is known of it so far."""

    event: ObjectEvent
    head: ObjectHead
    record_id: str
    key: AttachmentKey | None = None
    metadata: AttachmentMetadata | None = None


class AttachmentIntake:
    """The use case behind the attachment validator function."""

    def __init__(
        self,
        documents: Documents,
        records: Records,
        publisher: NoticePublisher,
        clock: Clock,
        limits: ValidationLimits,
    ) -> None:
        self._documents = documents
        self._records = records
        self._publisher = publisher
        self._clock = clock
        self._limits = limits

    def handle(self, event: ObjectEvent) -> IntakeResult:
        if event.kind == "removed":
            changed = self._records.mark_removed(
                event.bucket,
                event.key,
                event.version_id,
                self._clock.now(),
                event.sequencer,
                marker=event.event_name.endswith("DeleteMarkerCreated"),
            )
            return IntakeResult("deleted", codes=(f"records:{changed}",))
        head = self._documents.head(event.bucket, event.key, event.version_id)
        if head is None:
            return IntakeResult("gone")
        record_id = attachment_id(event.bucket, event.key, head.version_id or event.version_id or event.e_tag)
        upload = _Upload(event, head, record_id)
        try:
            upload = _Upload(event, head, record_id, key=parse_attachment_key(event.key))
        except BadInput as err:
            return self._reject_unless_seen(upload, [_contract_finding(err)], (err.code,))
        if self._seen(upload):
            return self._unless_removed(upload, IntakeResult("duplicate", record_id))
        try:
            metadata = parse_attachment_metadata(head.metadata)
        except BadInput as err:
            return self._reject(upload, [_contract_finding(err)], (err.code,))
        upload = _Upload(event, head, record_id, upload.key, metadata)
        data = self._documents.read(event.bucket, event.key, head.version_id, self._limits.max_bytes)
        verdict, usage = measured_validation(data, metadata.file_type, self._limits)
        if usage.starved(self._limits.cpu_budget_seconds):
            raise CheckerStarved(
                f"stopped at the {self._limits.time_budget_seconds:g} s wall-clock budget after {usage.cpu_seconds} s"
                f" of its {self._limits.cpu_budget_seconds:g} s of processor time"
            )
        if not verdict.ok:
            return self._reject(upload, verdict.errors, tuple(e.code.value for e in verdict.errors), verdict)
        created = self._records.put_new(self._record(upload, "accepted", verdict))
        return self._unless_removed(upload, IntakeResult("accepted" if created else "duplicate", record_id))

    def _unless_removed(self, upload: _Upload, result: IntakeResult) -> IntakeResult:
        """An event delivered after a newer delete marker of its key (S3 does not order deliveries; the
        `sequencer` does): the version is already hidden, so its record is marked deleted as an in-order
        delivery would have left it. Checked after the record is written, as the delete checks after
        remembering its sequencer, so whichever runs second marks it."""
        event = upload.event
        if not self._records.removed_after(event.bucket, event.key, event.sequencer):
            return result
        self._records.mark_removed(event.bucket, event.key, upload.head.version_id, self._clock.now())
        return IntakeResult("deleted", result.attachment_id, ("superseded",))

    def _seen(self, upload: _Upload) -> bool:
        key = upload.key
        found = self._records.get(
            upload.event.bucket,
            upload.event.key,
            upload.record_id,
            key.wdid if key else None,
            key.report_id if key else None,
        )
        return found is not None

    def _reject_unless_seen(self, upload: _Upload, errors: list[Finding], codes: tuple[str, ...]) -> IntakeResult:
        if self._seen(upload):
            return IntakeResult("duplicate", upload.record_id)
        return self._reject(upload, errors, codes)

    def _reject(
        self, upload: _Upload, errors: list[Finding], codes: tuple[str, ...], verdict: Verdict | None = None
    ) -> IntakeResult:
        quarantine_key = self._documents.quarantine(
            upload.event.bucket, upload.event.key, upload.head.version_id, upload.record_id, list(codes)
        )
        record = self._record(upload, "rejected", verdict, errors).model_copy(update={"quarantine_key": quarantine_key})
        # The notice is queued BEFORE the record: a retry after a crash between the two queues it again (same
        # notice id, so the notifier sends once), whereas a record written first would make the retry a
        # duplicate and the notice would never be queued (tests/faults: "killed after the record is written").
        if upload.key is not None:
            self._publisher.publish(_rejection_notice(record, upload.key))
        self._records.put_new(record)
        return IntakeResult("rejected", upload.record_id, codes)

    def _record(
        self,
        upload: _Upload,
        status: Literal["accepted", "rejected"],
        verdict: Verdict | None,
        errors: list[Finding] | None = None,
    ) -> AttachmentRecord:
        key, meta = upload.key, upload.metadata
        too_large = verdict is not None and any(e.code is FindingCode.TOO_LARGE for e in verdict.errors)
        return AttachmentRecord(
            attachment_id=upload.record_id,
            status=status,
            bucket=upload.event.bucket,
            key=upload.event.key,
            version_id=upload.head.version_id,
            wdid=key.wdid if key else None,
            report_id=key.report_id if key else None,
            file_name=key.file_name if key else None,
            file_type=meta.file_type if meta else None,
            title=meta.title if meta else None,
            description=meta.description if meta else None,
            part_no=meta.part_no if meta else None,
            document_date=meta.document_date if meta else None,
            uploaded_by=meta.uploaded_by if meta else None,
            date_attached=self._clock.now(),
            size=upload.head.size,
            sha256=None if verdict is None or too_large else verdict.sha256,
            pages=verdict.pages if verdict else None,
            errors=errors if errors is not None else (verdict.errors if verdict else []),
            warnings=verdict.warnings if verdict else [],
            sequencer=upload.event.sequencer,
        )


def _contract_finding(err: BadInput) -> Finding:
    """A broken upload contract (`bad_key` or `bad_metadata`), with the contract's own message."""
    return Finding(code=FindingCode(err.code), message=err.message)


def _rejection_notice(record: AttachmentRecord, key: AttachmentKey) -> NoticeRequest:
    """Tell the uploader (when `uploaded-by` is an address SES can send to) and the facility's LRP and DARs.

    `uploaded-by` is whatever the uploader set: an API grant writes the member's address or user id, but a
    direct upload may carry anything. An `@` in a value that is no such address (a line break, a second
    address, no domain) is logged, never mailed."""
    uploader = record.uploaded_by if record.uploaded_by and is_email_address(record.uploaded_by) else None
    if record.uploaded_by and uploader is None and "@" in record.uploaded_by:
        logger.warning(
            "uploaded-by is no email address: the uploader is not mailed", attachment_id=record.attachment_id
        )
    return NoticeRequest(
        notice_id=f"attachment_rejected:{record.attachment_id}",
        kind="attachment_rejected",
        wdid=key.wdid,
        recipients=[Recipient(email=uploader, role="uploader")] if uploader else [],
        include_facility_signatories=True,
        facts=AttachmentRejectedFacts(
            report_id=key.report_id,
            file_name=key.file_name,
            file_type=record.file_type.value if record.file_type else None,
            reasons=[RejectionReason(code=e.code.value, message=e.message) for e in record.errors],
            quarantine_key=record.quarantine_key,
            date_attached=record.date_attached,
        ),
    )


def limits_from(max_bytes: int, max_pages: int, time_budget_seconds: float) -> ValidationLimits:
    """Validation limits from the function settings (the rest keep their documented defaults)."""
    return ValidationLimits(max_bytes=max_bytes, max_pages=max_pages, time_budget_seconds=time_budget_seconds)

"""Uploads without AWS credentials (`POST /facilities/{wdid}/uploads`): a presigned S3 POST for one file, whose
policy pins the key the intake's contract names, the object metadata it requires, the content type and a size cap,
valid for a few minutes. The upload then goes through the intake of its prefix like any other (docs/uploads.md).

- `attachment`: key `attachments/{wdid}/{report_id}/{file name}`, metadata `file-type`, `title`, optional
  `description`, `part-no`, `document-date`; for preparers (`UPLOAD_DOCUMENTS`).
- `monitoring`: key `monitoring/facilities/{wdid}/{file name}` (`.txt`, `.csv`, `.tsv`); for preparers. The
  monitoring intake rejects its rows of any other WDID.
- `program_facts`: key `programs/{program}/{wdid}/{file name}` (`.json`); for `EDIT_PROGRAM_FACTS`.

`uploaded-by` is the caller's email on the facility (else their user id): the intake's rejection notices go there.
An attachment to a report the facility does not have is refused at once (404 `unknown_report`); the key and the
metadata are checked with the intakes' own parsers, so a grant is never issued for an upload they would refuse.

Each grant is remembered on the facility, so `recent` (`GET /facilities/{wdid}/uploads`) lists the facility's
uploads with the intakes' verdicts: an attachment's status, error and warning codes and messages, a monitoring or
program facts file's status and counts, and a presigned link to a monitoring file's `.errors.csv`.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from permitclock.clock import Clock
from permitclock.domain.attachments import AttachmentFileType, Finding
from permitclock.domain.uploads import (
    ATTACHMENTS_PREFIX,
    check_file_name,
    parse_attachment_key,
    parse_attachment_metadata,
)
from permitclock.errors import BadInput, NotFound
from permitclock.rules.programs import PROGRAMS
from permitclock.services.monitoring_intake import FACILITY_UPLOADS_PREFIX
from permitclock.services.program_intake import PROGRAMS_PREFIX, parse_program_key
from permitclock.services.report_workflow import Caller, ReportWorkflow
from permitclock.workflow.roles import Action

UploadKind = Literal["attachment", "monitoring", "program_facts"]
MONITORING_TYPES = {".txt": "text/plain", ".tsv": "text/tab-separated-values", ".csv": "text/csv"}
"""The monitoring files' extensions and the content type each is uploaded with."""


class UploadRequest(BaseModel):
    """What the caller wants to upload (the request body); the fields of other kinds are refused when given."""

    model_config = ConfigDict(extra="forbid")

    kind: UploadKind
    file_name: str = Field(min_length=1, max_length=255)
    report_id: str | None = Field(default=None, max_length=64, description="attachment: the report it belongs to")
    file_type: AttachmentFileType | None = Field(default=None, description="attachment: the SMARTS attachment type")
    title: str | None = Field(default=None, max_length=200, description="attachment: its title")
    description: str | None = Field(default=None, max_length=1000)
    part_no: str | None = Field(default=None, max_length=20)
    document_date: date | None = None
    program: str | None = Field(default=None, max_length=40, description="program_facts: the rule pack")


class UploadGrant(BaseModel):
    """Where and how to upload: POST `fields` (in order) then the file as the form field `file` to `url`."""

    key: str
    url: str
    fields: dict[str, str]
    max_bytes: int = Field(description="the largest file the policy accepts")
    expires_in: int = Field(description="seconds the policy stays valid")


@dataclass(frozen=True)
class UploadLimits:
    attachment_bytes: int = 20_000_000
    """The attachment check's own cap (template `PdfMaxBytes`)."""
    monitoring_bytes: int = 1 << 30
    """A statewide Parameter Data download is about 616 MB (smarts-open-data.md)."""
    program_facts_bytes: int = 262_144
    """The program intake's cap (`ProgramIntakeSettings.program_max_bytes`)."""
    expires_in: int = 900


class UploadEntry(BaseModel):
    """One uploaded version of a granted key (or the grant alone, `status` `granted`, while nothing arrived)."""

    key: str
    kind: UploadKind
    uploaded_by: str
    granted_at: datetime
    status: str = Field(description="granted, or the intake's: accepted/rejected/deleted (attachments), "
                        "processed/failed (monitoring), accepted/rejected (program facts)")  # fmt: skip
    version_id: str | None = None
    at: str | None = Field(default=None, description="when the intake finished with it")
    errors: list[Finding] = Field(default_factory=list, description="an attachment's rejection findings")
    warnings: list[Finding] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict, description="a data file's counters (rows, stored, ...)")
    error: str | None = Field(default=None, description="why a whole file was refused")
    error_report_url: str | None = Field(default=None, description="a presigned link to its .errors.csv")


class History(Protocol):
    """The grants and the intakes' records (`adapters.upload_history.UploadHistoryStore`)."""

    def remember_grant(self, wdid: str, key: str, kind: str, uploaded_by: str, at: datetime) -> None: ...

    def grants(self, wdid: str) -> list[dict[str, Any]]: ...

    def records(self, key: str, kind: str) -> list[dict[str, Any]]: ...


class ReportLinks(Protocol):
    def link(self, key: str, expires_in: int) -> str: ...


class PostSigner(Protocol):
    """Signs an S3 POST policy for one key (`adapters.upload_grants.S3PostSigner`)."""

    def sign(self, key: str, fields: dict[str, str], *, max_bytes: int, expires_in: int) -> tuple[str, dict[str, str]]:
        """(url, form fields): `fields` and the key pinned by `eq` conditions, the size by `content-length-range`."""
        ...


@dataclass(frozen=True)
class _Plan:
    key: str
    content_type: str
    metadata: dict[str, str]
    max_bytes: int


RECENT = 25
"""Granted keys `recent` lists (the latest), with every version of each."""
_NOT_COUNTS = frozenset({"size", "version"})


class UploadGrants:
    def __init__(
        self,
        workflow: ReportWorkflow,
        signer: PostSigner,
        limits: UploadLimits,
        history: History,
        links: ReportLinks,
        clock: Clock,
    ) -> None:
        self._workflow = workflow
        self._signer = signer
        self._limits = limits
        self._history = history
        self._links = links
        self._clock = clock

    def grant(self, caller: Caller, wdid: str, request: UploadRequest) -> UploadGrant:
        """The presigned POST for `request`: 404 for another facility, 403 for a role that may not upload it, 400
        naming the field for a request its intake would refuse, 404 `unknown_report` for an attachment to a report
        the facility does not have."""
        action = Action.EDIT_PROGRAM_FACTS if request.kind == "program_facts" else Action.UPLOAD_DOCUMENTS
        member = self._workflow.member(caller, wdid, action)
        uploaded_by = member.email or member.user_id
        file_name = check_file_name(request.file_name)
        _refuse_others(request)
        if request.kind == "attachment":
            plan = self._attachment(caller, wdid, file_name, request, uploaded_by)
        elif request.kind == "monitoring":
            plan = self._monitoring(wdid, file_name, uploaded_by)
        else:
            plan = self._program_facts(wdid, file_name, request, uploaded_by)
        fields = {"Content-Type": plan.content_type, **{f"x-amz-meta-{k}": v for k, v in plan.metadata.items()}}
        url, form = self._signer.sign(plan.key, fields, max_bytes=plan.max_bytes, expires_in=self._limits.expires_in)
        self._history.remember_grant(wdid, plan.key, request.kind, uploaded_by, self._clock.now())
        return UploadGrant(key=plan.key, url=url, fields=form, max_bytes=plan.max_bytes,
                           expires_in=self._limits.expires_in)  # fmt: skip

    def recent(self, caller: Caller, wdid: str) -> list[UploadEntry]:
        """The facility's latest granted uploads (any member), newest first, each version with its verdict."""
        self._workflow.member(caller, wdid, Action.VIEW)
        grants = sorted(self._history.grants(wdid), key=lambda g: str(g["granted_at"]), reverse=True)[:RECENT]
        entries: list[UploadEntry] = []
        for found in grants:
            grant = UploadEntry(key=found["key"], kind=found["kind"], uploaded_by=found["uploaded_by"],
                                granted_at=found["granted_at"], status="granted")  # fmt: skip
            records = self._history.records(grant.key, grant.kind)
            entries.extend([self._entry(grant, r) for r in records] or [grant])
        return entries

    def _entry(self, grant: UploadEntry, record: dict[str, Any]) -> UploadEntry:
        error = record.get("error")
        report = record.get("error_report_key")
        return grant.model_copy(
            update={
                "status": str(record.get("status")),
                "version_id": record.get("version_id"),
                "at": record.get("finished_at") or record.get("date_attached"),
                "errors": [Finding.model_validate(f) for f in record.get("errors") or []],
                "warnings": [Finding.model_validate(f) for f in record.get("warnings") or []],
                "counts": {k: v for k, v in record.items() if type(v) is int and k not in _NOT_COUNTS},
                "error": error.get("message") if isinstance(error, dict) else error,
                "error_report_url": self._links.link(report, self._limits.expires_in) if report else None,
            }
        )

    def _attachment(self, caller: Caller, wdid: str, file_name: str, request: UploadRequest, by: str) -> _Plan:
        if not request.report_id:
            raise BadInput("report_id: required for an attachment", field="report_id")
        key = parse_attachment_key(f"{ATTACHMENTS_PREFIX}{wdid}/{request.report_id}/{file_name}").key
        try:
            self._workflow.report(caller, wdid, request.report_id)
        except NotFound:
            raise NotFound(f"report {request.report_id} not found", code="unknown_report") from None
        metadata = {"file-type": request.file_type.value if request.file_type else "", "title": request.title or "",
                    "description": request.description, "part-no": request.part_no,
                    "document-date": request.document_date.isoformat() if request.document_date else None,
                    "uploaded-by": by}  # fmt: skip
        present = {k: v for k, v in metadata.items() if v}
        parse_attachment_metadata(present)  # the attachment check's own reading: `file-type`, `title` required
        content_type = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        return _Plan(key, content_type, present, self._limits.attachment_bytes)

    def _monitoring(self, wdid: str, file_name: str, by: str) -> _Plan:
        extension = "." + file_name.rpartition(".")[2].lower() if "." in file_name else ""
        if extension not in MONITORING_TYPES:
            raise BadInput(f"file_name: a monitoring file ends {', '.join(MONITORING_TYPES)}", field="file_name")
        key = f"{FACILITY_UPLOADS_PREFIX}{wdid}/{file_name}"
        return _Plan(key, MONITORING_TYPES[extension], {"uploaded-by": by}, self._limits.monitoring_bytes)

    def _program_facts(self, wdid: str, file_name: str, request: UploadRequest, by: str) -> _Plan:
        if request.program not in PROGRAMS:
            raise BadInput(f"program: one of {', '.join(PROGRAMS)}", field="program")
        if not file_name.lower().endswith(".json"):
            raise BadInput("file_name: program facts are a .json file", field="file_name")
        key = f"{PROGRAMS_PREFIX}{request.program}/{wdid}/{file_name}"
        parse_program_key(key)
        return _Plan(key, "application/json", {"uploaded-by": by}, self._limits.program_facts_bytes)


_FIELDS_OF: dict[str, frozenset[str]] = {
    "attachment": frozenset({"report_id", "file_type", "title", "description", "part_no", "document_date"}),
    "monitoring": frozenset(),
    "program_facts": frozenset({"program"}),
}
_OPTIONAL = frozenset().union(*_FIELDS_OF.values())


def _refuse_others(request: UploadRequest) -> None:
    """400 for a field of another kind (`program` on an attachment): it would be silently ignored."""
    given = {name for name in _OPTIONAL if getattr(request, name) is not None}
    stray = sorted(given - _FIELDS_OF[request.kind])
    if stray:
        raise BadInput(f"{stray[0]}: not a field of a {request.kind} upload", field=stray[0])

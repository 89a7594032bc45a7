"""The upload contract for ERA attachments: `attachments/{WDID}/{report_id}/{file name}` plus object metadata.

The key arrives URL-encoded in S3 notifications (`+` for a space): it is decoded exactly once, here, and
every segment is treated as hostile (OWASP File Upload Cheat Sheet): the file name is only ever metadata,
never a local path or part of a key we write.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from urllib.parse import unquote_plus

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from permitclock.domain.attachments import AttachmentFileType, Finding
from permitclock.domain.reports import AttachmentStatus, ReportAttachment
from permitclock.errors import BadInput

UploadOutcome = Literal["accepted", "rejected", "duplicate", "ignored", "deleted", "gone", "checkpointed"]
"""What an intake did with one object event, whatever the prefix: `accepted` (taken: stored, perhaps with bad
rows listed), `rejected` (refused as a whole, with its reasons), `duplicate` (a redelivered event: nothing new),
`ignored` (not this intake's object), `deleted` (a delete marked the records), `gone` (the version no longer
exists), `checkpointed` (a monitoring download read in part before the invocation's time ran low: its record
holds where the next part starts, queued already). The upload records keep their documented statuses
(docs/uploads.md: monitoring `processed` or `failed`, QISP registry `loaded` or `rejected`, program facts
`accepted` or `rejected`)."""


@dataclass
class SmartsUploadResult:
    """What the SMARTS intake did with one object under `smarts/`: its outcome, the counters its upload record
    got, and the error of a file refused as a whole."""

    outcome: UploadOutcome
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None


ATTACHMENTS_PREFIX = "attachments/"
QUARANTINE_PREFIX = "quarantine/"

# WDIDs as SMARTS writes them: region (1-9, optional letter), optional space, county code (or XX),
# permit-type letters (I, IN, NEC, ...), six digits: `4 19I000033`, `5S28I001939`, `1 08NEC000169`.
WDID_PATTERN = re.compile(r"^[1-9][A-Z]? ?(?:[0-9]{2}|XX)[A-Z]{1,3}[0-9]{5,6}$")
REPORT_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
MAX_FILE_NAME_BYTES = 255
# C0 and C1 controls, slashes, line/paragraph separators, bidi overrides and isolates (a name that reads
# backwards in a notice), lone surrogates.
_FORBIDDEN_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\\/\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def decode_s3_key(raw: str) -> str:
    """Decode an S3 notification key exactly once (`+` is a space, `%2B` a plus)."""
    return unquote_plus(raw)


class AttachmentKey(BaseModel):
    """A key that follows the contract, split into its parts."""

    model_config = ConfigDict(frozen=True)

    key: str
    wdid: str
    report_id: str
    file_name: str


def parse_attachment_key(key: str) -> AttachmentKey:
    """Split a decoded key into WDID, report id and file name, or raise `BadInput` saying what is wrong."""
    if not key.startswith(ATTACHMENTS_PREFIX):
        raise BadInput(f"key '{_shown(key)}' is not under {ATTACHMENTS_PREFIX}", code="bad_key", field="key")
    parts = key[len(ATTACHMENTS_PREFIX) :].split("/")
    if len(parts) != 3:
        raise BadInput(
            f"key '{_shown(key)}' must be attachments/{{WDID}}/{{report_id}}/{{file name}}",
            code="bad_key",
            field="key",
        )
    wdid, report_id, file_name = parts
    if any(p in (".", "..") for p in parts):
        raise BadInput(f"key '{_shown(key)}' contains a path-traversal segment", code="bad_key", field="key")
    if not WDID_PATTERN.fullmatch(wdid):  # fullmatch: `$` alone lets a trailing newline through
        raise BadInput(f"'{_shown(wdid)}' is not a WDID (e.g. '4 19I000033')", code="bad_key", field="wdid")
    if not REPORT_ID_PATTERN.fullmatch(report_id):
        raise BadInput(f"'{_shown(report_id)}' is not a report id", code="bad_key", field="report_id")
    return AttachmentKey(key=key, wdid=wdid, report_id=report_id, file_name=check_file_name(file_name))


def check_file_name(name: str) -> str:
    """The NFC-normalised file name, or `BadInput` (`bad_key`, field `file_name`): empty, hidden, control
    characters or slashes, over 255 bytes."""
    normalised = unicodedata.normalize("NFC", name)
    if not normalised.strip() or normalised.startswith("."):
        raise BadInput("the file name is empty or hidden", code="bad_key", field="file_name")
    if _FORBIDDEN_NAME_CHARS.search(normalised):
        raise BadInput("the file name contains control characters or slashes", code="bad_key", field="file_name")
    if len(normalised.encode()) > MAX_FILE_NAME_BYTES:
        raise BadInput(f"the file name is longer than {MAX_FILE_NAME_BYTES} bytes", code="bad_key", field="file_name")
    return normalised


def _shown(text: str, limit: int = 80) -> str:
    """A key part safe to echo back: control characters replaced, length capped."""
    cleaned = _FORBIDDEN_NAME_CHARS.sub("?", text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


class AttachmentMetadata(BaseModel):
    """The object metadata an uploader sets (`x-amz-meta-*`), as SMARTS's attachment form asks for it."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    file_type: AttachmentFileType = Field(alias="file-type")
    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=1000)
    part_no: str | None = Field(None, alias="part-no", max_length=20)
    document_date: date | None = Field(None, alias="document-date")
    uploaded_by: str | None = Field(None, alias="uploaded-by", max_length=254)


def parse_attachment_metadata(metadata: dict[str, str]) -> AttachmentMetadata:
    """Validate S3 user metadata (keys lower-cased by S3) or raise `BadInput` naming the field."""
    try:
        return AttachmentMetadata.model_validate({k.lower(): v for k, v in metadata.items()})
    except ValidationError as err:
        first = err.errors()[0]
        name = ".".join(str(p) for p in first["loc"]) or "metadata"
        if first["type"] == "missing":
            message = f"metadata '{name}' is missing"
        elif name == "file-type":
            message = f"metadata 'file-type' must be one of: {', '.join(AttachmentFileType)}"
        else:
            message = f"metadata '{name}' is invalid: {first['msg']}"
        raise BadInput(message, code="bad_metadata", field=name) from None


class AttachmentRecord(BaseModel):
    """One uploaded object version and what became of it: the audit trail SMARTS's attachment list shows.

    Invalid keys have no WDID or report: the record then lives under the upload's own key.
    """

    attachment_id: str
    status: AttachmentStatus
    bucket: str
    key: str
    version_id: str | None = None
    wdid: str | None = None
    report_id: str | None = None
    file_name: str | None = None
    file_type: AttachmentFileType | None = None
    title: str | None = None
    description: str | None = None
    part_no: str | None = None
    document_date: date | None = None
    uploaded_by: str | None = None
    date_attached: datetime
    size: int
    sha256: str | None = None
    pages: int | None = None
    errors: list[Finding] = Field(default_factory=list)
    warnings: list[Finding] = Field(default_factory=list)
    quarantine_key: str | None = None
    deleted_at: datetime | None = None
    sequencer: str | None = None  # S3's event sequencer of the upload: orders it against deletes of the key

    def report_attachment(self) -> ReportAttachment:
        """What the report workflow and the API read of this record (the one mapping between the two)."""
        return ReportAttachment(
            attachment_id=self.attachment_id,
            file_type=self.file_type,
            title=self.title or "",
            status=self.status,
            date_attached=self.date_attached,
        )


def attachment_id(bucket: str, key: str, version: str | None) -> str:
    """The stable id of one object version: a redelivered event maps to the same record."""
    return hashlib.sha256(f"{bucket}\n{key}\n{version or ''}".encode()).hexdigest()[:24]


@dataclass(frozen=True)
class ObjectHead:
    """What S3 says about one object version."""

    size: int
    version_id: str | None
    metadata: dict[str, str]

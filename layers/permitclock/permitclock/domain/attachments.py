"""Attachment validation shapes: SMARTS attachment types, findings with stable codes, verdicts and limits.

The checker itself lives in `permitclock.attachments`; these models are what handlers, services and the CLI
exchange. Finding codes are stable (stored, mapped to user messages, asserted in tests); messages are plain
words for a consultant and never quote document content.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt, computed_field


class AttachmentFileType(StrEnum):
    """The attachment types SMARTS offers for ERA reports and SWPPPs."""

    LEVEL_1_ERA_REPORT = "Level 1 ERA Report"
    LEVEL_2_ERA_ACTION_PLAN = "Level 2 ERA Action Plan"
    LEVEL_2_ERA_TECHNICAL_REPORT = "Level 2 ERA Technical Report"
    SWPPP = "SWPPP"
    SUPPORTING_DOCUMENTATION = "Supporting Documentation"


class DetectedFormat(StrEnum):
    """What the bytes are, judged by content signature, never by file name or Content-Type."""

    PDF = "pdf"
    PNG = "png"
    JPEG = "jpeg"
    CSV = "csv"
    XLSX = "xlsx"
    UNKNOWN = "unknown"


_PDF_ONLY = frozenset({DetectedFormat.PDF})

ALLOWED_FORMATS: dict[AttachmentFileType, frozenset[DetectedFormat]] = {
    AttachmentFileType.LEVEL_1_ERA_REPORT: _PDF_ONLY,
    AttachmentFileType.LEVEL_2_ERA_ACTION_PLAN: _PDF_ONLY,
    AttachmentFileType.LEVEL_2_ERA_TECHNICAL_REPORT: _PDF_ONLY,
    AttachmentFileType.SWPPP: _PDF_ONLY,
    AttachmentFileType.SUPPORTING_DOCUMENTATION: frozenset(DetectedFormat) - {DetectedFormat.UNKNOWN},
}
"""Formats each attachment type accepts: reports and SWPPPs are PDF only."""


class FindingCode(StrEnum):
    """Stable codes of attachment findings. The first group rejects a file; the last group only flags it."""

    EMPTY = "empty"
    NOT_PDF = "not_pdf"
    WRONG_FILE_TYPE = "wrong_file_type"
    MALFORMED = "malformed"
    ENCRYPTED = "encrypted"
    """A user password is needed to open the document."""
    ACTIVE_CONTENT = "active_content"
    """JavaScript, launch or submit-form actions, embedded files, rich media or XFA forms."""
    TOO_LARGE = "too_large"
    TOO_MANY_PAGES = "too_many_pages"
    RESOURCE_LIMIT = "resource_limit"
    """A parser limit, the time budget or the memory cap was hit, or the checking process died."""
    BAD_KEY = "bad_key"
    """The upload's S3 key breaks the contract `attachments/{WDID}/{report_id}/{file name}`."""
    BAD_METADATA = "bad_metadata"
    """The upload's object metadata is missing a field or has an invalid one (e.g. an unknown file type)."""

    NO_TEXT_LAYER = "no_text_layer"
    """Warning: no extractable text on the first pages (a scan); accepted."""
    OWNER_PASSWORD_ONLY = "owner_password_only"
    """Warning: encrypted, but opens without a password (permissions only); accepted."""
    REPAIRED = "repaired"
    """Warning: strict parsing failed and pypdf's lenient reader opened the file cleanly; accepted."""


class Finding(BaseModel):
    """One problem or remark about an attachment."""

    model_config = ConfigDict(frozen=True)

    code: FindingCode
    message: str


class Verdict(BaseModel):
    """The outcome of validating one attachment: accepted (`ok`) exactly when there are no errors."""

    model_config = ConfigDict(frozen=True)

    file_type: AttachmentFileType
    detected_format: DetectedFormat
    pages: int | None = None
    size: int
    sha256: str
    errors: list[Finding] = Field(default_factory=list)
    warnings: list[Finding] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ok(self) -> bool:
        return not self.errors


class ValidationLimits(BaseModel):
    """Bounds for one validation. The defaults fit a 512 MB Lambda with a 10 s per-file budget.

    `memory_cap_bytes` is the address space the checking child may add to what it starts with (a forked child
    starts with its parent's mappings, which are shared and mostly untouched); it is enforced with RLIMIT_AS.
    The pypdf fields are applied through `pypdf.Configuration` in the child.
    """

    model_config = ConfigDict(frozen=True)

    max_bytes: PositiveInt = 20_000_000
    max_pages: PositiveInt = 500
    time_budget_seconds: PositiveFloat = 7.0
    """Wall clock per file, the outer bound (the parent kills the child)."""
    cpu_budget_seconds: PositiveFloat = 3.0
    """Processor time per file: what decides on a loaded machine, since it does not stretch with the load."""
    memory_cap_bytes: PositiveInt = 384 * 1024 * 1024
    text_probe_pages: PositiveInt = 5
    """Pages, from the first, searched for a text layer."""
    max_walked_objects: PositiveInt = 500_000
    """Dictionaries and arrays visited while looking for active content."""
    decode_max_output_bytes: PositiveInt = 20_000_000
    """Output of one decode (Flate, LZW, RunLength, JBIG2, Brotli) and of one image buffer."""
    decode_max_work_bytes: PositiveInt = 60_000_000
    """Decoding work per stream, summed over its filters."""
    scan_max_decoded_bytes: PositiveInt = 150_000_000
    """Decoded stream data the raw scan reads over the whole file (each stream also within the two above)."""
    image_max_side: PositiveInt = 30_000
    """PNG and JPEG width and height, in pixels."""
    image_max_decoded_bytes: PositiveInt = 150_000_000
    """PNG and JPEG width x height x bands."""
    xlsx_max_entries: PositiveInt = 10_000
    xlsx_max_uncompressed_bytes: PositiveInt = 100_000_000
    xmp_max_input_bytes: PositiveInt = 1_000_000
    root_object_recovery_limit: PositiveInt = 1_000
    xref_stream_max_entries: PositiveInt = 200_000

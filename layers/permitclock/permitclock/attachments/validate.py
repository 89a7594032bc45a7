"""`validate_attachment`: size and signature gates, then the bounded PDF check for PDFs.

Order: empty, too large, content signature against the formats the declared type allows (reports and SWPPPs
are PDF only), then pypdf in a child process. PNG, JPEG, CSV and XLSX supporting documents are judged by
signature only.
"""

from __future__ import annotations

import hashlib

from permitclock.attachments.pdf import check_pdf_bytes
from permitclock.attachments.sniff import detect_format
from permitclock.domain.attachments import (
    ALLOWED_FORMATS,
    AttachmentFileType,
    DetectedFormat,
    Finding,
    FindingCode,
    ValidationLimits,
    Verdict,
)


def validate_attachment(data: bytes, file_type: AttachmentFileType, limits: ValidationLimits | None = None) -> Verdict:
    """Validate an uploaded attachment declared as `file_type`. Never raises for any content of `data`."""
    limits = limits or ValidationLimits()
    detected = detect_format(data) if len(data) <= limits.max_bytes else DetectedFormat.UNKNOWN
    pages: int | None = None
    errors: list[Finding] = []
    warnings: list[Finding] = []
    if not data:
        errors.append(Finding(code=FindingCode.EMPTY, message="The file is empty."))
    elif len(data) > limits.max_bytes:
        errors.append(
            Finding(
                code=FindingCode.TOO_LARGE,
                message=f"The file is larger than the limit of {limits.max_bytes:,} bytes.",
            )
        )
    elif detected not in ALLOWED_FORMATS[file_type]:
        errors.append(_format_finding(file_type, detected))
    elif detected is DetectedFormat.PDF:
        pages, errors, warnings = check_pdf_bytes(data, limits)
    return Verdict(
        file_type=file_type,
        detected_format=detected,
        pages=pages,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        errors=errors,
        warnings=warnings,
    )


def _format_finding(file_type: AttachmentFileType, detected: DetectedFormat) -> Finding:
    allowed = ALLOWED_FORMATS[file_type]
    if allowed == {DetectedFormat.PDF} and detected is DetectedFormat.UNKNOWN:
        return Finding(
            code=FindingCode.NOT_PDF,
            message=f"The file is not a PDF (no PDF header at its start); a {file_type} must be a PDF.",
        )
    names = ", ".join(sorted(fmt.upper() for fmt in allowed))
    found = "an unrecognised format" if detected is DetectedFormat.UNKNOWN else f"a {detected.upper()} file"
    return Finding(
        code=FindingCode.WRONG_FILE_TYPE,
        message=f"The file is {found}; a {file_type} must be one of: {names}.",
    )

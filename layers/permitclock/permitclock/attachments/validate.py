"""`validate_attachment`: the size gate in the caller; everything that reads the content in a sandbox child.

In the caller: empty, too large, the SHA-256 (no parsing). In one child (`sandbox.Isolated`, under the memory
cap, the CPU budget and the wall-clock budget): content sniffing (`sniff.detect`), the formats the declared
type allows (reports and SWPPPs are PDF only), then that format's own check:

* PDF (`pdf.inspect_pdf`). A header that is not at byte 0 means something sits in front of the PDF (a PNG,
  JPEG, CSV or HTML prefix: one file, two formats). A report type is then `not_pdf`; Supporting
  Documentation is `wrong_file_type`, after the PDF is checked from its header, so the active content it
  carries is named too.
* PNG and JPEG (`images.check_image`): they must decode within bounds, nothing appended.
* XLSX (`workbook.check_workbook`): a plain OOXML workbook, no macros, external links or embedded objects.
* CSV: sniffing already required rectangular UTF-8 text.

A PNG, JPEG, CSV or XLSX with `%PDF-` anywhere in it is `wrong_file_type`: it carries a PDF a reader could
find.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

from permitclock.attachments.images import check_image
from permitclock.attachments.pdf import inspect_pdf, isolated, stopped_finding
from permitclock.attachments.sandbox import Stopped, Usage
from permitclock.attachments.sniff import PDF_MAGIC, detect, pdf_header_offset
from permitclock.attachments.workbook import check_workbook
from permitclock.domain.attachments import (
    ALLOWED_FORMATS,
    AttachmentFileType,
    DetectedFormat,
    Finding,
    FindingCode,
    ValidationLimits,
    Verdict,
)


class _Judged(NamedTuple):
    """What the child found."""

    detected: DetectedFormat
    pages: int | None = None
    errors: tuple[Finding, ...] = ()
    warnings: tuple[Finding, ...] = ()


def validate_attachment(data: bytes, file_type: AttachmentFileType, limits: ValidationLimits | None = None) -> Verdict:
    """Validate an uploaded attachment declared as `file_type`. Never raises for any content of `data`."""
    return measured_validation(data, file_type, limits)[0]


def measured_validation(
    data: bytes, file_type: AttachmentFileType, limits: ValidationLimits | None = None
) -> tuple[Verdict, Usage]:
    """`validate_attachment` and what its child used (an empty or oversize file runs no child: zero)."""
    limits = limits or ValidationLimits()
    judged = _Judged(DetectedFormat.UNKNOWN)
    usage = Usage(cpu_seconds=0.0, peak_rss_bytes=0)
    if not data:
        judged = _Judged(
            DetectedFormat.UNKNOWN, errors=(Finding(code=FindingCode.EMPTY, message="The file is empty."),)
        )
    elif len(data) > limits.max_bytes:
        too_large = Finding(
            code=FindingCode.TOO_LARGE, message=f"The file is larger than the limit of {limits.max_bytes:,} bytes."
        )
        judged = _Judged(DetectedFormat.UNKNOWN, errors=(too_large,))
    else:
        outcome, usage = isolated(_judge, limits).measured((data, file_type, limits))
        judged = (
            _Judged(DetectedFormat.UNKNOWN, errors=(stopped_finding(outcome, usage, limits),))
            if isinstance(outcome, Stopped)
            else outcome
        )
    verdict = Verdict(
        file_type=file_type,
        detected_format=judged.detected,
        pages=judged.pages,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        errors=list(judged.errors),
        warnings=list(judged.warnings),
    )
    return verdict, usage


def _judge(job: tuple[bytes, AttachmentFileType, ValidationLimits]) -> _Judged:
    """The child's work (see the module docstring)."""
    data, file_type, limits = job
    detected, problem = detect(data, limits)
    if problem is not None:
        return _Judged(detected, errors=(problem,))
    if detected not in ALLOWED_FORMATS[file_type]:
        return _Judged(detected, errors=(_format_finding(file_type, detected),))
    if detected is DetectedFormat.PDF:
        return _judge_pdf(data, file_type, limits)
    if PDF_MAGIC in data:
        inside = Finding(
            code=FindingCode.WRONG_FILE_TYPE,
            message=f"The {detected.upper()} file has a PDF inside it (one file, two formats). "
            "Upload each document on its own.",
        )
        return _Judged(detected, errors=(inside,))
    if detected in (DetectedFormat.PNG, DetectedFormat.JPEG):
        return _Judged(detected, errors=tuple(check_image(data, detected, limits)))
    if detected is DetectedFormat.XLSX:
        return _Judged(detected, errors=tuple(check_workbook(data, limits)))
    return _Judged(detected)


def _judge_pdf(data: bytes, file_type: AttachmentFileType, limits: ValidationLimits) -> _Judged:
    offset = pdf_header_offset(data) or 0
    prefix: list[Finding] = []
    if offset:
        if ALLOWED_FORMATS[file_type] == {DetectedFormat.PDF}:
            return _Judged(
                DetectedFormat.PDF, errors=(_not_pdf(file_type, "other content comes before its PDF header"),)
            )
        prefix = [
            Finding(
                code=FindingCode.WRONG_FILE_TYPE,
                message=f"The file has {offset:,} bytes of other content in front of its PDF header (one file, "
                "two formats). Upload the PDF alone.",
            )
        ]
    pages, errors, warnings = inspect_pdf((data[offset:], limits))
    return _Judged(DetectedFormat.PDF, pages, (*prefix, *errors), tuple(warnings))


def _not_pdf(file_type: AttachmentFileType, why: str) -> Finding:
    return Finding(code=FindingCode.NOT_PDF, message=f"The file is not a PDF ({why}); a {file_type} must be a PDF.")


def _format_finding(file_type: AttachmentFileType, detected: DetectedFormat) -> Finding:
    allowed = ALLOWED_FORMATS[file_type]
    if allowed == {DetectedFormat.PDF} and detected is DetectedFormat.UNKNOWN:
        return _not_pdf(file_type, "no PDF header at its start")
    names = ", ".join(sorted(fmt.upper() for fmt in allowed))
    found = "an unrecognised format" if detected is DetectedFormat.UNKNOWN else f"a {detected.upper()} file"
    return Finding(
        code=FindingCode.WRONG_FILE_TYPE,
        message=f"The file is {found}; a {file_type} must be one of: {names}.",
    )

"""Content sniffing: what an upload is, judged by its bytes alone (run in the sandbox child).

* PDF: `%PDF-` starting anywhere in the first 1024 bytes, since readers look for it there (a PNG, JPEG,
  CSV or HTML prefix in front of a PDF still opens as a PDF). `pdf_header_offset` says where; a PDF with
  anything in front of its header is refused later, whatever the declared type allows.
* PNG and JPEG: their magic numbers.
* XLSX: a ZIP whose entries (listed within `xlsx_max_entries`, see `workbook.entry_names`) include
  `[Content_Types].xml` and `xl/workbook.xml`, so OpenDocument and Word files are not XLSX. An archive that
  lists more entries is `too_many_entries` (a `resource_limit` finding), never listed.
* CSV: valid UTF-8 (a BOM is allowed) without NUL bytes whose first lines are rectangular, with at least two
  fields each, for one of the delimiters `,` `;` tab `|`. Single-column and ragged files are not CSV.
"""

from __future__ import annotations

import csv
import io
from typing import NamedTuple

from permitclock.attachments.workbook import TooManyEntries, entry_names, is_workbook
from permitclock.domain.attachments import DetectedFormat, Finding, FindingCode, ValidationLimits

PDF_MAGIC = b"%PDF-"
PDF_HEADER_WINDOW = 1024
"""Readers accept a PDF header starting within this many bytes of the start."""
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
ZIP_MAGIC = b"PK\x03\x04"

CSV_DELIMITERS = ",;\t|"
CSV_SAMPLE_CHARS = 64 * 1024
CSV_SAMPLE_ROWS = 50


class Detection(NamedTuple):
    format: DetectedFormat
    problem: Finding | None = None
    """Set when the bytes could not be told apart within the bounds (a ZIP listing too many entries)."""


def pdf_header_offset(data: bytes) -> int | None:
    """Where `%PDF-` starts within the first 1024 bytes; None when it does not."""
    offset = data.find(PDF_MAGIC, 0, PDF_HEADER_WINDOW - 1 + len(PDF_MAGIC))
    return None if offset < 0 else offset


def detect(data: bytes, limits: ValidationLimits) -> Detection:
    """The format of `data` by content; `UNKNOWN` when none matches."""
    if pdf_header_offset(data) is not None:
        return Detection(DetectedFormat.PDF)
    if data.startswith(PNG_MAGIC):
        return Detection(DetectedFormat.PNG)
    if data.startswith(JPEG_MAGIC):
        return Detection(DetectedFormat.JPEG)
    if data.startswith(ZIP_MAGIC):
        try:
            names = entry_names(data, limits.xlsx_max_entries)
        except TooManyEntries:
            too_many = Finding(
                code=FindingCode.RESOURCE_LIMIT,
                message=f"The file is a ZIP archive with more than {limits.xlsx_max_entries:,} entries, "
                "more than is checked.",
            )
            return Detection(DetectedFormat.UNKNOWN, too_many)
        return Detection(DetectedFormat.XLSX if names and is_workbook(names) else DetectedFormat.UNKNOWN)
    return Detection(DetectedFormat.CSV if _is_csv(data) else DetectedFormat.UNKNOWN)


def detect_format(data: bytes, limits: ValidationLimits | None = None) -> DetectedFormat:
    """The format of `data` by content (see `detect`)."""
    return detect(data, limits or ValidationLimits()).format


def _is_csv(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    sample = text[:CSV_SAMPLE_CHARS]
    if len(sample) < len(text):
        sample = sample[: sample.rfind("\n") + 1]  # drop the row the sample cut
    return any(_is_rectangular(sample, delimiter) for delimiter in CSV_DELIMITERS)


def _is_rectangular(sample: str, delimiter: str) -> bool:
    try:
        rows = [row for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if row]
    except csv.Error:
        return False
    widths = {len(row) for row in rows[:CSV_SAMPLE_ROWS]}
    return len(widths) == 1 and widths.pop() >= 2

"""Content sniffing: what an upload is, judged by its bytes alone.

* PDF: `%PDF-` exactly at byte 0. Readers tolerate junk before the header, which is what makes PDF/HTML
  polyglots possible; requiring offset 0 gives that tolerance up on purpose.
* PNG and JPEG: their magic numbers.
* XLSX: a ZIP whose central directory lists `[Content_Types].xml` and entries under `xl/` (so OpenDocument
  and Word files are not XLSX). Only the directory is read; nothing is decompressed.
* CSV: valid UTF-8 (a BOM is allowed) without NUL bytes whose first lines are rectangular, with at least two
  fields each, for one of the delimiters `,` `;` tab `|`. Single-column and ragged files are not CSV.
"""

from __future__ import annotations

import csv
import io
import zipfile

from permitclock.domain.attachments import DetectedFormat

PDF_MAGIC = b"%PDF-"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
ZIP_MAGIC = b"PK\x03\x04"

CSV_DELIMITERS = ",;\t|"
CSV_SAMPLE_CHARS = 64 * 1024
CSV_SAMPLE_ROWS = 50


def detect_format(data: bytes) -> DetectedFormat:
    """The format of `data` by signature; `UNKNOWN` when none matches."""
    if data.startswith(PDF_MAGIC):
        return DetectedFormat.PDF
    if data.startswith(PNG_MAGIC):
        return DetectedFormat.PNG
    if data.startswith(JPEG_MAGIC):
        return DetectedFormat.JPEG
    if data.startswith(ZIP_MAGIC):
        return DetectedFormat.XLSX if _is_xlsx(data) else DetectedFormat.UNKNOWN
    return DetectedFormat.CSV if _is_csv(data) else DetectedFormat.UNKNOWN


def _is_xlsx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return False
    return "[Content_Types].xml" in names and any(name.startswith("xl/") for name in names)


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

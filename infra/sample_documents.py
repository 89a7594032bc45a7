"""Small, valid documents built in code for the demo and tests (no dependency on ../shared)."""

from __future__ import annotations

import io

from permitclock.intake.smarts import RAW_COLUMNS


def raw_pdf(content: bytes, *, filters: str = "", page_extra: bytes = b"") -> bytes:
    """A one-page PDF with a correct xref: catalog, pages, page, content stream, Helvetica."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> " + page_extra + b">>",
        b"<< /Length %d %s >>\nstream\n" % (len(content), filters.encode()) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def text_pdf(*lines: str) -> bytes:
    """A one-page PDF showing `lines` of Latin-1 text, one under the other."""
    ops = [b"BT /F1 12 Tf 72 720 Td 14 TL"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(b"(" + escaped.encode("latin-1") + b") '")
    ops.append(b"ET")
    return raw_pdf(b"\n".join(ops))


RAW_HEADER = "\t".join(RAW_COLUMNS)
"""The header of a raw SMARTS "Industrial Ad Hoc Reports - Parameter Data" download."""


def raw_row(
    parameter: str = "Zinc, Total",
    result: str = ".0057",
    sample_date: str = "10/17/2016",
    *,
    qualifier: str = "=",
    units: str = "mg/L",
    reporting_year: str = "2016",
    wdid: str = "1 08I000001",
    sample_id: str = "2242997",
    location: str = "CL-1",
    location_type: str = "Effluent Monitoring",
    event_type: str = "Qualifying Storm Event",
    description: str = "",
    time: str = "11:00",
) -> str:
    """One analytical result as a raw SMARTS download line (defaults: a zinc result from Region 1)."""
    fields = [
        "Industrial", wdid, "178203", reporting_year, "918881", event_type, location, location_type,
        description, "41.7", "-124.1", sample_id, sample_date, time, sample_date, "08:00", parameter,
        qualifier, result, units,
        "E200.7", "1", "", "", "", "", "02-AUG-17 08.03.32.748000 AM",
    ]  # fmt: skip
    return "\t".join(fields)


def raw_file(*rows: str) -> io.BytesIO:
    """A raw SMARTS download holding `rows`."""
    return io.BytesIO(("\n".join([RAW_HEADER, *rows]) + "\n").encode())


ANNUAL_REPORTS_COLUMNS = [
    "APP_ID", "WDID", "REPORT_ID", "REPORT_YEAR", "REGION", "QUESTION_1_ANSWER", "QUESTION_1_EXPLANATION",
    "QUESTION_2_ANSWER", "QUESTION_2_EXPLANATION", "QUESTION_3_ANSWER", "QUESTION_3_EXPLANATION",
    "QUESTION_4_ANSWER", "QUESTION_5_ANSWER", "QUESTION_6_ANSWER", "QUESTION_6_1_ANSWER", "QUESTION_8_ANSWER",
    "QUESTION_8_DATE", "QUESTION_9_ANSWER", "QUESTION_9_EXPLANATION", "QUESTION_10_ANSWER",
    "QUESTION_10_EXPLANATION", "QUESTION_11_ANSWER", "QUESTION_11_DATE", "QUESTION_11_EXPLANATION",
    "QUESTION_12_ANSWER", "QUESTION_12_EXPLANATION", "CERTIFIER_NAME", "CERTIFIED_DATE", "QUESTION_13_ANSWER",
    "QUESTION_14_ANSWER", "QUESTION_14_EXPLANATION", "QUESTION_TMDL_ANSWER",
]  # fmt: skip
"""The 32 columns of a raw SMARTS "Industrial Annual Reports" download, in order (shared/data/smarts/README.md)."""


def annual_reports_row(wdid: str, report_id: str, year: str, certified: str, **other: str) -> str:
    """One report of an Annual Reports download (`other`: more of its columns by name; the rest empty)."""
    values = dict.fromkeys(ANNUAL_REPORTS_COLUMNS, "")
    values.update(WDID=wdid, REPORT_ID=report_id, REPORT_YEAR=year, CERTIFIED_DATE=certified, **other)
    return "\t".join(values[c] for c in ANNUAL_REPORTS_COLUMNS)


def annual_reports_download(*rows: str) -> bytes:
    """An Annual Reports download holding `rows` (`annual_reports_row`)."""
    return ("\n".join(["\t".join(ANNUAL_REPORTS_COLUMNS), *rows]) + "\n").encode()

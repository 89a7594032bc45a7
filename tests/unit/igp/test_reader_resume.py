"""A SMARTS reader resumed at a record it yielded reads exactly the rows a reader from the start reads from that
record on: same rows, same line numbers, whatever the line ends, the encoding, multi-line records, malformed records
or where the chunk boundaries fall (the monitoring intake's checkpoint, issue 18 / #14.1)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from permitclock.domain.samples import RejectedRow
from permitclock.intake import records
from permitclock.intake.smarts import Row, SmartsReader

from infra.sample_documents import RAW_HEADER, raw_row

AS_OF = date(2026, 11, 3)
PORTAL_HEADER = "WDID,EVENT_TYPE,SAMPLE_DATE,PARAMETER,RESULT_QUALIFIER,RESULT,UNITS,MONITORING_LOCATION_TYPE"


def _raw_text() -> str:
    rows = [raw_row(sample_id=str(n), result=f"0.{n}") for n in range(1, 9)]
    rows.insert(3, raw_row(sample_id="x", result="abc"))  # rejected
    rows.insert(5, raw_row(sample_id="y", reporting_year="2017"))  # a sample and its kept note
    split = raw_row(sample_id="z", description="two\nlines")  # one record over two physical lines
    rows.insert(7, split)
    rows.insert(2, "")  # a blank line
    return "\n".join([RAW_HEADER, *rows]) + "\n"


def _portal_text() -> str:
    good = '1 08I000001,Qualifying Storm Event,10/17/2016,"Zinc, Total",=,0.{n},mg/L,Effluent Monitoring'
    rows = [good.format(n=n) for n in range(1, 7)]
    rows.insert(2, '1 08I000001,Qualifying Storm Event,10/17/2016,"Zinc, Total,=,0.5,mg/L,Effluent Monitoring')
    rows.insert(4, '1 08I000001,"Qualifying\nStorm Event",10/17/2016,"Zinc, Total",=,0.7,mg/L,Effluent Monitoring')
    return "\n".join([PORTAL_HEADER, *rows]) + "\n"


def _shape(rows: list[Row]) -> list[tuple[object, ...]]:
    return [(type(r).__name__, r.line, r.reason if isinstance(r, RejectedRow) else r.duplicate_key) for r in rows]


CASES = {
    "raw LF utf-8": (_raw_text(), "\n", "utf-8"),
    "raw CR LF utf-8 BOM": (_raw_text(), "\r\n", "utf-8-sig"),
    "raw lone CR utf-16": (_raw_text(), "\r", "utf-16"),
    "portal CR LF utf-8": (_portal_text(), "\r\n", "utf-8"),
    "portal LF utf-16": (_portal_text(), "\n", "utf-16"),
}


@pytest.mark.parametrize("chunk", [7, 64, 1 << 20])
@pytest.mark.parametrize("case", CASES)
def test_resuming_at_any_record_reads_the_same_rows_as_reading_from_the_start(
    case: str, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, newline, encoding = CASES[case]
    data = text.replace("\n", newline).encode(encoding) if newline != "\n" else text.encode(encoding)
    monkeypatch.setattr(records, "CHUNK_BYTES", chunk)  # chunk boundaries anywhere, CR LF split between two
    whole = list(SmartsReader(io.BytesIO(data), as_of=AS_OF))
    lines = sorted({r.line for r in whole})
    assert len(lines) >= 6
    for line in lines:
        # GIVEN a reader with positions that has just yielded the first row of the record at `line`
        reader = SmartsReader(io.BytesIO(data), as_of=AS_OF, positions=True)
        point = None
        for row in reader.rows():
            if row.line == line:
                point = reader.resume_point(line)
                break
        assert point is not None and point.line == line, (case, line)
        # WHEN another reader reads the header, then the file from the point's byte offset on
        resumed = SmartsReader(io.BytesIO(data), as_of=AS_OF, positions=True)
        resumed.continue_at(io.BytesIO(data[point.offset :]), point)
        # THEN it reads the same rows, numbered the same, as the whole file from that record on
        assert _shape(list(resumed.rows())) == _shape([r for r in whole if r.line >= line]), (case, line)


def test_a_reader_without_positions_has_no_resume_point() -> None:
    reader = SmartsReader(io.BytesIO(_raw_text().encode()), as_of=AS_OF)
    first = next(iter(reader))
    assert reader.resume_point(first.line) is None

"""The SMARTS reader on hostile bytes: encodings, bounded records that resynchronise, repeated columns, and rows
the table could not hold or a spreadsheet would run (issue #14.1). The same corpus runs through the deployed
intake in tests/integration/test_monitoring_hostile.py."""

from __future__ import annotations

import io
import tracemalloc
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from igp_helpers import AS_OF, RAW_HEADER, raw_row
from permitclock.domain.samples import RejectedRow, Sample
from permitclock.errors import BadInput
from permitclock.intake import records
from permitclock.intake.records import MAX_RECORD_CHARS, MAX_RECORD_LINES
from permitclock.intake.smarts import SmartsReader, parse

from tests.unit.igp.hostile_monitoring import (
    CASES,
    PORTAL_HEADER,
    LongLineStream,
    portal_row,
    raw_body,
)


def rows(body: bytes | io.RawIOBase, name: str = "f.txt") -> list[Sample | RejectedRow]:
    source = io.BytesIO(body) if isinstance(body, bytes) else body
    return list(parse(source, as_of=AS_OF, name=name))


def summary(out: list[Sample | RejectedRow]) -> tuple[list[int], list[int]]:
    """(lines of samples, lines of rejected rows)."""
    return [r.line for r in out if isinstance(r, Sample)], [r.line for r in out if isinstance(r, RejectedRow)]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_hostile_case_gives_its_expected_rows_or_file_error(case) -> None:  # type: ignore[no-untyped-def]
    if case.file_error:
        with pytest.raises(BadInput) as err:
            rows(case.body, case.key)
        assert case.file_error in err.value.message and err.value.message.startswith(case.key)
        return
    out = rows(case.body, case.key)
    samples, rejected = summary(out)
    assert samples == case.sample_lines
    assert rejected == case.rejected_lines
    reasons = " | ".join(r.reason for r in out if isinstance(r, RejectedRow))
    for fragment in case.reasons:
        assert fragment in reasons


def test_utf16_and_utf8_bom_files_read_as_the_utf8_file() -> None:
    body = raw_body(raw_row(sample_id="1"), raw_row(sample_id="2", units="µg/L", result="260"))
    plain = rows(body)
    assert [type(r) for r in plain] == [Sample, Sample] and plain[1].value == plain[0].value.__class__("0.26")  # type: ignore[union-attr]
    for encoded in (b"\xef\xbb\xbf" + body, body.decode().encode("utf-16"), "\ufeff".encode("utf-16-be") +
                    body.decode().encode("utf-16-be")):  # fmt: skip
        assert rows(encoded) == plain


def test_latin1_names_the_first_bad_byte_offset() -> None:
    body = raw_body(raw_row(sample_id="1"), raw_row(sample_id="2", units="µg/L", result="260"))
    latin1 = body.decode().encode("latin-1")
    offset = latin1.index(b"\xb5")
    with pytest.raises(BadInput) as err:
        rows(latin1)
    assert err.value.code == "bad_encoding" and f"encoding error at byte {offset}:" in err.value.message


def test_encoding_error_past_the_first_megabyte_stops_the_file_with_its_offset() -> None:
    good = [raw_row(sample_id=str(i)) for i in range(6000)]
    body = raw_body(*good) + b"bad \xff byte\n"
    reader = SmartsReader(io.BytesIO(body), as_of=AS_OF, name="late.txt")
    read: list[Sample | RejectedRow] = []
    with pytest.raises(BadInput) as err:
        read.extend(reader)
    assert len(read) == 6000, "every row before the bad byte is read"
    offset = body.index(b"\xff")
    assert err.value.code == "bad_encoding" and f"byte {offset}:" in err.value.message


def test_utf16_without_bom_is_an_encoding_error_not_missing_columns() -> None:
    with pytest.raises(BadInput) as err:
        rows(raw_body(raw_row()).decode().encode("utf-16-le"))
    assert err.value.code == "bad_encoding" and "byte 1:" in err.value.message


def test_repeated_header_column_rejects_the_file_naming_it() -> None:
    header = RAW_HEADER.replace("SAMPLE_ID", "RESULT")
    with pytest.raises(BadInput) as err:
        rows(("\n".join([header, raw_row()]) + "\n").encode())
    assert err.value.code == "bad_format" and "repeated columns RESULT" in err.value.message


def test_unclosed_quote_in_portal_csv_costs_one_row_not_the_rest() -> None:
    good = [portal_row(sample_id=str(i)) for i in range(40)]
    broken = portal_row(sample_id="x").replace('"Zinc, Total"', '"Zinc, Total')
    body = "\n".join([PORTAL_HEADER, good[0], broken, *good[1:]]) + "\n"
    samples, rejected = summary(rows(body.encode(), "portal.csv"))
    assert rejected == [3]
    assert samples == [2, *range(4, 43)]


def test_quoted_line_break_within_bounds_is_rejoined() -> None:
    multi = portal_row(sample_id="m").replace(",NA,34,", ',"culvert\nnear\ngate",34,')
    out = rows("\n".join([PORTAL_HEADER, multi, portal_row()]).encode(), "portal.csv")
    assert summary(out) == ([2, 5], [])


def test_record_over_its_line_bound_is_rejected_and_reading_resumes() -> None:
    lines = "\n".join(f"line {i}" for i in range(MAX_RECORD_LINES + 2))
    multi = portal_row(sample_id="m").replace(",NA,34,", f',"{lines}",34,')
    out = rows("\n".join([PORTAL_HEADER, multi, portal_row()]).encode(), "portal.csv")
    samples, rejected = summary(out)
    assert rejected[0] == 2 and samples[-1] == 2 + MAX_RECORD_LINES + 2  # the good row after it is read
    assert any("not complete within" in r.reason for r in out if isinstance(r, RejectedRow))


def test_a_long_line_is_never_held_and_the_next_row_is_read() -> None:
    """A 64 MiB line without a newline, generated as it is read: rejected by its line, the next row read, and the
    reader's peak memory stays a few MiB (the 2 GB line of issue #14 took 4.4 GB)."""
    stream = LongLineStream(raw_body(raw_row(sample_id="1")), 64 << 20, b"\n" + raw_row(sample_id="2").encode() + b"\n")
    tracemalloc.start()
    try:
        out = rows(stream)  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert summary(out) == ([2, 4], [3])
    assert "longer than" in out[1].reason  # type: ignore[union-attr]
    assert peak < 16 << 20, f"peak {peak / 2**20:.1f} MiB for a 64 MiB line"


def test_a_long_record_over_lines_is_bounded_by_characters() -> None:
    field = ("x" * (MAX_RECORD_CHARS // 4) + "\n") * 5
    multi = portal_row(sample_id="m").replace(",NA,34,", f',"{field}",34,')
    out = rows("\n".join([PORTAL_HEADER, multi, portal_row()]).encode(), "portal.csv")
    assert out[0].line == 2 and isinstance(out[0], RejectedRow) and "characters" in out[0].reason
    assert isinstance(out[-1], Sample)


def test_year_999_is_a_rejected_row_not_an_aborted_run() -> None:
    (out,) = rows(raw_body(raw_row(sample_date="01/05/0999", reporting_year="999")))
    assert isinstance(out, RejectedRow) and "before 1900" in out.reason


def test_huge_reporting_year_is_a_note_not_a_stored_huge_number() -> None:
    sample, note = rows(raw_body(raw_row(reporting_year="1e300")))
    assert isinstance(sample, Sample) and sample.reporting_year_column is None
    assert sample.sample_date == date(2016, 10, 17)
    assert isinstance(note, RejectedRow) and note.kept and "unparseable REPORTING_YEAR" in note.reason


_LINE = st.lists(st.sampled_from(["a", "b1", "", " ", '"', '""', '"x,y"', ",", "\x00"]), max_size=8).map("".join)


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(st.one_of(_LINE, st.just(None)), max_size=30), width=st.integers(1, 4))
def test_lines_split_without_the_csv_module_give_its_records(lines: list[str | None], width: int) -> None:
    """Quote-free lines are split by `csv_records` itself: every record, reason and line number is what the csv
    module reading every record gives, whatever the quotes, blanks, NULs and over-long lines around them."""
    split = list(records.csv_records(iter(lines), width, ","))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(records, "SPLIT_PLAIN_LINES", False)
        module = list(records.csv_records(iter(lines), width, ","))
    assert split == module

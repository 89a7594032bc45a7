"""SMARTS's "Industrial Annual Reports" download (shared/data/smarts/README.md, "region1_raw_smarts_sample"): one
record per Annual Report, read as untrusted input into the certifications it shows.

The raw download is tab-separated without quoting (a comma-separated, quoted copy is read too); a record whose
explanation holds a line break spans two lines and is re-joined (`intake.records`, which also bounds every line and
record and resynchronises after a broken one). Of its 32 columns four are read: `WDID`, `REPORT_ID` (the numeric
id SMARTS shows), `REPORT_YEAR` (the start year of the July-June reporting year: `2015` is `2015-2016`) and
`CERTIFIED_DATE` (Oracle's `20-JUN-16 08.15.42.284000 AM`, or `MM/DD/YYYY`, or ISO). A record with an empty
`CERTIFIED_DATE` is a report not certified yet; a record that cannot be read is rejected by its first line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from permitclock.domain.samples import RejectedRow
from permitclock.domain.uploads import WDID_PATTERN
from permitclock.errors import BadInput
from permitclock.intake.records import csv_records, decoded_chunks, physical_lines, read_header, tab_records
from permitclock.intake.smarts import parse_date
from permitclock.rules.igp.years import label_for_start

WHAT = "SMARTS Industrial Annual Reports download"
REQUIRED = ("WDID", "REPORT_ID", "REPORT_YEAR", "CERTIFIED_DATE")
FIRST_REPORT_YEAR = 2000
"""Earliest REPORT_YEAR read (SMARTS holds reports from the 1997 permit's years on; the 2014 permit began
2015-2016)."""

_ORACLE = re.compile(r"^(\d{1,2})-([A-Z]{3})-(\d{2}|\d{4})(?:[ T].*)?$")
_MONTHS = {m: n for n, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV",
                                        "DEC"), start=1)}  # fmt: skip
_REPORT_ID = re.compile(r"^[0-9]{1,12}$")
_YEAR = re.compile(r"^[0-9]{4}$")


@dataclass(frozen=True, slots=True)
class AnnualReportRecord:
    """One Annual Report as SMARTS lists it; `certified_on` is None when it is not certified."""

    wdid: str
    reporting_year: str
    smarts_report_id: str
    certified_on: date | None
    line: int


def certified_date(text: str) -> date | None:
    """The day of a CERTIFIED_DATE: `20-JUN-16 08.15.42.284000 AM` (a two-digit year is 20YY), `MM/DD/YYYY` or
    ISO; None when it is not a real date."""
    match = _ORACLE.match(text.strip().upper())
    if not match:
        return parse_date(text.strip())
    day, month, year = int(match.group(1)), _MONTHS.get(match.group(2)), int(match.group(3))
    if month is None:
        return None
    try:
        return date(year + 2000 if year < 100 else year, month, day)
    except ValueError:
        return None


def read_annual_reports(raw: IO[Any], *, name: str, as_of: date) -> Iterator[AnnualReportRecord | RejectedRow]:
    """The records of one download in file order, each an `AnnualReportRecord` or a `RejectedRow` naming its line
    and why: a WDID not of the SMARTS shape, a REPORT_YEAR that is not a year from 2000 to `as_of`'s, a REPORT_ID
    that is not SMARTS's number, a CERTIFIED_DATE that is no date or after `as_of`, a malformed record. Raises
    `BadInput` (code `bad_format`) before the first record when the header lacks a required column, and
    (`bad_encoding`) when the bytes are not UTF-8 or UTF-16 with its byte order mark."""
    lines = physical_lines(decoded_chunks(raw, name))
    header = read_header(next(lines, ""), WHAT)
    missing = [c for c in REQUIRED if c not in header.columns]
    if missing:
        raise BadInput(f"{name}: not a {WHAT}: missing columns {', '.join(missing)}", code="bad_format")
    if header.delimiter == "\t":
        rows = tab_records(lines, header.width)
    else:
        rows = csv_records(lines, header.width, header.delimiter)
    wdid_at, id_at, year_at, certified_at = (header.columns[c] for c in REQUIRED)
    for line, fields, reason in rows:
        if fields is None:
            yield RejectedRow(name, line, reason)
            continue
        wdid, report_id, year, certified = (fields[i].strip() for i in (wdid_at, id_at, year_at, certified_at))
        reason = _problem(wdid, report_id, year, as_of)
        day = certified_date(certified) if certified else None
        if not reason and certified:
            if day is None:
                reason = f"unparseable CERTIFIED_DATE {certified[:40]!r}"
            elif day > as_of:
                reason = f"CERTIFIED_DATE {day.isoformat()} is after today ({as_of.isoformat()})"
        if reason:
            yield RejectedRow(name, line, reason)
        else:
            yield AnnualReportRecord(wdid, label_for_start(int(year)), report_id, day, line)


def _problem(wdid: str, report_id: str, year: str, as_of: date) -> str:
    if not WDID_PATTERN.fullmatch(wdid):
        return f"WDID {wdid[:40]!r} is not a SMARTS WDID (region, county code, permit type, 6 digits)"
    if not _YEAR.fullmatch(year) or not FIRST_REPORT_YEAR <= int(year) <= as_of.year:
        return f"REPORT_YEAR {year[:40]!r} is not a reporting year's start from {FIRST_REPORT_YEAR} to {as_of.year}"
    if not _REPORT_ID.fullmatch(report_id):
        return f"REPORT_ID {report_id[:40]!r} is not the number SMARTS gives a report"
    return ""

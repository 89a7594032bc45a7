"""SMARTS "Industrial Application Specific Data" (one row per NOI or NEC application; shared/data/smarts/README.md):
the raw tab-separated download, the data.ca.gov CSV (`NA` for missing) or a page the daily sync wrote, read as
untrusted input into `Application`s and `RejectedRow`s, row by row.

The bytes go through `intake.records` (bounded, resynchronising records, UTF-8 or UTF-16 with its BOM) and the
header through `intake.records.read_header`, so a hostile file costs what a monitoring file costs. A row is rejected,
by its physical line, for an empty or malformed WDID, an empty STATUS, an unparseable date or a text field longer
than `MAX_TEXT_CHARS`. A text field that starts like a spreadsheet formula (it would be echoed into CSV exports) is
left out and reported (`kept`); in the facility name or the status it rejects the row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from permitclock.domain.coverage import SmartsProfile
from permitclock.domain.samples import RejectedRow
from permitclock.domain.uploads import WDID_PATTERN
from permitclock.errors import BadInput
from permitclock.intake.records import csv_records, decoded_chunks, physical_lines, read_header, tab_records
from permitclock.intake.smarts import FORMULA_PREFIXES, MISSING, parse_date

WHAT = (
    "SMARTS Industrial Application Specific Data file (the tab-separated download, the data.ca.gov CSV or a "
    "synced page)"
)
REQUIRED: tuple[str, ...] = ("WDID", "STATUS", "FACILITY_NAME")
"""The columns a file must have; the name and the status are the fields a formula-like value rejects the row in."""
MAX_TEXT_CHARS = 500
"""Longest text field kept (a facility name or address is under 100 characters in the statewide file)."""
SIC_COLUMNS = ("PRIMARY_SIC", "SECONDARY_SIC", "TERTIARY_SIC")


@dataclass(frozen=True, slots=True)
class Application:
    """One usable row: its physical line and what it says of the facility."""

    line: int
    profile: SmartsProfile


class _Reject(Exception):
    pass


class ApplicationReader:
    """One file, its header checked on construction (`BadInput` naming the missing columns), then iterated."""

    def __init__(self, stream: IO[Any], *, name: str) -> None:
        self.name = name
        self._lines = physical_lines(decoded_chunks(stream, name))
        try:
            header = read_header(next(self._lines, ""), WHAT)
        except BadInput as err:
            raise BadInput(f"{name}: {err.message}", code=err.code) from None
        self.delimiter, self.columns, self.width = header.delimiter, header.columns, header.width
        missing = [c for c in REQUIRED if c not in self.columns]
        if missing:
            raise BadInput(f"{name}: not a {WHAT}: missing columns {', '.join(missing)}", code="bad_format")

    def __iter__(self) -> Iterator[Application | RejectedRow]:
        if self.delimiter == "\t":
            records = tab_records(self._lines, self.width)
        else:
            records = csv_records(self._lines, self.width, self.delimiter)
        for line, fields, reason in records:
            if fields is None:
                yield RejectedRow(self.name, line, reason)
                continue
            notes: list[str] = []
            try:
                application = self._row(fields, line, notes)
            except _Reject as err:
                yield RejectedRow(self.name, line, str(err))
                continue
            yield application
            for note in notes:
                yield RejectedRow(self.name, line, note, kept=True)

    def _row(self, fields: list[str], line: int, notes: list[str]) -> Application:
        def text(column: str) -> str:
            index = self.columns.get(column)
            value = "" if index is None else fields[index].strip()
            if value in MISSING:
                return ""
            if len(value) > MAX_TEXT_CHARS:
                raise _Reject(f"{column} is longer than {MAX_TEXT_CHARS} characters")
            if value.startswith(FORMULA_PREFIXES):
                reason = f"{column} {value[:40]!r} starts with {value[0]!r}: a spreadsheet formula (CSV injection)"
                if column in REQUIRED:
                    raise _Reject(reason)
                notes.append(f"{reason}; left out, row used")
                return ""
            return value

        def day(column: str) -> date | None:
            value = text(column)
            if not value:
                return None
            found = parse_date(value)
            if found is None:
                raise _Reject(f"unparseable {column} {value[:40]!r}")
            return found

        wdid = text("WDID")
        if not wdid:
            raise _Reject("empty WDID")
        if not WDID_PATTERN.fullmatch(wdid):
            raise _Reject(f"WDID {wdid[:40]!r} is not a SMARTS WDID (region, county code, permit type, 6 digits)")
        status = text("STATUS")
        if not status:
            raise _Reject("empty STATUS")
        street = ", ".join(v for v in map(text, ("FACILITY_ADDRESS", "FACILITY_ADDRESS_2", "FACILITY_CITY")) if v)
        state_zip = " ".join(v for v in (text("FACILITY_STATE"), text("FACILITY_ZIP")) if v)
        profile = SmartsProfile(
            wdid=wdid,
            name=text("FACILITY_NAME") or wdid,
            operator=text("OPERATOR_NAME"),
            address=", ".join(v for v in (street, state_zip) if v),
            county=text("FACILITY_COUNTY") or text("COUNTY"),
            region=text("REGION_BOARD"),
            coverage_status=status,
            noi_processed_date=day("NOI_PROCESSED_DATE"),
            not_effective_date=day("NOT_EFFECTIVE_DATE"),
            sic_codes=tuple(v for v in map(text, SIC_COLUMNS) if v),
            smarts_app_id=text("APP_ID"),
        )
        return Application(line=line, profile=profile)

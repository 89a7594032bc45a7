"""Streaming parser of SMARTS industrial monitoring downloads: typed `Sample`s and `RejectedRow`s, row by row.

Layouts, recognised from the header line: - `smarts_raw`: SMARTS "Industrial Ad Hoc Reports - Parameter Data"
download: 27 tab-separated columns, no quoting, a record may be split over two physical lines by a line break
inside a field. - `data_ca_gov`: the data.ca.gov "Industrial_Monitoring" CSV of the same data:
comma-separated, `"`-quoted, `NA` for missing, dates `MM/DD/YYYY` or ISO. - `access_export`: the Region 9
analyst export (`"WDID" "Date/time of sample collection" ... "Result" "Units"`), with no qualifier, event
type, location type nor sample id.

The file is never read whole: `intake.records` decodes it (UTF-8, or UTF-16 with its BOM) 1 MiB at a time and
hands over bounded records, so memory stays flat on a 600 MB file or a 2 GB line. Line numbers are physical (the
header is line 1); a split record carries the number of its first line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from os import PathLike, fspath
from typing import IO, Any, Literal

from permitclock.domain.samples import RejectedRow, Sample
from permitclock.domain.uploads import WDID_PATTERN
from permitclock.errors import BadInput, DomainError
from permitclock.intake.records import (
    LinePositions,
    Resume,
    csv_records,
    decoded_chunks,
    physical_lines,
    read_header,
    tab_records,
)
from permitclock.intake.records import normalise_column as normalised
from permitclock.rules.igp.nals import NAL, PH, UnitError, conversion_factor, nal_for
from permitclock.rules.igp.years import reporting_year_of

Layout = Literal["smarts_raw", "data_ca_gov", "access_export"]
Row = Sample | RejectedRow
Values = tuple[Any, ...]
"""A `Sample`'s fields in its order (`SmartsReader.values`)."""
Conversion = tuple[NAL | None, Decimal | None, bool, bool]
"""What a (PARAMETER, UNITS) pair reads as (`_conversion`): its NAL, the factor to the NAL unit, whether the
factor is not 1, whether the NAL is pH's."""

RAW_COLUMNS: tuple[str, ...] = (
    "PERMIT_TYPE", "WDID", "APP_ID", "REPORTING_YEAR", "REPORT_ID", "EVENT_TYPE", "MONITORING_LOCATION_NAME",
    "MONITORING_LOCATION_TYPE", "MONITOR_LOCATION_DESCRIPTION", "MONITORING_LATITUDE", "MONITORING_LONGITUDE",
    "SAMPLE_ID", "SAMPLE_DATE", "SAMPLE_TIME", "DISCHARGE_START_DATE", "DISCHARGE_START_TIME", "PARAMETER",
    "RESULT_QUALIFIER", "RESULT", "UNITS", "ANALYTICAL_METHOD", "MDL", "RL", "DISCHARGE_END_DATE",
    "DISCHARGE_END_TIME", "CERTIFIER_NAME", "CERTIFIED_DATE",
)  # fmt: skip
"""The 27 columns of the raw download, in order (shared/data/smarts/README.md)."""

SMARTS_REQUIRED: tuple[str, ...] = (
    "WDID", "EVENT_TYPE", "SAMPLE_DATE", "PARAMETER", "RESULT_QUALIFIER", "RESULT", "UNITS",
)  # fmt: skip
_SMARTS_FIELDS = (
    "WDID", "PARAMETER", "UNITS", "RESULT_QUALIFIER", "RESULT", "SAMPLE_DATE", "EVENT_TYPE",
    "MONITORING_LOCATION_TYPE", "REPORTING_YEAR", "SAMPLE_ID", "SAMPLE_TIME", "MONITORING_LOCATION_NAME",
)  # fmt: skip
ACCESS_DATE = "DATE/TIME_OF_SAMPLE_COLLECTION"
ACCESS_REQUIRED: tuple[str, ...] = ("WDID", ACCESS_DATE, "PARAMETER", "RESULT", "UNITS")

# data.ca.gov dictionary labels (Industrial_Monitoring) that differ from the column names once normalised.
LABEL_ALIASES: dict[str, str] = {
    "WASTE_DISCHARGE_IDENTIFICATION_NUMBER": "WDID",
    "APPLICATION_IDENTIFICATION_NUMBER": "APP_ID",
    "REPORT_IDENTIFICATION_NUMBER": "REPORT_ID",
    "MONITORING_LOCATION_DESCRIPTION": "MONITOR_LOCATION_DESCRIPTION",
    "MONITORING_LOCATION_LATITUDE": "MONITORING_LATITUDE",
    "MONITORING_LOCATION_LONGITUDE": "MONITORING_LONGITUDE",
    "SAMPLE_IDENTIFICATION_NUMBER": "SAMPLE_ID",
    "METHOD_DETECTION_LIMIT": "MDL",
    "REPORTING_LIMIT": "RL",
}

QUALIFIERS: dict[str, str] = {
    "=": "=", "ND": "ND", "DNQ": "DNQ", "<": "<", ">": ">", "NON-DETECT": "ND", "NONDETECT": "ND",
}  # fmt: skip
MISSING = frozenset({"", "NA", "N/A", "NULL"})
NUMBER_START = frozenset("0123456789.")
"""A RESULT starting with one of these can only be a number (or unparseable)."""
NO_RESULT = MISSING | {"NAN"}
"""A RESULT that holds no number: the missing values, and `NaN`, which the data.ca.gov portal writes for a
non-detect (shared/reference/smarts-open-data.md). Fine with `ND`; with any other qualifier the row is rejected."""

_DATE_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?: ?[AP]M)?)?$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?$")


EVENT_TYPES = ("Qualifying Storm Event", "Non-Qualifying Storm Event", "Non-Stormwater Discharge")
"""EVENT_TYPE as the Board's data dictionary spells its three values; other spellings are read onto these."""
EFFLUENT_MONITORING = "Effluent Monitoring"
MAX_KINDS = 256
"""Distinct EVENT_TYPE / MONITORING_LOCATION_TYPE values whose reading is remembered (a file has a handful)."""
MAX_REMEMBERED = 100_000
"""Distinct values per column (WDIDs, parameters, units, locations, dates) checked once and shared: a statewide
file has about 40,000 WDIDs; past this bound values are checked on every row, so memory stays flat."""
FIRST_YEAR = 1900
"""A sample dated before this year is a typo (a year 999 once aborted a whole `permitclock levels` run)."""
FORMULA_PREFIXES = ("=", "+", "-", "@")
"""A text field starting with one of these is a spreadsheet formula when the data is opened as CSV (OWASP CSV
injection): the row is rejected rather than stored and echoed into exports."""
PH_MAX = Decimal(14)
"""The highest pH (a reading above it is rejected)."""
MAX_DIGITS = 38
MIN_ADJUSTED, MAX_ADJUSTED = -130, 125
"""What DynamoDB can store of a number: 38 significant digits, magnitude 1E-130 to 9.99...E+125."""


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.casefold())


def normalise_event_type(text: str) -> str | None:
    """The EVENT_TYPE a value means, whatever its case, spaces or hyphens; None when it names no event we know.

    Read on the letters alone, so `Nonstormwater Discharge`, `NON-STORM WATER DISCHARGE` and
    `Non-Stormwater Discharge` are one value: `non storm...` is a non-storm-water discharge, `non`/`not
    qualifying` a non-qualifying storm event, `qualifying` a QSE. Any other value naming a storm is a storm
    water event of unstated kind and is kept as written (it counts, but is not a QSE); the rest, the empty
    value included, is None (the row is rejected: we cannot tell whether it counts). docs/igp-rules.md.
    """
    key = _letters(text)
    if "nonstorm" in key:
        return EVENT_TYPES[2]
    if "storm" not in key:
        return None
    if "nonqualifying" in key or "notqualifying" in key:
        return EVENT_TYPES[1]
    return EVENT_TYPES[0] if "qualifying" in key else text.strip()


def normalise_location_type(text: str) -> str | None:
    """MONITORING_LOCATION_TYPE with `Effluent Monitoring` in any case or separators read as that; other values
    as written; None when empty (the row is rejected: we cannot tell whether it is an effluent result)."""
    if not text.strip():
        return None
    return EFFLUENT_MONITORING if _letters(text) == "effluentmonitoring" else text.strip()


def normalise_column(name: str) -> str:
    """`"Sample Date"`, `sample_date`, `SAMPLE_DATE` -> `SAMPLE_DATE` (labels of the dictionary mapped too)."""
    return normalised(name, LABEL_ALIASES)


@dataclass(frozen=True, slots=True)
class Header:
    """What the header line says: the layout, the delimiter and each known column's index."""

    layout: Layout
    delimiter: str
    columns: dict[str, int]
    width: int


def detect_layout(header_line: str | None) -> Header:
    """Recognise the layout from the header line; `BadInput` naming the missing (or repeated) columns otherwise."""
    line = read_header(header_line, "SMARTS monitoring file", normalise_column)
    columns, delimiter = line.columns, line.delimiter
    if ACCESS_DATE in columns:
        layout: Layout = "access_export"
        required = ACCESS_REQUIRED
    else:
        layout = "smarts_raw" if delimiter == "\t" else "data_ca_gov"
        required = SMARTS_REQUIRED
    missing = [c for c in required if c not in columns]
    if missing:
        raise BadInput(
            "not a SMARTS monitoring file (Industrial Ad Hoc Reports - Parameter Data, tab-separated, or the "
            f"data.ca.gov Industrial_Monitoring CSV): missing columns {', '.join(missing)}",
            code="bad_format",
        )
    return Header(layout=layout, delimiter=delimiter, columns=columns, width=line.width)


class _Reject(Exception):
    """A row-level problem: becomes a `RejectedRow` with this reason."""


class SmartsReader:
    """One monitoring file, opened and its header checked on construction, then iterated row by row.

    Iterating yields `Sample`s and `RejectedRow`s in file order. A row whose REPORTING_YEAR disagrees with its
    SAMPLE_DATE yields the `Sample` (the date wins) and a `RejectedRow(kept=True)` reporting the disagreement.
    Rejected: unparseable date or number, empty or unknown qualifier, detected result without a number, unit
    that cannot be converted to the NAL unit, negative concentration, pH outside 0-14, sample date after
    `as_of`, an empty or unknown event type (`normalise_event_type`), an empty location type
    (`normalise_location_type`), a record with the wrong number of fields.
    """

    def __init__(
        self,
        source: str | PathLike[str] | IO[Any],
        *,
        as_of: date,
        name: str | None = None,
        positions: bool = False,
    ) -> None:
        """With `positions`, the reader can say where a record it yielded starts in the file's bytes
        (`resume_point`), so a later reader goes on from there (`continue_at`)."""
        self.as_of = as_of
        self._owned = not hasattr(source, "read")
        if self._owned:
            path = fspath(source)  # type: ignore[arg-type]
            self.name = name or path
            try:
                raw: IO[Any] = open(path, "rb")  # noqa: SIM115 - closed by close()
            except OSError as err:
                raise DomainError(f"{self.name}: cannot read ({err.strerror})", code="unreadable") from err
        else:
            raw = source  # type: ignore[assignment]
            self.name = name or str(getattr(source, "name", "<stream>"))
        self._raw = raw
        self._positions = LinePositions() if positions else None
        self._first_line = 2
        self._lines = physical_lines(decoded_chunks(raw, self.name, positions=self._positions))
        try:
            first = next(self._lines, "")
            self.header = detect_layout(first)
        except OSError as err:
            self.close()
            raise DomainError(f"{self.name}: cannot read ({err})", code="unreadable") from err
        except BadInput as err:
            self.close()
            message = err.message if err.message.startswith(self.name) else f"{self.name}: {err.message}"
            raise BadInput(message, code=err.code) from None
        self._dates: dict[str, date | None] = {}
        self._years: dict[date, tuple[str, int]] = {}
        self._year_columns: dict[str, int | None] = {}
        self._strings: dict[str, str] = {}
        self._known: dict[str, dict[str, str]] = {c: {} for c in ("WDID", "PARAMETER", "UNITS", "LOCATION")}
        self._fast: dict[str, dict[str, str]] = {
            c: {} for c in ("WDID", "PARAMETER", "UNITS", "LOCATION", "EVENT_TYPE", "MONITORING_LOCATION_TYPE")
        }
        self._conversions: dict[tuple[str, str], Conversion] = {}
        self._sample_fields: Callable[[list[str]], Any] = itemgetter(0)
        self._last_key: Any = None
        self._last_sample: tuple[Any, ...] = ()
        self._idx: tuple[int, ...] | None = None
        self._kinds: dict[tuple[str, str], str | None] = {}
        self.skipped = 0
        """Records left unread because their WDID is not in `values`' `only`."""

    @property
    def layout(self) -> Layout:
        return self.header.layout

    def resume_point(self, line: int) -> Resume | None:
        """Where physical line `line` (the first line of the record just yielded) starts, to go on reading there
        later; None when the reader keeps no positions or the line is no longer among them."""
        if self._positions is None:
            return None
        offset = self._positions.offset_of(line)
        return None if offset is None else Resume(line, offset, self._positions.encoding)

    def continue_at(self, rest: IO[Any], resume: Resume) -> None:
        """Read the records from `rest` (the file's bytes from `resume.offset` on), numbered from `resume.line`,
        instead of those after the header: the header read on construction stays."""
        self._positions = LinePositions(resume.line) if self._positions is not None else None
        self._first_line = resume.line
        self._lines = physical_lines(decoded_chunks(rest, self.name, positions=self._positions, resume=resume))

    def close(self) -> None:
        if self._owned:
            self._raw.close()

    def __enter__(self) -> SmartsReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ rows
    def __iter__(self) -> Iterator[Row]:
        return self.rows()

    def rows(self, only: Container[str] | None = None) -> Iterator[Row]:
        """`Sample`s and `RejectedRow`s in file order; `only` as in `values`."""
        for item in self.values(only):
            yield Sample(*item) if type(item) is tuple else item  # type: ignore[misc]

    def values(self, only: Container[str] | None = None) -> Iterator[Values | RejectedRow]:
        """What `rows` yields, each `Sample` as the tuple of its fields (`Sample(*values)` builds it): the
        Level engine's hot path, which needs no object per row. With `only`, records whose WDID field is a
        SMARTS WDID not in it are skipped before they are read (their rejections too) and counted in `skipped`;
        a malformed record, or one whose WDID is not of the SMARTS shape, is still read and reported."""
        header = self.header
        before = self._first_line - 1  # the lines before the first one read: the header, or up to the resume point
        # the raw and portal layouts read no column after their last one of _SMARTS_FIELDS: those are never split
        columns = header.columns
        splits = -1 if header.layout == "access_export" else 1 + max(columns.get(c, -1) for c in _SMARTS_FIELDS)
        if header.layout == "smarts_raw":
            records = tab_records(self._lines, header.width, before, splits)
        else:
            records = csv_records(self._lines, header.width, header.delimiter, before, splits)
        convert = self._access_values if self.header.layout == "access_export" else self._smarts_values
        name = self.name
        wdid_at = header.columns["WDID"]
        outside: dict[str, bool] = {}
        try:
            for line, fields, reason in records:
                if fields is None:
                    yield RejectedRow(name, line, reason)
                    continue
                if only is not None:
                    raw = fields[wdid_at]
                    skip = outside.get(raw)
                    if skip is None:
                        text = raw.strip()
                        skip = text not in only and WDID_PATTERN.fullmatch(text) is not None
                        if len(outside) < MAX_REMEMBERED:
                            outside[raw] = skip
                    if skip:
                        self.skipped += 1
                        continue
                try:
                    item, note = convert(fields, line)
                except _Reject as err:
                    yield RejectedRow(name, line, str(err))
                    continue
                yield item
                if note:
                    yield RejectedRow(name, line, note, kept=True)
        finally:
            self.close()

    # ------------------------------------------------------------------ fields
    def _intern(self, text: str) -> str:
        strings = self._strings
        if len(strings) < MAX_REMEMBERED:
            return strings.setdefault(text, text)
        return strings.get(text, text)

    def _checked(self, column: str, text: str) -> str:
        """A text field's value once it passed `_check_text` (remembered per column, within `MAX_REMEMBERED`)."""
        known = self._known[column]
        found = known.get(text)
        if found is None:
            _check_text(column, text)
            if column == "WDID" and not WDID_PATTERN.fullmatch(text):
                raise _Reject(f"WDID {text!r} is not a SMARTS WDID (region, county code, permit type, 6 digits)")
            found = text
            if len(known) < MAX_REMEMBERED:
                known[text] = text
        return found

    def _kind(self, column: str, text: str | None, normalise: Callable[[str], str | None]) -> str | None:
        """EVENT_TYPE or MONITORING_LOCATION_TYPE normalised (None when the file has no such column); a value
        that normalises to nothing rejects the row."""
        if text is None:
            return None
        found = self._kinds.get((column, text), "")
        if found == "":
            found = normalise(text)
            if len(self._kinds) < MAX_KINDS:
                self._kinds[column, text] = found
        if found is None:
            raise _Reject(f"empty {column}" if not text else f"unknown {column} {text!r}")
        if found.startswith(FORMULA_PREFIXES):
            _check_text(column, found)
        return self._intern(found)

    def _text(self, column: str, raw: str) -> str:
        """A WDID, PARAMETER, UNITS or LOCATION field as `_checked` reads it (stripped; a missing-value marker is
        empty except in UNITS), remembered by its raw text so a repeated value costs one lookup."""
        fast = self._fast[column]
        found = fast.get(raw)
        if found is None:
            text = raw.strip()
            if column != "UNITS" and text in MISSING:
                text = ""
            found = self._checked(column, text)
            if len(fast) < MAX_REMEMBERED:
                fast[raw] = found
        return found

    def _kind_of(self, column: str, raw: str, normalise: Callable[[str], str | None]) -> str | None:
        """`_kind` of a raw field, remembered by its raw text (within `MAX_KINDS`)."""
        fast = self._fast[column]
        found = fast.get(raw)
        if found is None:
            text = raw.strip()
            found = self._kind(column, "" if text in MISSING else text, normalise)
            if len(fast) < MAX_KINDS:
                fast[raw] = found  # type: ignore[assignment]
        return found

    def _date(self, text: str, column: str) -> date:
        try:
            found = self._dates[text]
        except KeyError:
            found = parse_date(text.strip())
            if len(self._dates) < MAX_REMEMBERED:
                self._dates[text] = found
        if found is None:
            raise _Reject(f"unparseable {column} {text!r}")
        if found.year < FIRST_YEAR:
            raise _Reject(f"{column} {found.isoformat()} is before {FIRST_YEAR}: not a real sample date")
        if found > self.as_of:
            raise _Reject(f"{column} {found.isoformat()} is after the as-of date {self.as_of.isoformat()}")
        return found

    def _year_of(self, day: date) -> tuple[str, int]:
        """The reporting year label of `day` and its start year (remembered: a file has a few thousand days)."""
        found = self._years.get(day)
        if found is None:
            label = reporting_year_of(day)
            found = (label, int(label[:4]))
            if len(self._years) < MAX_REMEMBERED:
                self._years[day] = found
        return found

    def _measurement(
        self, wdid: str, parameter: str, qualifier_text: str, result_text: str, units: str
    ) -> tuple[str | None, str, Decimal | None, Decimal | None]:
        """(nal key, qualifier, result as reported, value in the NAL unit), from the stripped qualifier and
        result."""
        if not wdid:
            raise _Reject("empty WDID")
        if not parameter:
            raise _Reject("empty PARAMETER")
        qualifier_key = qualifier_text.upper()
        number = result_text[:1] in NUMBER_START  # neither a qualifier nor a no-result marker starts so
        if not number and result_text.upper() in QUALIFIERS and not qualifier_key:
            qualifier_key, result_text = result_text.upper(), ""
        if qualifier_key in MISSING:
            qualifier_key = "="
        qualifier = QUALIFIERS.get(qualifier_key)
        if qualifier is None:
            raise _Reject(f"unknown RESULT_QUALIFIER {qualifier_text!r}")
        result: Decimal | None = None
        plain = True
        if number or result_text.upper() not in NO_RESULT:
            try:
                result = Decimal(result_text)
            except InvalidOperation:
                raise _Reject(f"unparseable RESULT {result_text!r}") from None
            if not number and not result.is_finite():  # a digit or point first: finite and not negative
                raise _Reject(f"unparseable RESULT {result_text!r}")
            plain = len(result_text) <= 20 and "E" not in result_text and "e" not in result_text
            if not plain:
                _check_storable(result, result_text)
        elif qualifier != "ND":
            written = f" {result_text!r}" if result_text else ""
            raise _Reject(f"empty RESULT{written} with qualifier {qualifier!r}: only a non-detect (ND) may have none")
        conversion = self._conversions.get((parameter, units))
        if conversion is None:
            conversion = self._conversions[parameter, units] = _conversion(parameter, units)
        nal, factor, scaled, ph = conversion
        if nal is None:
            return None, qualifier, result, result
        if factor is None:
            raise _Reject(f"unit {units!r} cannot be converted to {nal.units} for {parameter}")
        if result is None:
            return nal.parameter, qualifier, None, None
        value = result * factor if scaled else result
        if scaled and not plain:
            _check_storable(value, result_text)
        if not number and value < 0:  # conversion factors are positive
            raise _Reject(f"negative RESULT {result_text!r} for {parameter}")
        if ph and value > PH_MAX:
            raise _Reject(f"pH {result_text!r} outside 0-14")
        return nal.parameter, qualifier, result, value

    def _smarts_values(self, fields: list[str], line: int) -> tuple[Values, str | None]:
        """One record of the raw or portal layout: the `Sample`'s fields, and the note of a kept row (or None).

        The rows of one sample come together and share their sample fields (WDID, date, event, location, ...):
        when those are the raw text of the last good row's, their checked values are reused and only the
        parameter, units, qualifier and result are read (the checks before the date come in the same order)."""
        idx = self._idx
        if idx is None:
            col = self.header.columns
            idx = self._idx = tuple(col.get(name, -1) for name in _SMARTS_FIELDS)
            self._sample_fields = itemgetter(*(i for i in (idx[0], *idx[5:]) if i >= 0))
        i_wdid, i_param, i_units, i_qual, i_result, i_date, i_event, i_ltype, i_year, i_sid, i_time, i_loc = idx
        key = self._sample_fields(fields)
        known = key == self._last_key
        if known:
            wdid, sample_date, year, event_type, location_type, year_column, note, sample_id, sample_time, location = (
                self._last_sample
            )
        else:
            wdid = self._text("WDID", fields[i_wdid])
        raw = fields[i_param]
        parameter = self._fast["PARAMETER"].get(raw) or self._text("PARAMETER", raw)
        raw = fields[i_units]
        units = self._fast["UNITS"].get(raw) or self._text("UNITS", raw)
        qualifier_text = fields[i_qual].strip()
        result_text = fields[i_result].strip()
        nal, qualifier, result, value = self._measurement(
            wdid,
            parameter,
            "" if qualifier_text in MISSING else qualifier_text,
            "" if result_text in MISSING else result_text,
            units,
        )
        if known:
            values = (
                wdid, parameter, nal, sample_date, year, qualifier, result, units, value, sample_id, sample_time,
                location, location_type, event_type, year_column, self.name, line,
            )  # fmt: skip
            return values, note
        sample_date = self._date(fields[i_date], "SAMPLE_DATE")
        event_type = self._kind_of("EVENT_TYPE", fields[i_event], normalise_event_type)
        location_type = (
            None if i_ltype < 0 else self._kind_of("MONITORING_LOCATION_TYPE", fields[i_ltype], normalise_location_type)
        )
        year, start = self._year_of(sample_date)
        year_column = None
        note = None
        year_text = fields[i_year].strip() if i_year >= 0 else ""
        if year_text and year_text not in MISSING:
            year_column = self._year_columns.get(year_text, -1)
            if year_column == -1:
                year_column = _year_column(year_text)
                if len(self._year_columns) < MAX_KINDS:
                    self._year_columns[year_text] = year_column
            if year_column is None:
                note = f"unparseable REPORTING_YEAR {year_text!r}; the SAMPLE_DATE gives {year}, row used"
            elif year_column != start:
                note = (
                    f"REPORTING_YEAR {year_text} disagrees with SAMPLE_DATE {sample_date.isoformat()} "
                    f"(reporting year {year}): the date wins, row used"
                )
        sample_id = fields[i_sid].strip() if i_sid >= 0 else ""
        if sample_id in MISSING:
            sample_id = ""
        elif sample_id.startswith(FORMULA_PREFIXES):
            _check_text("SAMPLE_ID", sample_id)
        sample_time = fields[i_time].strip() if i_time >= 0 else ""
        if sample_time in MISSING:
            sample_time = ""
        elif sample_time.startswith(FORMULA_PREFIXES):
            _check_text("SAMPLE_TIME", sample_time)
        location = self._text("LOCATION", fields[i_loc]) if i_loc >= 0 else ""
        self._last_key = key
        self._last_sample = (
            wdid, sample_date, year, event_type, location_type, year_column, note, sample_id, sample_time, location,
        )  # fmt: skip
        values = (
            wdid, parameter, nal, sample_date, year, qualifier, result, units, value, sample_id, sample_time,
            location, location_type, event_type, year_column, self.name, line,
        )  # fmt: skip
        return values, note

    def _access_values(self, fields: list[str], line: int) -> tuple[Values, None]:
        col = self.header.columns

        def get(name: str) -> str:
            index = col.get(name)
            value = "" if index is None else fields[index].strip()
            return "" if value in MISSING else value

        wdid = self._checked("WDID", get("WDID"))
        parameter = self._checked("PARAMETER", get("PARAMETER"))
        units = self._checked("UNITS", get("UNITS"))
        nal, qualifier, result, value = self._measurement(wdid, parameter, "", get("RESULT"), units)
        stamp = get(ACCESS_DATE)
        sample_date = self._date(stamp, "Date/time of sample collection")
        time = stamp.partition(" ")[2]
        lat, lon = get("MONITORING_LOCATION_LATITUDE"), get("MONITORING_LOCATION_LONGITUDE")
        location = self._checked("LOCATION", f"{lat},{lon}" if lat or lon else "")
        values = (
            wdid, parameter, nal, sample_date, self._year_of(sample_date)[0], qualifier, result, units, value, "",
            "" if time in ("0:00:00", "00:00:00") else time, location, None, None, None, self.name, line,
        )  # fmt: skip
        return values, None


def _conversion(parameter: str, units: str) -> Conversion:
    """The NAL `parameter` maps to, the factor from `units` to its unit (None when there is none), whether that
    factor changes the value (not 1) and whether the NAL is pH's."""
    nal = nal_for(parameter)
    if nal is None:
        return None, None, False, False
    try:
        factor = conversion_factor(units, nal.units)
    except UnitError:
        return nal, None, False, False
    return nal, factor, factor != 1, nal.parameter == PH


def _year_column(text: str) -> int | None:
    """REPORTING_YEAR as a start year, or None when it is not a year (`2016`, `2016.0`)."""
    try:
        year = int(float(text))
    except (ValueError, OverflowError):  # OverflowError: `1e999` is infinite
        return None
    return year if FIRST_YEAR <= year <= 9999 else None


def _check_text(column: str, text: str) -> None:
    """`_Reject` when a text field would be stored as empty where it is required, or starts like a formula."""
    if not text and column in ("WDID", "PARAMETER"):
        raise _Reject(f"empty {column}")
    if text.startswith(FORMULA_PREFIXES):
        raise _Reject(f"{column} {text[:40]!r} starts with {text[0]!r}: a spreadsheet formula (CSV injection)")


def _check_storable(number: Decimal, text: str) -> None:
    """`_Reject` for a number DynamoDB cannot hold exactly (`MAX_DIGITS`, `MIN_ADJUSTED`..`MAX_ADJUSTED`)."""
    digits = len(number.as_tuple().digits)
    if digits > MAX_DIGITS or not MIN_ADJUSTED <= number.adjusted() <= MAX_ADJUSTED:
        raise _Reject(
            f"RESULT {text[:60]!r} cannot be stored exactly: at most {MAX_DIGITS} significant digits and a "
            "magnitude from 1E-130 to 1E+125"
        )


def parse_date(text: str) -> date | None:
    """`MM/DD/YYYY` (optionally with a time), or ISO `YYYY-MM-DD[THH:MM:SS]`; None when it is not a real date."""
    match = _DATE_US.match(text)
    try:
        if match:
            return date(int(match.group(3)), int(match.group(1)), int(match.group(2)))
        match = _DATE_ISO.match(text)
        if match:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
    return None


def parse(source: str | PathLike[str] | IO[Any], *, as_of: date, name: str | None = None) -> Iterator[Row]:
    """Stream one monitoring file: `Sample`s and `RejectedRow`s in file order.

    The header is checked before the first row is yielded: a file that is not a monitoring file raises
    `BadInput` (code `bad_format`) naming the missing columns; an unreadable path raises `DomainError` (code
    `unreadable`).
    """
    yield from SmartsReader(source, as_of=as_of, name=name)

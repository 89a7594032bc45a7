"""Streaming parser of SMARTS industrial monitoring downloads: typed `Sample`s and `RejectedRow`s, row by row.

Layouts, recognised from the header line: - `smarts_raw`: SMARTS "Industrial Ad Hoc Reports - Parameter Data"
download: 27 tab-separated columns, no quoting, a record may be split over two physical lines by a line break
inside a field. - `data_ca_gov`: the data.ca.gov "Industrial_Monitoring" CSV of the same data:
comma-separated, `"`-quoted, `NA` for missing, dates `MM/DD/YYYY` or ISO. - `access_export`: the Region 9
analyst export (`"WDID" "Date/time of sample collection" ... "Result" "Units"`), with no qualifier, event
type, location type nor sample id.

The file is never read whole: the reader pulls one physical line at a time, so memory stays flat on a 600 MB
file. Line numbers are physical (the header is line 1); a split record carries the number of its first line.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from os import PathLike, fspath
from typing import IO, Any, Literal

from permitclock.domain.samples import RejectedRow, Sample
from permitclock.errors import BadInput, DomainError
from permitclock.rules.igp.nals import PH, UnitError, conversion_factor, nal_for
from permitclock.rules.igp.years import reporting_year_of

Layout = Literal["smarts_raw", "data_ca_gov", "access_export"]
Row = Sample | RejectedRow

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
NO_RESULT = MISSING | {"NAN"}
"""A RESULT that holds no number: the missing values, and `NaN`, which the data.ca.gov portal writes for a
non-detect (shared/reference/smarts-open-data.md). Fine with `ND`; with any other qualifier the row is rejected."""
MAX_JOINED_LINES = 4
"""A record split by line breaks inside fields is re-joined over at most this many physical lines."""

_DATE_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?: ?[AP]M)?)?$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?$")


EVENT_TYPES = ("Qualifying Storm Event", "Non-Qualifying Storm Event", "Non-Stormwater Discharge")
"""EVENT_TYPE as the Board's data dictionary spells its three values; other spellings are read onto these."""
EFFLUENT_MONITORING = "Effluent Monitoring"
MAX_KINDS = 256
"""Distinct EVENT_TYPE / MONITORING_LOCATION_TYPE values whose reading is remembered (a file has a handful)."""


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
    key = re.sub(r"\s+", "_", name.strip().strip('"').strip().upper())
    return LABEL_ALIASES.get(key, key)


@dataclass(frozen=True, slots=True)
class Header:
    """What the header line says: the layout, the delimiter and each known column's index."""

    layout: Layout
    delimiter: str
    columns: dict[str, int]
    width: int


def detect_layout(header_line: str) -> Header:
    """Recognise the layout from the header line; `BadInput` naming the missing columns otherwise."""
    text = header_line.lstrip("\ufeff").rstrip("\r\n")
    delimiter = "\t" if "\t" in text else ","
    names = next(csv.reader([text], delimiter=delimiter)) if text else []
    columns: dict[str, int] = {}
    for index, name in enumerate(names):
        columns.setdefault(normalise_column(name), index)
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
    return Header(layout=layout, delimiter=delimiter, columns=columns, width=len(names))


class _Reject(Exception):
    """A row-level problem: becomes a `RejectedRow` with this reason."""


def _text_stream(source: IO[Any]) -> IO[str]:
    if isinstance(source, io.TextIOBase):
        return source
    return io.TextIOWrapper(source, encoding="utf-8-sig", errors="replace", newline="")


class SmartsReader:
    """One monitoring file, opened and its header checked on construction, then iterated row by row.

    Iterating yields `Sample`s and `RejectedRow`s in file order. A row whose REPORTING_YEAR disagrees with its
    SAMPLE_DATE yields the `Sample` (the date wins) and a `RejectedRow(kept=True)` reporting the disagreement.
    Rejected: unparseable date or number, empty or unknown qualifier, detected result without a number, unit
    that cannot be converted to the NAL unit, negative concentration, pH outside 0-14, sample date after
    `as_of`, an empty or unknown event type (`normalise_event_type`), an empty location type
    (`normalise_location_type`), a record with the wrong number of fields.
    """

    def __init__(self, source: str | PathLike[str] | IO[Any], *, as_of: date, name: str | None = None) -> None:
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
        self._stream = _text_stream(raw)
        self._raw = raw
        try:
            first = self._stream.readline()
        except OSError as err:
            self.close()
            raise DomainError(f"{self.name}: cannot read ({err})", code="unreadable") from err
        try:
            self.header = detect_layout(first)
        except BadInput as err:
            self.close()
            raise BadInput(f"{self.name}: {err.message}", code=err.code) from None
        self._first_line = first
        self._dates: dict[str, date | None] = {}
        self._strings: dict[str, str] = {}
        self._idx: tuple[int, ...] | None = None
        self._kinds: dict[tuple[str, str], str | None] = {}

    @property
    def layout(self) -> Layout:
        return self.header.layout

    def close(self) -> None:
        if self._owned:
            self._raw.close()

    def __enter__(self) -> SmartsReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ records
    def _raw_records(self) -> Iterator[tuple[int, list[str] | None, str]]:
        """(first physical line, fields or None, reason) of the tab layout, re-joining split records."""
        width = self.header.width
        pending: str | None = None
        pending_line = 0
        joined = 0
        for lineno, physical in enumerate(self._stream, start=2):
            text = physical.rstrip("\r\n")
            if pending is not None:
                combined = pending + "\n" + text
                count = combined.count("\t") + 1
                if count == width:
                    yield pending_line, combined.split("\t"), ""
                    pending = None
                    continue
                if count < width and joined < MAX_JOINED_LINES:
                    pending, joined = combined, joined + 1
                    continue
                yield pending_line, None, f"malformed record: {pending.count(chr(9)) + 1} of {width} fields"
                pending = None
            if not text.strip():
                continue
            count = text.count("\t") + 1
            if count == width:
                yield lineno, text.split("\t"), ""
            elif count < width:
                pending, pending_line, joined = text, lineno, 1
            else:
                yield lineno, None, f"malformed record: {count} fields instead of {width}"
        if pending is not None:
            yield (
                pending_line,
                None,
                f"malformed record: {pending.count(chr(9)) + 1} of {width} fields at end of file",
            )

    def _csv_records(self) -> Iterator[tuple[int, list[str] | None, str]]:
        width = self.header.width
        reader = csv.reader(
            itertools.chain([self._first_line], self._stream), delimiter=self.header.delimiter, strict=False
        )
        next(reader)
        while True:
            start = reader.line_num + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                yield start, None, f"malformed record: {err}"
                continue
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if len(fields) != width:
                yield start, None, f"malformed record: {len(fields)} fields instead of {width}"
                continue
            yield start, fields, ""

    def __iter__(self) -> Iterator[Row]:
        records = self._raw_records() if self.header.layout == "smarts_raw" else self._csv_records()
        convert = self._access_row if self.header.layout == "access_export" else self._smarts_row
        name = self.name
        try:
            for line, fields, reason in records:
                if fields is None:
                    yield RejectedRow(name, line, reason)
                    continue
                try:
                    yield from convert(fields, line)
                except _Reject as err:
                    yield RejectedRow(name, line, str(err))
        finally:
            self.close()

    # ------------------------------------------------------------------ fields
    def _intern(self, text: str) -> str:
        return self._strings.setdefault(text, text)

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
        return self._intern(found)

    def _date(self, text: str, column: str) -> date:
        key = text.strip()
        try:
            found = self._dates[key]
        except KeyError:
            found = self._dates[key] = _parse_date(key)
        if found is None:
            raise _Reject(f"unparseable {column} {text!r}")
        if found > self.as_of:
            raise _Reject(f"{column} {found.isoformat()} is after the as-of date {self.as_of.isoformat()}")
        return found

    def _measurement(
        self, wdid: str, parameter: str, qualifier_text: str, result_text: str, units: str
    ) -> tuple[str | None, str, Decimal | None, Decimal | None]:
        """(nal key, qualifier, result as reported, value in the NAL unit)."""
        if not wdid:
            raise _Reject("empty WDID")
        if not parameter:
            raise _Reject("empty PARAMETER")
        result_text = result_text.strip()
        qualifier_key = qualifier_text.strip().upper()
        if result_text.upper() in QUALIFIERS and not qualifier_key:
            qualifier_key, result_text = result_text.upper(), ""
        if qualifier_key in MISSING:
            qualifier_key = "="
        qualifier = QUALIFIERS.get(qualifier_key)
        if qualifier is None:
            raise _Reject(f"unknown RESULT_QUALIFIER {qualifier_text.strip()!r}")
        result: Decimal | None = None
        if result_text.upper() not in NO_RESULT:
            try:
                result = Decimal(result_text)
            except InvalidOperation:
                raise _Reject(f"unparseable RESULT {result_text!r}") from None
            if not result.is_finite():
                raise _Reject(f"unparseable RESULT {result_text!r}")
        elif qualifier != "ND":
            written = f" {result_text!r}" if result_text else ""
            raise _Reject(f"empty RESULT{written} with qualifier {qualifier!r}: only a non-detect (ND) may have none")
        nal = nal_for(parameter)
        if nal is None:
            return None, qualifier, result, result
        try:
            factor = conversion_factor(units, nal.units)
        except UnitError:
            raise _Reject(f"unit {units!r} cannot be converted to {nal.units} for {parameter}") from None
        value = result if result is None or factor == 1 else result * factor
        if value is not None:
            if value < 0:
                raise _Reject(f"negative RESULT {result_text!r} for {parameter}")
            if nal.parameter == PH and value > 14:
                raise _Reject(f"pH {result_text!r} outside 0-14")
        return nal.parameter, qualifier, result, value

    def _smarts_row(self, fields: list[str], line: int) -> Iterator[Row]:
        idx = self._idx
        if idx is None:
            col = self.header.columns
            idx = self._idx = tuple(col.get(name, -1) for name in _SMARTS_FIELDS)
        i_wdid, i_param, i_units, i_qual, i_result, i_date, i_event, i_ltype, i_year, i_sid, i_time, i_loc = idx
        strings = self._strings

        def get(index: int) -> str | None:
            if index < 0:
                return None
            value = fields[index].strip()
            return "" if value in MISSING else value

        wdid = fields[i_wdid].strip()
        wdid = strings.setdefault(wdid, wdid)
        parameter = fields[i_param].strip()
        parameter = strings.setdefault(parameter, parameter)
        units = fields[i_units].strip()
        units = strings.setdefault(units, units)
        nal, qualifier, result, value = self._measurement(
            "" if wdid in MISSING else wdid,
            "" if parameter in MISSING else parameter,
            get(i_qual) or "",
            get(i_result) or "",
            units,
        )
        sample_date = self._date(fields[i_date], "SAMPLE_DATE")
        event_type = self._kind("EVENT_TYPE", get(i_event), normalise_event_type)
        location_type = self._kind("MONITORING_LOCATION_TYPE", get(i_ltype), normalise_location_type)
        year = reporting_year_of(sample_date)
        year_text = get(i_year)
        year_column: int | None = None
        note: str | None = None
        if year_text:
            try:
                year_column = int(float(year_text))
            except (ValueError, OverflowError):  # OverflowError: `1e999` is infinite
                note = f"unparseable REPORTING_YEAR {year_text!r}; the SAMPLE_DATE gives {year}, row used"
            else:
                if str(year_column) != year[:4]:
                    note = (
                        f"REPORTING_YEAR {year_text} disagrees with SAMPLE_DATE {sample_date.isoformat()} "
                        f"(reporting year {year}): the date wins, row used"
                    )
        yield Sample(
            wdid=wdid,
            parameter=parameter,
            nal=nal,
            sample_date=sample_date,
            reporting_year=year,
            qualifier=qualifier,  # type: ignore[arg-type]
            result=result,
            units=units,
            value=value,
            sample_id=get(i_sid) or "",
            sample_time=get(i_time) or "",
            location=self._intern(get(i_loc) or ""),
            location_type=location_type,
            event_type=event_type,
            reporting_year_column=year_column,
            file=self.name,
            line=line,
        )
        if note:
            yield RejectedRow(self.name, line, note, kept=True)

    def _access_row(self, fields: list[str], line: int) -> Iterator[Row]:
        col = self.header.columns

        def get(name: str) -> str:
            index = col.get(name)
            value = "" if index is None else fields[index].strip()
            return "" if value in MISSING else value

        wdid = self._intern(get("WDID"))
        parameter = self._intern(get("PARAMETER"))
        units = self._intern(get("UNITS"))
        nal, qualifier, result, value = self._measurement(wdid, parameter, "", get("RESULT"), units)
        stamp = get(ACCESS_DATE)
        sample_date = self._date(stamp, "Date/time of sample collection")
        time = stamp.partition(" ")[2]
        lat, lon = get("MONITORING_LOCATION_LATITUDE"), get("MONITORING_LOCATION_LONGITUDE")
        yield Sample(
            wdid=wdid,
            parameter=parameter,
            nal=nal,
            sample_date=sample_date,
            reporting_year=reporting_year_of(sample_date),
            qualifier=qualifier,  # type: ignore[arg-type]
            result=result,
            units=units,
            value=value,
            sample_time="" if time in ("0:00:00", "00:00:00") else time,
            location=self._intern(f"{lat},{lon}" if lat or lon else ""),
            file=self.name,
            line=line,
        )


def _parse_date(text: str) -> date | None:
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


def parse_many(sources: Iterable[str | PathLike[str]], *, as_of: date) -> Iterator[Row]:
    """Stream several files one after the other (each file's errors are raised as in `parse`)."""
    for source in sources:
        yield from parse(source, as_of=as_of)

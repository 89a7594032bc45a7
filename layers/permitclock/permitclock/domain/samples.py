"""Monitoring results as the intake parsers hand them to the IGP rules.

`Sample` is the hot row type of a streaming parse (about a million per regional SMARTS file), so it is a
frozen, slotted dataclass rather than a validated pydantic model: the parser does its own checks and builds it
directly. Pydantic still serialises it (`pydantic.TypeAdapter(Sample)`), so services can store or send it as
JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

Qualifier = Literal["=", "ND", "DNQ", "<", ">"]
NON_DETECT_QUALIFIERS: frozenset[str] = frozenset({"ND", "<"})


@dataclass(frozen=True, slots=True)
class Sample:
    """One analytical result of one sample, as reported, plus its value in the NAL's unit.

    `nal` is the NAL parameter key (`Zinc`, `pH`, ...) the reported `parameter` maps to, or None when the
    parameter has no NAL (kept as a sample, never given a Level). `value` is `result` converted to the NAL
    unit (mg/L, pH in SU) or None for a non-detect reported without a number. `reporting_year` is the
    July-June year of `sample_date` (`2016-2017`); `reporting_year_column` is what the file's REPORTING_YEAR
    said (start year). `event_type` / `location_type` are None when the file has no such column.
    """

    wdid: str
    parameter: str
    nal: str | None
    sample_date: date
    reporting_year: str
    qualifier: Qualifier
    result: Decimal | None
    units: str
    value: Decimal | None
    sample_id: str = ""
    sample_time: str = ""
    location: str = ""
    location_type: str | None = None
    event_type: str | None = None
    reporting_year_column: int | None = None
    file: str = ""
    line: int = 0

    @property
    def non_detect(self) -> bool:
        """`ND`, or `<` with a value (below the reporting limit): era-rules "Which results count"."""
        return self.qualifier in NON_DETECT_QUALIFIERS

    @property
    def duplicate_key(self) -> tuple[object, ...]:
        """What makes two rows the same result (era-rules: WDID, SAMPLE_ID, location, parameter, qualifier,
        result, units). Files without SAMPLE_ID use the sample date and time in its place."""
        sample = self.sample_id or f"{self.sample_date.isoformat()} {self.sample_time}"
        return (self.wdid, sample, self.location, self.parameter, self.qualifier, self.result, self.units)


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row the parser could not use (or, with `kept=True`, used but reports), by physical line number.

    Line 1 is the header; a record split over two physical lines carries the number of its first line.
    Line 0 means the whole file (it could not be opened or is not a monitoring file).
    """

    file: str
    line: int
    reason: str
    kept: bool = False


@dataclass
class WriteCounts:
    """What a bulk write of samples did: stored new, or found already stored."""

    stored: int = 0
    existing: int = 0

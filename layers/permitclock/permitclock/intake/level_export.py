"""SMARTS's "Current Level 1 and Level 2 Pollutant Search" export (CSV, one row per WDID and pollutant above
Baseline; shared/data/smarts/README.md "region4_level_status"), read from a path or a stream as untrusted input.

The export names no region or date of its own: the regions it covers are those of its WDIDs (a Regional Board
analyst exports one region; `wdid_region`), and a WDID of a covered region absent from it is Baseline there.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, cast

from permitclock.domain.levels import Level
from permitclock.errors import BadInput
from permitclock.rules.igp.nals import nal_by_report_name

LEVELS = ("Baseline", "Level 1", "Level 2")
REQUIRED_COLUMNS = ("WDID", "Pollutant", "Level")
MAX_FIELD_CHARS = 4096
"""Longest field read (csv's own limit is 128 KiB); the export's longest, an address, is under 200."""

_REGION = re.compile(r"^([1-9][A-Z]?) ?(?:[0-9]{2}|XX)[A-Z]{1,3}[0-9]{6}$")


def wdid_region(wdid: str) -> str | None:
    """The Regional Board code a WDID starts with (`4 19I000033` -> `4`, `5S28I001939` -> `5S`), or None."""
    match = _REGION.match(wdid.strip())
    return match.group(1) if match else None


@dataclass(frozen=True, slots=True)
class SkippedRow:
    file: str
    line: int
    reason: str


@dataclass
class LevelExport:
    """What SMARTS says: (WDID, NAL level_report_name) -> `Level 1`/`Level 2`, the regions covered, and the rows
    that could not be used (by physical line; line 1 is the header)."""

    levels: dict[tuple[str, str], Level] = field(default_factory=dict)
    regions: set[str] = field(default_factory=set)
    skipped: list[SkippedRow] = field(default_factory=list)

    @property
    def wdids(self) -> set[str]:
        return {wdid for wdid, _ in self.levels}

    def covers(self, wdid: str) -> bool:
        """True when the export speaks for `wdid`: its region is one the export holds rows of."""
        return wdid_region(wdid) in self.regions


def read_level_export(source: str | IO[bytes], *, name: str | None = None) -> LevelExport:
    """Parse an export from a path or a binary stream (`name` labels a stream's rows). Raises `BadInput` when it
    is not a Level export (a required column missing) and `OSError` when a path cannot be opened."""
    label = name or (source if isinstance(source, str) else "upload")
    if isinstance(source, str):
        with open(source, "rb") as handle:
            return _read(handle, label)
    return _read(source, label)


def _read(stream: IO[bytes], label: str) -> LevelExport:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    try:
        reader = csv.DictReader(text)
        try:
            columns = reader.fieldnames or []
        except csv.Error as err:  # a header line with a field past csv's limit
            raise BadInput(f"{label}: line 1: not a SMARTS Level 1/Level 2 export ({err})") from None
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise BadInput(f"{label}: not a SMARTS Level 1/Level 2 export: missing columns {', '.join(missing)}")
        export = LevelExport()
        for line, row in _rows(reader, label, export):
            wdid, pollutant, level = ((row.get(k) or "").strip() for k in REQUIRED_COLUMNS)
            nal = nal_by_report_name(pollutant)
            reason = (
                "empty WDID" if not wdid
                else f"WDID {wdid[:40]!r} is not a WDID" if wdid_region(wdid) is None
                else f"unknown Level {level[:40]!r}" if level not in LEVELS
                else f"pollutant {pollutant[:80]!r} has no NAL" if nal is None
                else ""
            )  # fmt: skip
            if reason or nal is None:
                export.skipped.append(SkippedRow(label, line, reason))
                continue
            export.levels[(wdid, nal.level_report_name)] = cast(Level, level)
            export.regions.add(wdid_region(wdid) or "")
        return export
    finally:
        text.detach()


def _rows(reader: csv.DictReader[str], label: str, export: LevelExport) -> Iterable[tuple[int, dict[str, str]]]:
    """(first physical line, row), skipping rows with an over-long field (reported) without stopping."""
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            export.skipped.append(SkippedRow(label, line, f"unreadable row ({err})"))
            line = reader.line_num + 1
            continue
        if any(len(v or "") > MAX_FIELD_CHARS for v in row.values() if isinstance(v, str)):
            export.skipped.append(SkippedRow(label, line, f"a field is longer than {MAX_FIELD_CHARS} characters"))
        else:
            yield line, row
        line = reader.line_num + 1

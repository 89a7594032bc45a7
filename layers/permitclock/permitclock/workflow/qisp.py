"""The QISP registry: parse the registry CSV and look practitioners up (SMARTS Level 2 ERA Technical Report
guide, steps 7-8: search by one criterion, pick the practitioner from the hits)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from permitclock.domain.reports import QispRecord
from permitclock.errors import BadInput

COLUMNS = ("certificate_number", "first_name", "last_name", "zip", "licensed_engineer", "license_number")
_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
_FLAGS = {
    "": False,
    "n": False,
    "no": False,
    "false": False,
    "0": False,
    "y": True,
    "yes": True,
    "true": True,
    "1": True,
}


def search_key(text: str) -> str:
    """The form names, certificates and ZIP codes are matched in (and keyed by in the table): trimmed, single
    spaces, case-folded. Matching is exact on this form so every store can answer with one key lookup."""
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class RegistryRowError:
    """A rejected registry row, named by its line in the file."""

    line: int
    code: str
    message: str


@dataclass
class RegistryParse:
    records: list[QispRecord] = field(default_factory=list)
    errors: list[RegistryRowError] = field(default_factory=list)


def _column_index(header: Iterable[str]) -> dict[str, int]:
    index = {search_key(n).replace(" ", "_"): i for i, n in enumerate(header)}
    missing = [c for c in COLUMNS if c not in index]
    if missing:
        raise BadInput(f"the QISP registry header lacks {', '.join(missing)}", code="qisp_registry_header")
    return index


def _rows(reader: Any) -> Iterator[list[str]]:
    """The reader's rows; a row the csv module cannot read stops the parse with `BadInput` naming its line."""
    try:
        yield from reader
    except csv.Error as err:
        raise BadInput(f"line {reader.line_num}: {err}", code="qisp_registry_unreadable") from None


def parse_registry(lines: Iterable[str]) -> RegistryParse:
    """Parse the registry CSV (columns `COLUMNS`, header on line 1). Good rows become records; bad rows are
    reported with their line number and a code, never silently dropped. A bad header raises `BadInput`."""
    reader = csv.reader(iter(lines))
    rows = _rows(reader)
    index = _column_index(next(rows, []))
    out = RegistryParse()
    seen: set[str] = set()
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        line = reader.line_num
        cells = {c: (row[index[c]].strip() if index[c] < len(row) else "") for c in COLUMNS}
        error = _row_error(cells, seen)
        if error:
            out.errors.append(RegistryRowError(line, *error))
            continue
        seen.add(search_key(cells["certificate_number"]))
        out.records.append(
            QispRecord(
                certificate_number=cells["certificate_number"],
                first_name=cells["first_name"],
                last_name=cells["last_name"],
                zip=cells["zip"],
                licensed_engineer=_FLAGS[cells["licensed_engineer"].casefold()],
                license_number=cells["license_number"],
            )
        )
    return out


def _row_error(cells: dict[str, str], seen: set[str]) -> tuple[str, str] | None:
    for required in ("certificate_number", "first_name", "last_name"):
        if not cells[required]:
            return "missing_value", f"{required} is empty"
    if search_key(cells["certificate_number"]) in seen:
        return "duplicate_certificate", f"certificate {cells['certificate_number']} appears twice"
    if not _ZIP.match(cells["zip"]):
        return "bad_zip", f"zip {cells['zip']!r} is not a ZIP code"
    flag = cells["licensed_engineer"].casefold()
    if flag not in _FLAGS:
        return (
            "bad_licensed_engineer_flag",
            f"licensed_engineer {cells['licensed_engineer']!r} is not yes or no",
        )
    if _FLAGS[flag] and not cells["license_number"]:
        return "license_number_missing", "a licensed engineer needs a licence number"
    return None


class QispQuery(BaseModel):
    """A registry lookup; any one criterion is enough (step 7), several narrow the hits."""

    model_config = ConfigDict(frozen=True)

    last_name: str | None = None
    first_name: str | None = None
    certificate: str | None = None
    zip: str | None = None

    def criteria(self) -> dict[str, str]:
        """The non-blank criteria in `search_key` form; `BadInput` when there is none."""
        given = {k: search_key(v) for k, v in self.model_dump().items() if v and v.strip()}
        if not given:
            raise BadInput("search by last name, first name, certificate number or zip", code="qisp_search_criterion")
        if "zip" in given:
            given["zip"] = given["zip"][:5]
        return given


def search_values(record: QispRecord) -> dict[str, str]:
    """A record's values under each `QispQuery` criterion, in `search_key` form (the table's lookup keys)."""
    return {
        "last_name": search_key(record.last_name),
        "first_name": search_key(record.first_name),
        "certificate": search_key(record.certificate_number),
        "zip": record.zip[:5],
    }


def search(records: Iterable[QispRecord], query: QispQuery) -> list[QispRecord]:
    """The entries meeting every criterion of `query` (exact, in `search_key` form; ZIP on five digits)."""
    criteria = query.criteria()
    return [r for r in records if all(search_values(r)[k] == v for k, v in criteria.items())]

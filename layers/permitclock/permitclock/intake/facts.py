"""The return-to-Baseline facts file (docs/uploads.md "Return-to-Baseline facts"): `{"facts": [{"wdid",
"parameter", "level_1_report_submitted"?, "bmps_implemented"?, "technical_report_submitted"?, "demonstration"?},
...]}`, read as untrusted JSON. The one reader of it: a `monitoring/facts/*.json` upload
(`services.monitoring_intake`) and `permitclock levels --facts` (`cli.levels`) both take its entries from here,
so both record the same facts."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from permitclock.domain.demonstrations import Demonstration
from permitclock.domain.uploads import WDID_PATTERN
from permitclock.errors import BadInput
from permitclock.rules.igp.nals import nal_by_report_name

NOT_A_FACTS_FILE = 'not a facts file: expected JSON {"facts": [{"wdid", "parameter", ...}]}'

Facts = dict[str, date | str | None]
"""The facts an entry sets (a value) or clears (None), by `ParameterStatus` field; the others are unchanged."""


class FactEntry(BaseModel):
    """One (WDID, parameter)'s return-to-Baseline facts; a field left out is unchanged, `null` clears it."""

    model_config = ConfigDict(extra="forbid")

    wdid: str
    parameter: str
    level_1_report_submitted: date | None = None
    bmps_implemented: date | None = None
    technical_report_submitted: date | None = None
    demonstration: Demonstration | None = None


class FactsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facts: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class FactSet:
    """One valid entry: its 1-based position, the WDID, the NAL's Level report name and the facts it sets."""

    position: int
    wdid: str
    parameter: str
    facts: Facts


@dataclass
class FactsRead:
    """A facts file read: its valid entries in order, and the bad ones by 1-based position (0: the whole file)."""

    entries: list[FactSet] = field(default_factory=list)
    count: int = 0
    """Entries in the file, valid or not."""
    problems: list[tuple[int, str]] = field(default_factory=list)
    error: str | None = None
    """Set when the file is not a facts file at all (then there are no entries)."""


def read_facts(raw: IO[bytes]) -> FactsRead:
    """Every entry of a facts file (UTF-8, a BOM skipped): the valid ones, and each bad one with why."""
    result = FactsRead()
    try:
        entries = FactsFile.model_validate(json.load(io.TextIOWrapper(raw, encoding="utf-8-sig"))).facts
    except (ValueError, ValidationError, RecursionError):
        result.error = NOT_A_FACTS_FILE
        result.problems.append((0, NOT_A_FACTS_FILE))
        return result
    result.count = len(entries)
    for position, entry in enumerate(entries, start=1):
        try:
            wdid, parameter, facts = parse_fact(entry)
        except BadInput as err:
            result.problems.append((position, err.message))
            continue
        result.entries.append(FactSet(position, wdid, parameter, facts))
    return result


def parse_fact(entry: dict[str, Any]) -> tuple[str, str, Facts]:
    """Validate one facts entry: a WDID, an NAL parameter (named as SMARTS's Level report or an alias)."""
    try:
        fact = FactEntry.model_validate(entry)
    except ValidationError as err:
        first = err.errors()[0]
        raise BadInput(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}", code="bad_facts") from None
    if not WDID_PATTERN.match(fact.wdid):
        raise BadInput(f"{fact.wdid!r} is not a WDID", code="bad_facts")
    nal = nal_by_report_name(fact.parameter)
    if nal is None:
        raise BadInput(f"{fact.parameter!r} is not an NAL parameter", code="bad_facts")
    values = fact.model_dump(include=set(fact.model_fields_set) - {"wdid", "parameter"})
    return fact.wdid, nal.level_report_name, values

"""`permitclock windows FILE.json [--as-of YYYY-MM-DD]`: closure financial assurance windows, offline.

Reads one facility's closure cost estimates and mechanisms (35 Ill. Adm. Code 725.243; the format is in
docs/programs.md) and prints `{"obligations": [...], "coverage": {...}}` as JSON. Exit 0 on success, 2 on bad
input (one line on stderr naming the field).
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from permitclock.clock import SystemClock, today
from permitclock.domain.programs import ILClosureFacts
from permitclock.errors import BadInput
from permitclock.rules import il_725_243
from permitclock.rules.programs import parse_program_facts
from permitclock.services.program_intake import facts_in_range, parse_document


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "windows",
        help="closure financial assurance windows and coverage (35 Ill. Adm. Code 725.243) from a JSON file",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("file", metavar="FILE.json")
    add_as_of_argument(parser)
    parser.set_defaults(func=run)


def add_as_of_argument(parser: argparse.ArgumentParser) -> None:
    """`--as-of YYYY-MM-DD` of the program commands (`windows`, `obligations`); read with `as_of_date`."""
    parser.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="evaluate as on this date (default: today, America/Los_Angeles): facts dated later are ignored",
    )


def run(args: argparse.Namespace) -> int:
    as_of = as_of_date(args.as_of)
    facts = parse_program_facts(il_725_243.PROGRAM, read_document(args.file))
    assert isinstance(facts, ILClosureFacts)
    with facts_in_range():
        shown = report(facts, as_of)
    print(_encode(shown))
    return 0


def report(facts: ILClosureFacts, as_of: date) -> dict[str, Any]:
    """The printed shape: one row per obligation (`amount` only on a trust payment) and the coverage check."""
    cov = il_725_243.coverage(facts, as_of)
    rows = []
    for ob in il_725_243.obligations(facts, as_of):
        row: dict[str, Any] = {
            "mechanism": ob.subject,
            "type": ob.type,
            "due": ob.due,
            "section": ob.section,
            "status": ob.status,
        }
        if ob.amount is not None:
            row["amount"] = ob.amount
        rows.append(row)
    return {
        "obligations": rows,
        "coverage": {"required": cov.required, "assured": cov.assured, "shortfall": cov.shortfall},
    }


def as_of_date(value: str | None) -> date:
    """`--as-of`: the date given, else today in America/Los_Angeles; `BadInput` naming `--as-of` if malformed."""
    if value is None:
        return today(SystemClock())
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"--as-of: invalid date {value!r} (YYYY-MM-DD)", field="--as-of") from None


def read_document(path: str) -> Any:
    """The file's JSON, read as the program intake reads an upload (exact decimals); `BadInput` naming `file`."""
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise BadInput(f"file: {path}: cannot read ({err.strerror})", field="file") from None
    return parse_document(data)


def _encode(value: Any) -> str:
    """JSON with decimals as exact numbers (plain notation) and dates as ISO strings."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_encode(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    if isinstance(value, date):
        return json.dumps(value.isoformat())
    return json.dumps(value)

"""What `permitclock levels` prints: one JSON document sorted by WDID (`--format json`), or JSON Lines as it goes.

The JSON document is the one `dumps(render(run))` prints (same bytes; tests/unit/igp/test_levels_oracle.py). It
is built without holding it: each facility's text goes to a temporary file as the facility is assigned, and is
copied out in WDID order at the end, so memory holds an offset per facility. JSON Lines writes each line at once:
`{"record": "assignment", ...the fields...}` and `{"record": "rejected_row", "file", "line", "reason"}`.
"""

from __future__ import annotations

import json
import tempfile
from decimal import Decimal
from functools import cache
from typing import IO

from permitclock.domain.samples import RejectedRow
from permitclock.rules.igp.aggregate import LevelRow

_BOOL = {True: "true", False: "false"}


def decimal_text(value: Decimal) -> str:
    """An exact JSON number for a Decimal: its digits without exponent or trailing zeros (0.260 -> 0.26)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def number(value: Decimal | None) -> str:
    """`decimal_text`, or null."""
    return "null" if value is None else decimal_text(value)


class JsonOutput:
    """`--format json`: facilities' texts spilled to a temporary file, printed sorted by WDID at `finish`."""

    def __init__(self) -> None:
        self._assignments = tempfile.TemporaryFile()  # noqa: SIM115 - closed by finish()
        self._rejected = tempfile.TemporaryFile()  # noqa: SIM115 - closed by finish()
        self._index: dict[str, tuple[int, int]] = {}
        self._any_rejected = False

    def facility(self, wdid: str, rows: list[LevelRow]) -> None:
        if not rows:
            self._index.pop(wdid, None)
            return
        data = ",\n".join(map(_pretty, rows)).encode()
        spill = self._assignments
        self._index[wdid] = (spill.tell(), len(data))
        spill.write(data)

    def rejected(self, row: RejectedRow) -> None:
        if self._any_rejected:
            self._rejected.write(b",\n")
        self._any_rejected = True
        self._rejected.write(
            f'    {{\n      "file": {json.dumps(row.file)},\n      "line": {row.line},\n'
            f'      "reason": {json.dumps(row.reason)}\n    }}'.encode()
        )

    def finish(self, out: IO[str]) -> None:
        spill = self._assignments
        try:
            out.write('{\n  "assignments": ')
            if self._index:
                out.write("[\n")
                for n, wdid in enumerate(sorted(self._index)):
                    offset, size = self._index[wdid]
                    spill.seek(offset)
                    out.write((",\n" if n else "") + spill.read(size).decode())
                out.write("\n  ]")
            else:
                out.write("[]")
            out.write(',\n  "rejected_rows": ')
            if self._any_rejected:
                self._rejected.seek(0)
                out.write("[\n" + self._rejected.read().decode() + "\n  ]")
            else:
                out.write("[]")
            out.write("\n}\n")
        finally:
            spill.close()
            self._rejected.close()


class JsonlOutput:
    """`--format jsonl`: a line per decision with a counted result and per rejected row, written at once. A
    scattered facility's lines come again, complete, after the pass that reread it: keep a WDID's last group."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out

    def facility(self, wdid: str, rows: list[LevelRow]) -> None:
        self._out.write("".join(map(_line, rows)))

    def rejected(self, row: RejectedRow) -> None:
        self._out.write(
            f'{{"record": "rejected_row", "file": {json.dumps(row.file)}, "line": {row.line}, '
            f'"reason": {json.dumps(row.reason)}}}\n'
        )

    def finish(self, out: IO[str]) -> None:
        out.flush()


@cache
def _quoted(text: str) -> str:
    """A JSON string (parameter names, obligation types: a handful, remembered)."""
    return json.dumps(text)


@cache
def _nal_number(value: Decimal | None) -> str:
    return number(value)


def _pretty(row: LevelRow) -> str:
    """One decision as `dumps` indents it inside the document's `assignments` list."""
    if row.obligations:
        items = ",\n".join(
            f'        {{\n          "type": {_quoted(kind)},\n          "due": "{due.isoformat()}"\n        }}'
            for kind, due in row.obligations
        )
        obligations = f"[\n{items}\n      ]"
    else:
        obligations = "[]"
    return (
        f'    {{\n      "wdid": {json.dumps(row.wdid)},\n      "parameter": {_quoted(row.parameter)},\n'
        f'      "reporting_year": "{row.reporting_year}",\n      "assigned_on": "{row.assigned_on.isoformat()}",\n'
        f'      "prior_level": "{row.prior_level}",\n      "level": "{row.level}",\n'
        f'      "result_count": {row.result_count},\n      "annual_average": {number(row.annual_average)},\n'
        f'      "annual_nal": {_nal_number(row.annual_nal)},\n'
        f'      "annual_exceedance": {_BOOL[row.annual_exceedance]},\n'
        f'      "instantaneous_exceedance_count": {row.instantaneous_exceedance_count},\n'
        f'      "instantaneous_exceedance": {_BOOL[row.instantaneous_exceedance]},\n'
        f'      "obligations": {obligations}\n    }}'
    )


def _line(row: LevelRow) -> str:
    """One decision as a JSON Lines record."""
    obligations = ", ".join(
        f'{{"type": {json.dumps(kind)}, "due": "{due.isoformat()}"}}' for kind, due in row.obligations
    )
    return (
        f'{{"record": "assignment", "wdid": {json.dumps(row.wdid)}, "parameter": {json.dumps(row.parameter)}, '
        f'"reporting_year": "{row.reporting_year}", "assigned_on": "{row.assigned_on.isoformat()}", '
        f'"prior_level": "{row.prior_level}", "level": "{row.level}", "result_count": {row.result_count}, '
        f'"annual_average": {number(row.annual_average)}, "annual_nal": {number(row.annual_nal)}, '
        f'"annual_exceedance": {_BOOL[row.annual_exceedance]}, '
        f'"instantaneous_exceedance_count": {row.instantaneous_exceedance_count}, '
        f'"instantaneous_exceedance": {_BOOL[row.instantaneous_exceedance]}, "obligations": [{obligations}]}}\n'
    )

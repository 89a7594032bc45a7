"""What `permitclock levels` prints: one JSON document sorted by WDID (`--format json`), or JSON Lines as it goes.

The JSON document is the one `dumps(render(run))` prints (same bytes; tests/unit/igp/test_levels_oracle.py). It
is built without holding it: each facility's text goes to a temporary file as the facility is assigned, and is
copied out in WDID order at the end, so memory holds an offset per facility. JSON Lines writes each line at once:
`{"record": "assignment", ...the fields...}` and `{"record": "rejected_row", "file", "line", "reason"}`.
"""

from __future__ import annotations

import json
import tempfile
from datetime import date
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

    @staticmethod
    def render(wdid: str, rows: list[LevelRow]) -> bytes:
        """A facility's decisions as the document's items (empty when it has none)."""
        quoted = json.dumps(wdid)
        return ",\n".join([_pretty(row, quoted) for row in rows]).encode()

    def put(self, wdid: str, rendered: bytes) -> None:
        """A facility's `render`ed decisions, replacing any it had (a scattered facility's later pass wins)."""
        if not rendered:
            self._index.pop(wdid, None)
            return
        spill = self._assignments
        self._index[wdid] = (spill.tell(), len(rendered))
        spill.write(rendered)

    def facility(self, wdid: str, rows: list[LevelRow]) -> None:
        self.put(wdid, self.render(wdid, rows))

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

    @staticmethod
    def render(wdid: str, rows: list[LevelRow]) -> str:
        """A facility's decisions as their lines."""
        quoted = json.dumps(wdid)
        return "".join([_line(row, quoted) for row in rows])

    def put(self, wdid: str, rendered: str) -> None:
        self._out.write(rendered)

    def facility(self, wdid: str, rows: list[LevelRow]) -> None:
        self.put(wdid, self.render(wdid, rows))

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


@cache
def _day(day: date) -> str:
    """A date's ISO text (July 1s and due dates: a few per reporting year, remembered)."""
    return day.isoformat()


def _pretty(row: LevelRow, wdid: str) -> str:
    """One decision as `dumps` indents it inside the document's `assignments` list (`wdid` already quoted)."""
    _, parameter, year, assigned_on, prior, level, _, count, average, nal, annual, n_inst, inst, obligations, _ = row
    if obligations:
        items = ",\n".join(
            f'        {{\n          "type": {_quoted(kind)},\n          "due": "{_day(due)}"\n        }}'
            for kind, due in obligations
        )
        obligations_text = f"[\n{items}\n      ]"
    else:
        obligations_text = "[]"
    return (
        f'    {{\n      "wdid": {wdid},\n      "parameter": {_quoted(parameter)},\n'
        f'      "reporting_year": "{year}",\n      "assigned_on": "{_day(assigned_on)}",\n'
        f'      "prior_level": "{prior}",\n      "level": "{level}",\n'
        f'      "result_count": {count},\n      "annual_average": {number(average)},\n'
        f'      "annual_nal": {_nal_number(nal)},\n'
        f'      "annual_exceedance": {_BOOL[annual]},\n'
        f'      "instantaneous_exceedance_count": {n_inst},\n'
        f'      "instantaneous_exceedance": {_BOOL[inst]},\n'
        f'      "obligations": {obligations_text}\n    }}'
    )


def _line(row: LevelRow, wdid: str) -> str:
    """One decision as a JSON Lines record (`wdid` already quoted)."""
    _, parameter, year, assigned_on, prior, level, _, count, average, nal, annual, n_inst, inst, obligations, _ = row
    obligations_text = ", ".join(f'{{"type": {_quoted(kind)}, "due": "{_day(due)}"}}' for kind, due in obligations)
    return (
        f'{{"record": "assignment", "wdid": {wdid}, "parameter": {_quoted(parameter)}, '
        f'"reporting_year": "{year}", "assigned_on": "{_day(assigned_on)}", '
        f'"prior_level": "{prior}", "level": "{level}", "result_count": {count}, '
        f'"annual_average": {number(average)}, "annual_nal": {_nal_number(nal)}, '
        f'"annual_exceedance": {_BOOL[annual]}, '
        f'"instantaneous_exceedance_count": {n_inst}, '
        f'"instantaneous_exceedance": {_BOOL[inst]}, "obligations": [{obligations_text}]}}\n'
    )

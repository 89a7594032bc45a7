"""The registry of programs beside the IGP: program name -> the module holding its input model and rules.

Every registered module exposes `FACTS` (its pydantic input model) and `obligations(facts, as_of) ->
list[Obligation]`, so the sweep, the API and the `programs/{program}/...json` intake route by name without
knowing any program. Also home of the date arithmetic the programs share ("within N days after X" is due X +
N).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from importlib import import_module
from types import ModuleType
from typing import Any

from pydantic import BaseModel, ValidationError

from permitclock.errors import BadInput

PROGRAMS: Mapping[str, str] = {
    "il_725_243": "permitclock.rules.il_725_243",
    "tx_115": "permitclock.rules.tx_115",
    "pa_cbts": "permitclock.rules.pa_cbts",
    "ma_srf": "permitclock.rules.ma_srf",
}


def days_after(day: date, days: int) -> date:
    """ "Within N days after X": the last day is X + N."""
    return day + timedelta(days=days)


def next_annual(as_of: date, month: int, day: int) -> date:
    """The next yearly "no later than <month> <day>" deadline on or after `as_of`."""
    this_year = date(as_of.year, month, day)
    return this_year if as_of <= this_year else date(as_of.year + 1, month, day)


def program_module(program: str) -> ModuleType:
    """The rules module of a registered program; `BadInput` naming `program` otherwise."""
    if program not in PROGRAMS:
        raise BadInput(f"program: unknown program {program!r} (one of {', '.join(PROGRAMS)})", field="program")
    return import_module(PROGRAMS[program])


def parse_program_facts(program: str, payload: Any) -> BaseModel:
    """Validate `payload` against the program's input model; `BadInput` naming the first bad field's path."""
    model: type[BaseModel] = program_module(program).FACTS
    try:
        return model.model_validate(payload)
    except ValidationError as err:
        field, message = describe_error(err, payload)
        more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
        raise BadInput(f"{field}: {message}{more}", field=field) from None


_TAGGED_UNIONS = ("union_tag_invalid", "union_tag_not_found")


def describe_error(err: ValidationError, payload: Any) -> tuple[str, str]:
    """The first error as (`mechanisms[1].events[0].owner_received`, `invalid date`).

    Discriminated-union tags pydantic puts in the location are dropped; a model validator's message of the
    form "field: text" is attached to the path as a field.
    """
    first = err.errors(include_url=False)[0]
    kind, ctx = first["type"], first.get("ctx", {})
    loc = _fields_only(list(first["loc"]), payload)
    message = str(first["msg"]).removeprefix("Value error, ")
    if kind in _TAGGED_UNIONS:
        loc.append(str(ctx["discriminator"]).strip("'"))
        message = f"{ctx['tag']!r} is not one of {ctx['expected_tags']}" if "tag" in ctx else "required"
    elif kind == "missing":
        message = "required"
    elif kind in ("model_type", "dict_type"):
        message = "must be a JSON object"
    elif kind == "too_short":
        message = "at least one required"
    elif kind.startswith(("date_", "datetime_")):
        message = "invalid date"
    elif kind.startswith("decimal_"):
        message = "invalid number"
    elif kind == "value_error" and message.split(": ", 1)[0].isidentifier() and ": " in message:
        name, message = message.split(": ", 1)
        loc.append(name)
    return _path(loc), message


def _fields_only(loc: list[Any], payload: Any) -> list[Any]:
    """Drop the union tags pydantic inserts: a step naming the `type` of the object it stands in."""
    out: list[Any] = []
    node = payload
    for part in loc:
        if isinstance(node, dict) and part not in node and node.get("type") == part:
            continue
        out.append(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return out


def _path(loc: list[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "input"

"""Numeric Action Levels of Order 2014-0057-DWQ Table 2, the alias table, and unit conversion.

The table is package data (`igp_2014_table2_nals.csv`, derived from
shared/data/smarts/igp_2014_table2_nals.csv with a few spellings added). Values are exact decimals in mg/L; pH
has only an instantaneous range in SU.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources

from permitclock.errors import BadInput

NAL_TABLE_FILE = "igp_2014_table2_nals.csv"
PH = "pH"


@dataclass(frozen=True, slots=True)
class NAL:
    """One Table 2 row (IGP Table 2; Fact Sheet [FS140]-[FS143]).

    `annual` is None for pH (no annual NAL, [FS141]); `instantaneous_low`/`instantaneous_high` bound the
    instantaneous-maximum range (pH 6.0-9.0, TSS 400, O&G 25) and are None when there is none.
    """

    parameter: str
    level_report_name: str
    units: str
    annual: Decimal | None
    instantaneous_low: Decimal | None
    instantaneous_high: Decimal | None
    aliases: tuple[str, ...]


def _dec(text: str) -> Decimal | None:
    return Decimal(text) if text.strip() else None


def normalise_name(name: str) -> str:
    """Case-, space- and punctuation-spacing-insensitive form of a parameter name, for the alias lookup."""
    return re.sub(r"\s+", " ", re.sub(r"\s*([,()])\s*", r"\1", name.strip())).casefold()


@cache
def nal_table() -> dict[str, NAL]:
    """The NAL table keyed by NAL parameter (`Zinc`, `pH`, ...), loaded once from the package data."""
    text = resources.files(__package__).joinpath(NAL_TABLE_FILE).read_text(encoding="utf-8")
    table: dict[str, NAL] = {}
    for row in csv.DictReader(io.StringIO(text)):
        table[row["nal_parameter"]] = NAL(
            parameter=row["nal_parameter"],
            level_report_name=row["level_report_name"],
            units=row["units"],
            annual=_dec(row["annual_nal"]),
            instantaneous_low=_dec(row["instantaneous_max_nal_low"]),
            instantaneous_high=_dec(row["instantaneous_max_nal_high"]),
            aliases=tuple(a for a in row["aliases"].split("|") if a),
        )
    return table


@cache
def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for nal in nal_table().values():
        for alias in (*nal.aliases, nal.level_report_name):
            key = normalise_name(alias)
            if key in index and index[key] != nal.parameter:
                raise ValueError(f"alias {alias!r} maps to two NAL parameters")
            index[key] = nal.parameter
    return index


@cache
def nal_for(parameter_name: str) -> NAL | None:
    """The NAL a reported parameter name maps to, or None (era-rules "Which results count").

    Dissolved forms never map to a total-metal NAL (Table 2 NALs are total/total recoverable): any name
    containing "dissolved" is unmapped, whatever the alias table says.
    """
    key = normalise_name(parameter_name)
    if "dissolved" in key:
        return None
    found = _alias_index().get(key)
    return nal_table()[found] if found else None


@cache
def _by_report_name() -> dict[str, NAL]:
    by_name: dict[str, NAL] = {}
    for nal in nal_table().values():
        by_name.setdefault(nal.level_report_name, nal)
    return by_name


def nal_by_report_name(level_report_name: str) -> NAL | None:
    """The NAL whose Level report name (SMARTS "Pollutant") is `level_report_name`, else by alias."""
    found = _by_report_name().get(level_report_name)
    return found if found is not None else nal_for(level_report_name)


# Unit spellings, normalised with `_unit_key`, to the factor that converts them to the NAL unit.
_MASS_PER_LITRE: dict[str, Decimal] = {
    "mg/l": Decimal(1),
    "ppm": Decimal(1),
    "ug/l": Decimal("0.001"),
    "µg/l": Decimal("0.001"),
    "μg/l": Decimal("0.001"),
    "ppb": Decimal("0.001"),
    "ng/l": Decimal("0.000001"),
}
_PH_UNITS = frozenset({"su", "s.u.", "ph", "ph units", "ph unit", "std units", "standard units"})


def _unit_key(units: str) -> str:
    return re.sub(r"\s+", " ", units.strip()).casefold()


class UnitError(BadInput):
    """A result's unit cannot be converted to its NAL's unit (era-rules: the row is rejected, never used)."""

    code = "bad_unit"


@cache
def conversion_factor(units: str, nal_units: str) -> Decimal:
    """Factor turning a result in `units` into `nal_units` (era-rules "Which results count": ug/L -> mg/L
    divides by 1,000, ng/L by 1,000,000; pH in SU). Raises `UnitError` when there is none."""
    key = _unit_key(units)
    if nal_units == "SU":
        if key in _PH_UNITS:
            return Decimal(1)
    elif nal_units == "mg/L" and key in _MASS_PER_LITRE:
        return _MASS_PER_LITRE[key]
    raise UnitError(f"unit {units!r} cannot be converted to {nal_units}")

"""Synthetic SMARTS monitoring files, seeded and reproducible, for the Level engine's oracle test and benchmarks.

`write_monitoring` writes a raw SMARTS download (tab-separated) or the data.ca.gov portal CSV (comma-separated,
ISO dates, `NaN`/`NA`/empty results of non-detects) of FACILITIES facilities, each sampling a few of PARAMETERS
over YEARS reporting years. The rows carry what the engine must get right: non-detects, DNQ and `<` results,
ug/L to mg/L, non-qualifying and non-storm-water events, non-effluent locations, exact duplicate rows, rows the
parser rejects, REPORTING_YEAR disagreeing with the date, and (with `scatter`) facilities whose rows are not
contiguous. Only `random.Random(seed)`'s integer-seeded `random()`/`randrange()` are used: the same arguments
give the same bytes on every Python 3, so hashes of the engine's output over these files can be frozen.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from permitclock.intake.smarts import RAW_COLUMNS

Layout = Literal["smarts_raw", "data_ca_gov"]

PARAMETERS: tuple[tuple[str, str, float], ...] = (
    ("pH", "SU", 7.2),
    ("Total Suspended Solids (TSS)", "mg/L", 70.0),
    ("Oil and Grease", "mg/L", 9.0),
    ("Zinc, Total", "mg/L", 0.22),
    ("Copper, Total", "ug/L", 28.0),
    ("Iron, Total", "mg/L", 0.9),
    ("Lead Total", "mg/L", 0.15),
    ("Aluminum, Total Recoverable", "mg/L", 0.6),
    ("Chemical Oxygen Demand (COD)", "mg/L", 90.0),
    ("Nitrite Plus Nitrate (as N)", "mg/L", 0.55),
    ("Arsenic, Total", "ug/L", 90.0),
    ("Cadmium Total", "mg/L", 0.004),
    ("Nickel, Total (Recoverable)", "mg/L", 0.7),
    ("Mercury, Total", "mg/L", 0.001),
    ("Magnesium, Total", "mg/L", 0.05),
    ("Biochemical Oxygen Demand (BOD) (5-day @ 20 Deg. C)", "mg/L", 22.0),
    ("Ammonia Total (as N)", "mg/L", 1.6),
    ("Phosphorus Total (as P)", "mg/L", 1.4),
    ("Specific Conductance", "umhos/cm", 300.0),
    ("Nitrogen, Total", "mg/L", 2.0),
)
"""(name as SMARTS writes it, units, typical value): the first 18 have an NAL, the last two none."""

REJECTS = ("x", "future", "kg", "nan=")
"""Kinds of rejected row: unparseable RESULT, a date after the as-of date, an unconvertible unit, `NaN` with `=`."""


def wdid_of(index: int, facilities: int) -> str:
    """The WDID of facility `index`: regions 1-9 and counties in increasing order, so WDIDs sort by index."""
    region = 1 + index * 9 // facilities
    return f"{region} {index * 58 // facilities % 58 + 1:02d}I{index:06d}"


def monitoring_rows(
    facilities: int,
    *,
    parameters: int = 8,
    years: range = range(2014, 2020),
    events: int = 3,
    seed: int = 2014,
    scatter: float = 0.0,
    layout: Layout = "smarts_raw",
) -> Iterator[list[str]]:
    """The 27 fields of every row, facility by facility (then the scattered rows, when `scatter` > 0)."""
    rnd = random.Random(seed)
    late: list[list[str]] = []
    for index in range(facilities):
        wdid = wdid_of(index, facilities)
        names = [
            PARAMETERS[i]
            for i in sorted(rnd.sample(range(min(parameters, len(PARAMETERS))), k=max(1, parameters * 3 // 4)))
        ]
        for year in years:
            for event in range(1 + rnd.randrange(events)):
                rows = list(_event_rows(rnd, wdid, index, year, event, names, layout))
                if scatter and rnd.random() < scatter:
                    late.extend(rows)
                else:
                    yield from rows
    yield from late


def _event_rows(
    rnd: random.Random,
    wdid: str,
    index: int,
    year: int,
    event: int,
    names: list[tuple[str, str, float]],
    layout: Layout,
) -> Iterator[list[str]]:
    month = (7 + rnd.randrange(12) - 1) % 12 + 1
    day = 1 + rnd.randrange(28)
    calendar_year = year if month >= 7 else year + 1
    event_type = _pick(rnd, (0.8, "Qualifying Storm Event"), (0.1, "Non-Qualifying Storm Event"),
                       (0.1, "Non-Stormwater Discharge"))  # fmt: skip
    for location in ("DP-1", "DP-2")[: 1 + (rnd.random() < 0.3)]:
        location_type = "Effluent Monitoring" if rnd.random() < 0.95 else "Receiving Water"
        sample_id = f"{index:06d}{year % 100:02d}{event}{location[-1]}"
        for name, units, typical in names:
            reject = rnd.random() < 0.004
            kind = REJECTS[rnd.randrange(len(REJECTS))] if reject else ""
            qualifier, result = _result(rnd, name, typical, layout)
            if kind == "x":
                result = "x"
            elif kind == "nan=":
                qualifier, result = "=", "NaN"
            row_year = calendar_year + 40 if kind == "future" else calendar_year
            sample_date = (
                f"{row_year}-{month:02d}-{day:02d}" if layout == "data_ca_gov" else f"{month:02d}/{day:02d}/{row_year}"
            )
            stated_year = str(year if rnd.random() > 0.01 else year + 1)
            fields = [
                "Industrial", wdid, str(100000 + index), stated_year, str(900000 + index), event_type, location,
                location_type, "", "38.5", "-121.4", sample_id, sample_date, "10:00", sample_date, "08:00", name,
                qualifier, result, "kg" if kind == "kg" else units, "E200.7", "", "", "", "", "",
                "02-AUG-17 08.03.32.748000 AM",
            ]  # fmt: skip
            if layout == "data_ca_gov":
                fields = [field or "NA" for field in fields]
            yield fields
            if rnd.random() < 0.02:  # an exact duplicate row
                yield fields


def _result(rnd: random.Random, name: str, typical: float, layout: Layout) -> tuple[str, str]:
    """(RESULT_QUALIFIER, RESULT) of one result: mostly detected values spread around `typical`."""
    roll = rnd.random()
    value = typical * (0.8 + rnd.random()) if name == "pH" else typical * 2.2 * rnd.random() ** 2
    text = f"{value:.4g}"
    if name != "pH" and roll < 0.12:
        empty = ("NaN", "NA", "")[rnd.randrange(3)] if layout == "data_ca_gov" else ""
        return "ND", empty
    if name != "pH" and roll < 0.15:
        return "DNQ", text
    if name != "pH" and roll < 0.17:
        return "<", text
    return "=", text


def _pick(rnd: random.Random, *choices: tuple[float, str]) -> str:
    roll = rnd.random()
    for weight, value in choices:
        if roll < weight:
            return value
        roll -= weight
    return choices[-1][1]


def write_monitoring(path: Path, facilities: int, *, layout: Layout = "smarts_raw", **options: object) -> int:
    """Write the file (see `monitoring_rows` for `options`); returns the number of rows."""
    delimiter = "\t" if layout == "smarts_raw" else ","
    rows = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write(delimiter.join(RAW_COLUMNS) + "\n")
        for fields in monitoring_rows(facilities, layout=layout, **options):  # type: ignore[arg-type]
            if delimiter == ",":
                fields = [f'"{field}"' if "," in field else field for field in fields]
            out.write(delimiter.join(fields) + "\n")
            rows += 1
    return rows

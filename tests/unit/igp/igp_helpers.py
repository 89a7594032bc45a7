"""Builders shared by the IGP tests."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from permitclock.cli.levels import LevelsRun
from permitclock.domain.levels import Assignment
from permitclock.domain.samples import Sample
from permitclock.rules.igp.nals import conversion_factor, nal_for
from permitclock.rules.igp.years import reporting_year_of

from infra.sample_documents import RAW_HEADER, raw_file, raw_row  # noqa: F401  (re-exported for the IGP tests)

SHARED = Path(__file__).resolve().parents[4] / "shared/data/smarts"  # ../shared beside the checkout
REGION1 = SHARED / "region1_raw_smarts_sample/Region_1_-_North_Coast_-_Industrial_Ad_Hoc_Reports_-_Parameter_Data.txt"
REGION9 = SHARED / "region9_accessdb_export_2017/SMARTS_monitoring_data.txt"
REGION4_2018 = SHARED / "region4_level_status/SMARTS_Current_Level1_Level2_Pollutant_Search_R4_2018-12-14.csv"
AS_OF = date(2025, 11, 1)
WDID = "1 08I000001"

_counter = iter(range(1, 10**9))


def sample(
    parameter: str = "Zinc, Total",
    result: str | None = "0.1",
    day: date = date(2016, 11, 1),
    *,
    qualifier: str = "=",
    units: str | None = None,
    wdid: str = WDID,
    sample_id: str | None = None,
    location: str = "DP-1",
    location_type: str | None = "Effluent Monitoring",
    event_type: str | None = "Qualifying Storm Event",
) -> Sample:
    """A sample as the parser would build it (value converted to the NAL unit)."""
    nal = nal_for(parameter)
    if units is None:
        units = nal.units if nal else "mg/L"
    value = Decimal(result) if result is not None else None
    converted = value
    if nal is not None and value is not None:
        converted = value * conversion_factor(units, nal.units)
    line = next(_counter)
    return Sample(
        wdid=wdid,
        parameter=parameter,
        nal=nal.parameter if nal else None,
        sample_date=day,
        reporting_year=reporting_year_of(day),
        qualifier=qualifier,  # type: ignore[arg-type]
        result=value,
        units=units,
        value=converted,
        sample_id=sample_id if sample_id is not None else f"S{line}",
        location=location,
        location_type=location_type,
        event_type=event_type,
        file="test",
        line=line,
    )


def level_1_then_clean_file(folder: Path) -> Path:
    """A download where zinc and TSS exceed in 2016-2017 (Level 1 on July 1, 2017), then have four clean QSEs in
    2017-2018 (`permitclock levels --facts` and its deployed twin)."""
    tss = "Total Suspended Solids (TSS)"
    rows = [raw_row(result="0.5", sample_id="z0"), raw_row(tss, "900", sample_id="t0")]
    for n, day in enumerate(("11/01/2017", "12/01/2017", "01/10/2018", "02/10/2018"), start=1):
        rows.append(raw_row(result="0.05", sample_date=day, reporting_year="2017", sample_id=f"z{n}"))
        rows.append(raw_row(tss, "10", sample_date=day, reporting_year="2017", sample_id=f"t{n}"))
    path = folder / "levels.txt"
    path.write_text("\n".join([RAW_HEADER, *rows]) + "\n")
    return path


def return_facts_file(folder: Path) -> Path:
    """Facts for `level_1_then_clean_file`: zinc's Level 1 ERA Report and BMPs dated after its Level 1 began (so
    recorded before that change they are kept by it); TSS's dated before its Level 1 began (facts of the Baseline
    years: the change to Level 1 drops them); entry 3 is bad."""
    path = folder / "facts.json"
    path.write_text(json.dumps({"facts": [
        {"wdid": WDID, "parameter": "Zinc, Total", "level_1_report_submitted": "2017-12-20",
         "bmps_implemented": "2017-10-01"},
        {"wdid": WDID, "parameter": "Total Suspended Solids (TSS)", "level_1_report_submitted": "2017-06-01",
         "bmps_implemented": "2017-06-01"},
        {"wdid": WDID, "parameter": "Unobtainium"},
    ]}))  # fmt: skip
    return path


def assignment_json(a: Assignment) -> dict[str, Any]:
    """One assignment of the full rules in the shape `permitclock levels` prints it (the reference the streaming
    engine's output is checked against)."""
    e = a.evaluation
    return {
        "wdid": a.wdid,
        "parameter": a.parameter,
        "reporting_year": a.reporting_year,
        "assigned_on": a.assigned_on,
        "prior_level": a.prior_level,
        "level": a.level,
        "result_count": e.result_count,
        "annual_average": e.annual_average,
        "annual_nal": e.annual_nal,
        "annual_exceedance": e.annual_exceedance,
        "instantaneous_exceedance_count": e.instantaneous_exceedance_count,
        "instantaneous_exceedance": e.instantaneous_exceedance,
        "obligations": [{"type": o.type, "due": o.due} for o in a.obligations],
    }


def render(run: LevelsRun) -> dict[str, Any]:
    """The document `permitclock levels` prints, from the full rules' run (`dumps(render(run))`)."""
    return {
        "assignments": [assignment_json(a) for a in run.assignments],
        "rejected_rows": [{"file": r.file, "line": r.line, "reason": r.reason} for r in run.rejected],
    }

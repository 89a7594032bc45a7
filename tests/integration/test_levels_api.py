"""Levels with their evidence through the local stack: a real SMARTS download uploaded under monitoring/, the
July 1 schedule fired for each reporting year, then GET /facilities/{wdid}/levels must agree with
`permitclock levels` on the same file; another facility's levels are 404."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from permitclock.adapters.facilities import FacilityDirectory
from permitclock.adapters.reports import DynamoDbReportStore
from permitclock.cli.levels import compute_levels
from permitclock.domain.members import Member

from tests.integration.conftest import Stack
from tests.integration.test_annual_run import SCHEDULE, WORKER
from tests.integration.test_api import call
from tests.unit.igp.igp_helpers import assignment_json

SMARTS = Path(__file__).resolve().parents[3] / "shared/data/smarts/region1_raw_smarts_sample"
PARAMETER_DATA = SMARTS / "Region_1_-_North_Coast_-_Industrial_Ad_Hoc_Reports_-_Parameter_Data.txt"
WDIDS = ("1 08I004046", "1 08I015378")
AS_OF = date(2025, 11, 1)
YEARS = ("2015-2016", "2016-2017", "2017-2018")
"""The years run through the stack (each schedule fire takes seconds on moto); the CLI assigns every year in
order, so its first years are the same decisions."""
COMPARED = (
    "reporting_year", "assigned_on", "prior_level", "level", "result_count", "annual_average", "annual_nal",
    "annual_exceedance", "instantaneous_exceedance_count", "instantaneous_exceedance",
)  # fmt: skip


def _comparable(entry: dict[str, Any]) -> tuple[Any, ...]:
    """The compared fields, decimals as Decimal (the API gives strings, the CLI Decimals), dates as ISO text."""

    def value(name: str) -> Any:
        found = entry[name]
        if name in ("annual_average", "annual_nal") and found is not None:
            return Decimal(str(found))
        return str(found) if name == "assigned_on" else found

    return tuple(value(name) for name in COMPARED)


def test_levels_evidence_matches_permitclock_levels_on_the_same_file(local: Stack) -> None:
    store, directory = DynamoDbReportStore(local.table), FacilityDirectory(local.table)
    for wdid in WDIDS:
        directory.put_profile(wdid, f"Facility {wdid}")
        store.put_member(Member(wdid=wdid, user_id=f"lrp-{wdid}", role="LRP"))
    local.s3.put_object(Bucket=local.bucket, Key="monitoring/region1.txt", Body=PARAMETER_DATA.read_bytes())
    local.runner.drain(only={"MonitoringIntakeFunction"})
    for start in range(2015, 2015 + len(YEARS)):
        local.runner.fire(SCHEDULE, {"on": f"{start + 1}-07-01"})
        local.runner.drain(only=WORKER)

    offline = compute_levels([str(PARAMETER_DATA)], as_of=AS_OF)

    for wdid in WDIDS:
        status, body = call(local, "GET", f"/facilities/{wdid}/levels", as_user=f"lrp-{wdid}")
        assert status == 200
        api = {(p["parameter"], *_comparable(h)) for p in body["parameters"] for h in p["history"] if h["result_count"]}
        cli = {
            (a.parameter, *_comparable(assignment_json(a)))
            for a in offline.assignments
            if a.wdid == wdid and a.reporting_year in YEARS
        }
        assert api == cli and cli

    wdid = WDIDS[0]
    parameter = next(a.parameter for a in offline.assignments if a.wdid == wdid and a.evaluation.result_count > 1)
    year = next(a for a in offline.assignments if a.wdid == wdid and a.parameter == parameter)
    path = f"/facilities/{wdid}/levels/{quote(parameter)}/{year.reporting_year}"
    status, detail = call(local, "GET", path, as_user=f"lrp-{wdid}")
    assert status == 200
    assert [(r["sample_id"], r["line"]) for r in detail["results"]] == [
        (r.sample_id, r.line) for r in year.evaluation.results
    ]
    # another facility's members get 404 for this one's levels, whatever the path
    assert call(local, "GET", f"/facilities/{wdid}/levels", as_user=f"lrp-{WDIDS[1]}")[0] == 404
    assert call(local, "GET", path, as_user=f"lrp-{WDIDS[1]}")[0] == 404

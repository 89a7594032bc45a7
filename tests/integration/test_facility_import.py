"""Facilities from SMARTS through the local stack: the real statewide "Industrial Application Specific Data" file
uploaded under smarts/facilities/ -> S3 notification -> SmartsEventsQueue -> SmartsIntakeFunction updates the
profiles of the facilities an admin registered (POST /facilities), read back through GET /facilities; a
terminated facility's obligations are closed, and neither monitoring uploads nor July 1 open new ones; a re-upload
changes nothing; an object with `permitclock-register: true` registers the WDIDs it lists."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from permitclock.clock import FixedClock

from tests.integration.conftest import Stack
from tests.integration.test_api import admin_event, call
from tests.unit.igp.igp_helpers import RAW_HEADER, SHARED, raw_row

STATEWIDE = SHARED / "statewide_facilities_2019-03-12/Industrial_Application_Specific_Data_2019-03-12.csv"
pytestmark = [pytest.mark.stack, pytest.mark.skipif(not STATEWIDE.exists(), reason="../shared/data is not present")]

SONIC = "4 19I000033"  # Active since 02/10/1992
LANDFILL = "1 08I001442"  # Terminated, NOT effective 02/23/2015
DISMANTLING = "2 28I019282"  # two rows of one application: Terminated and Active, same NOI date
CONSULTANT = "consultant"
KEY = "smarts/facilities/Industrial_Application_Specific_Data_2019-03-12.csv"


def register(local: Stack, wdid: str) -> None:
    lrp = {"user_id": CONSULTANT, "email": "c@example.com", "name": "C", "title": "Consultant",
           "eauthorization_on_file": True}  # fmt: skip
    created = local.runner.invoke("ApiFunction", admin_event("POST", "/facilities", {"wdid": wdid, "name": wdid,
                                                                                     "lrp": lrp}))  # fmt: skip
    assert created["statusCode"] == 201, created["body"]


def monitoring(local: Stack, name: str, day: date, wdid: str) -> None:
    """A result of the year in progress: the monitoring intake opens the facility's sampling duties."""
    local.runner.use("MonitoringIntakeFunction", replace(local.runner.runtime, clock=FixedClock.on(day)))
    row = raw_row(wdid=wdid, sample_date=day.strftime("%m/%d/%Y"), reporting_year=str(day.year), sample_id=name)
    local.s3.put_object(Bucket=local.bucket, Key=f"monitoring/{name}.txt", Body=f"{RAW_HEADER}\n{row}\n".encode())
    local.runner.drain(only={"MonitoringIntakeFunction"})


def upload(local: Stack, key: str, body: bytes, metadata: dict[str, str] | None = None) -> dict[str, Any]:
    version = local.s3.put_object(Bucket=local.bucket, Key=key, Body=body, Metadata=metadata or {})["VersionId"]
    local.runner.drain(only={"SmartsIntakeFunction"})
    [record] = local.items(f"UPLOAD#{local.bucket}/{key}", f"V#{version}")
    return record


def portfolio(local: Stack) -> dict[str, dict[str, Any]]:
    status, body = call(local, "GET", "/facilities", as_user=CONSULTANT)
    assert status == 200, body
    return {f["wdid"]: f for f in body["facilities"]}


def obligations(local: Stack, wdid: str) -> list[dict[str, Any]]:
    status, body = call(local, "GET", f"/facilities/{wdid}/obligations", as_user=CONSULTANT)
    assert status == 200, body
    return list(body["obligations"])


def test_the_statewide_file_updates_registered_facilities_and_ends_a_terminated_ones_duties(local: Stack) -> None:
    for wdid in (SONIC, LANDFILL, DISMANTLING):
        register(local, wdid)
    monitoring(local, "before", date(2025, 10, 20), LANDFILL)
    assert {o["status"] for o in obligations(local, LANDFILL)} == {"open"}  # the two half-year sampling duties

    record = upload(local, KEY, STATEWIDE.read_bytes())

    assert record["status"] == "processed" and record["register"] is False
    assert (record["facilities"], record["updated"], record["registered"]) == (3, 3, 0)
    assert (record["rows_rejected"], record["obligations_closed"]) == (11, 2)
    assert record["error_report_key"] == KEY + ".errors.csv"
    shown = portfolio(local)
    assert {w: (f["name"], f["coverage_status"]) for w, f in shown.items()} == {
        SONIC: ("Sonic Plating Co", "Active"),
        LANDFILL: ("Crescent City Landfill", "Terminated"),
        DISMANTLING: ("California Auto Dismantling Inc", "Active"),
    }
    [profile] = local.items(f"FAC#{LANDFILL}", "PROFILE")
    assert (profile["operator"], profile["county"], profile["region"]) == (
        "Del Norte Solid Waste Management Authority", "Del Norte", "1",
    )  # fmt: skip
    assert (profile["noi_processed_date"], profile["not_effective_date"]) == ("1992-03-27", "2015-02-23")
    assert profile["sic_codes"] == ["4953-Refuse Systems"] and profile["address"].startswith("End Of Hights")
    closed = obligations(local, LANDFILL)
    assert {(o["status"], o["facts"]["closed_reason"]) for o in closed} == {("closed", "coverage_terminated")}

    monitoring(local, "after", date(2026, 3, 2), LANDFILL)  # a later result opens nothing for a terminated facility
    assert [o["status"] for o in obligations(local, LANDFILL)] == ["closed", "closed"]
    monitoring(local, "active", date(2026, 3, 2), SONIC)
    assert {o["status"] for o in obligations(local, SONIC)} == {"open"}
    local.runner.fire("AnnualPlannerFunctionAnnualLevelAssignment", {"on": "2026-07-01"})
    local.runner.drain(only={"LevelWorkerFunction"})  # July 1 opens the Annual Report of the covered ones only
    assert "Annual Report" in {o["type"] for o in obligations(local, SONIC)}
    assert [o["status"] for o in obligations(local, LANDFILL)] == ["closed", "closed"]

    again = upload(local, "smarts/facilities/again.csv", STATEWIDE.read_bytes())
    assert (again["updated"], again["unchanged"], again["obligations_closed"]) == (0, 3, 0)


def test_register_metadata_registers_the_wdids_a_file_lists(local: Stack) -> None:
    register(local, SONIC)
    header, *rows = STATEWIDE.read_text().splitlines()
    picked = [r for r in rows if f",{LANDFILL}," in r or f",{SONIC}," in r]
    body = "\n".join([header, *picked, ""]).encode()
    record = upload(local, "smarts/facilities/mine.csv", body, {"permitclock-register": "true"})
    assert (record["register"], record["registered"], record["updated"]) == (True, 1, 1)
    [profile] = local.items(f"FAC#{LANDFILL}", "PROFILE")
    assert (profile["name"], profile["gsi1pk"], profile["gsi1sk"]) == ("Crescent City Landfill", "FACILITY", LANDFILL)

"""A SMARTS "Industrial Annual Reports" download uploaded under smarts/annual-reports/ through the local stack: S3
notification -> SmartsEventsQueue -> SmartsIntakeFunction -> the registered facility's Annual Report obligations of
the years SMARTS shows certified are closed, with who and the SMARTS report id, as GET .../obligations shows. The
facility is created and its Annual Report opened through the deployed paths only (POST /facilities, July 1)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from permitclock.clock import FixedClock

from tests.integration.conftest import Stack
from tests.integration.test_api import admin_event, call
from tests.unit.igp.igp_helpers import SHARED

pytestmark = [pytest.mark.stack]

SAMPLE = SHARED / "region1_raw_smarts_sample/Region_1_-_North_Coast_-_Industrial_Annual_Reports.txt"
needs_sample = pytest.mark.skipif(not SAMPLE.exists(), reason="../shared/data is not present")
WDID = "1 23I001437"  # in the download: 2015-2016 to 2023-2024 certified (2023-2024 on March 19, 2025)
LRP = "lrp-annual"
ANNUAL_2023 = f"igp:{WDID}:facility:Annual Report:2023-2024"
ANNUAL_2024 = f"igp:{WDID}:facility:Annual Report:2024-2025"


def facility_with_annual_reports(local: Stack) -> None:
    """The facility created by an admin, then the July 1, 2024 and 2025 runs open its Annual Reports of
    2023-2024 and 2024-2025 (the download shows the first certified, not the second)."""
    body = {"wdid": WDID, "name": "Trucking yard", "lrp": {"user_id": LRP, "email": "lrp@yard.example",
            "name": "Lee Park", "title": "Owner", "eauthorization_on_file": True}}  # fmt: skip
    created = local.runner.invoke("ApiFunction", admin_event("POST", "/facilities", body))
    assert created["statusCode"] == 201, created["body"]
    for on in ("2024-07-01", "2025-07-01"):
        local.runner.fire("AnnualPlannerFunctionAnnualLevelAssignment", {"on": on})
        local.runner.drain(only={"LevelWorkerFunction"})
    local.runner.use("SmartsIntakeFunction", replace(local.runner.runtime, clock=FixedClock.on(date(2025, 8, 1))))


def upload(local: Stack, body: bytes, key: str) -> dict[str, Any]:
    version = local.s3.put_object(Bucket=local.bucket, Key=key, Body=body)["VersionId"]
    local.runner.drain(only={"SmartsIntakeFunction"})
    [record] = local.items(f"UPLOAD#{local.bucket}/{key}", f"V#{version}")
    return record


def obligations(local: Stack) -> dict[str, dict[str, Any]]:
    status, listed = call(local, "GET", f"/facilities/{WDID}/obligations", as_user=LRP)
    assert status == 200
    return {f"igp:{WDID}:{o['subject']}:{o['type']}:{o['period']}": o for o in listed["obligations"]}


@needs_sample
def test_the_download_closes_the_certified_annual_report_once(local: Stack, tmp_path: Path) -> None:
    facility_with_annual_reports(local)
    assert {obligations(local)[i]["status"] for i in (ANNUAL_2023, ANNUAL_2024)} == {"open"}

    body = SAMPLE.read_bytes() + b"1\t2\t3\n"  # a broken last record (line 101)
    record = upload(local, body, "smarts/annual-reports/Region 1 annual reports.txt")
    assert record["status"] == "processed" and record["layout"] == "smarts_annual_reports"
    assert (record["records"], record["closed"], record["rejected"]) == (98, 1, 1)
    assert record["not_registered"] == 98 - 9 and record["not_tracked"] == 8  # 2015-2016 .. 2022-2023: never opened
    report = local.s3.get_object(Bucket=local.bucket, Key=record["error_report_key"])["Body"].read().decode()
    assert report.splitlines()[1].startswith("101,malformed record")

    listed = obligations(local)
    closed = listed[ANNUAL_2023]
    assert closed["status"] == "closed" and listed[ANNUAL_2024]["status"] == "open"
    assert closed["facts"]["closed_on"] == "2025-03-19" and closed["facts"]["completion_reference"] == "1244322"
    assert closed["facts"]["completed_by"] == "smarts-annual-reports"
    [history] = local.items(f"FAC#{WDID}", f"OBLHIST#{ANNUAL_2023}#")
    assert (history["actor_user_id"], history["reference"]) == ("smarts-annual-reports", "1244322")
    [item] = local.items(f"FAC#{WDID}", f"OBL#{ANNUAL_2023}")
    assert "gsi2pk" not in item  # off the due index: the sweep never reminds of it

    again = upload(local, SAMPLE.read_bytes(), "smarts/annual-reports/again.txt")
    assert (again["closed"], again["already_closed"]) == (0, 1)
    assert len(local.items(f"FAC#{WDID}", f"OBLHIST#{ANNUAL_2023}#")) == 1


def test_a_file_that_is_not_a_download_is_recorded_failed(local: Stack) -> None:
    record = upload(local, b"WDID,Parameter\n1 23I001437,pH\n", "smarts/annual-reports/x.csv")
    assert record["status"] == "failed" and "missing columns REPORT_ID" in record["error"]

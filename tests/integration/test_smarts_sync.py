"""The SMARTS sync through the local stack against a CKAN emulator serving the real Region 1 files: the schedule
fetches every registered facility page by page into monitoring/sync/ and smarts/facilities/sync/, the monitoring
intake stores the samples and the SMARTS intake updates the facility profiles from the application pages; a portal
error midway is retried, one that persists is reported and loses nothing
fetched; a rerun stores nothing new."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import boto3
import pytest
from moto import mock_aws
from permitclock.adapters.facilities import FacilityDirectory

from infra.local_stack import REGION, provision
from infra.runner import LocalRunner
from tests.ckan_emulator import Emulator, serving, tab_records
from tests.integration.conftest import Stack
from tests.unit.igp.igp_helpers import REGION1

pytestmark = [pytest.mark.stack, pytest.mark.skipif(not REGION1.exists(), reason="../shared/data is not present")]

PARAMETERS = "7871e8fe-576d-4940-acdf-eca0b399c1aa"
FACILITIES = "33e69394-83ec-4872-b644-b9f494de1824"
COMPLETE = "1 08I004046"  # 90 results: four pages of 25
CUT_SHORT = "1 08I015378"  # 9 results: one page
SYNC = "SmartsSyncFunctionDailySync"
APPLICATIONS = REGION1.with_name("Region_1_-_North_Coast_-_Industrial_Application_Specific_Data.txt")


@pytest.fixture
def portal() -> Iterator[Emulator]:
    emulator = Emulator(resources={PARAMETERS: tab_records(REGION1), FACILITIES: tab_records(APPLICATIONS)})
    with serving(emulator) as running:
        yield running


@pytest.fixture
def synced(portal: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Stack, list[float]]]:
    monkeypatch.setenv("SMARTS_PAGE_SIZE", "25")
    with mock_aws():
        stack = provision({"SmartsPortalUrl": portal.url})
        local = Stack(
            stack=stack,
            runner=LocalRunner(stack),
            s3=boto3.client("s3", region_name=REGION),
            sqs=boto3.client("sqs", region_name=REGION),
            table=boto3.resource("dynamodb", region_name=REGION).Table(stack.table),
        )
        slept: list[float] = []
        local.runner.use("SmartsSyncFunction", replace(local.runner.runtime, sleep=slept.append))
        directory = FacilityDirectory(local.table)
        for wdid in (COMPLETE, CUT_SHORT):
            directory.put_profile(wdid, f"Facility {wdid}")
        yield local, slept


def keys(local: Stack, prefix: str) -> list[str]:
    listed = local.s3.list_objects_v2(Bucket=local.bucket, Prefix=prefix).get("Contents", [])
    return sorted(o["Key"] for o in listed)


def test_sync_pages_retries_reports_and_stores_nothing_twice(
    synced: tuple[Stack, list[float]], portal: Emulator
) -> None:
    local, slept = synced
    portal.failures[(PARAMETERS, COMPLETE, 50)] = [503]  # midway: the third page fails once
    portal.failures[(FACILITIES, CUT_SHORT, 0)] = [500] * 10  # persists past the retries

    first = local.runner.fire(SYNC)

    assert (first["facilities"], first["pages"], first["written"], first["existing"]) == (2, 6, 6, 0)
    assert first["records"] == 90 + 9 + 4  # COMPLETE's results and its four application rows, CUT_SHORT's results
    [error] = first["errors"]
    assert (error["wdid"], error["resource_id"], error["offset"], error["attempts"]) == (CUT_SHORT, FACILITIES, 0, 5)
    assert "HTTP 500" in error["error"] and len(slept) == 1 + 4
    offsets = [r["offset"] for r in portal.requests if r["resource_id"] == PARAMETERS and r["wdid"] == COMPLETE]
    assert offsets == [0, 25, 50, 50, 75]
    assert len(keys(local, "monitoring/sync/1_08I004046/")) == 4 and len(keys(local, "smarts/facilities/sync/")) == 1

    local.runner.drain(only={"MonitoringIntakeFunction"})
    assert len(local.items(f"FAC#{COMPLETE}", "SAMPLE#")) == 90 and len(local.items(f"FAC#{CUT_SHORT}", "SAMPLE#")) == 9

    local.runner.drain(only={"SmartsIntakeFunction"})
    [profile] = local.items(f"FAC#{COMPLETE}", "PROFILE")
    assert (profile["name"], profile["coverage_status"]) == ("Hambro Forest Products", "Active")  # 3 of 4 rows

    portal.failures.clear()
    second = local.runner.fire(SYNC)  # the portal is well again: only the page that failed is new
    assert (second["written"], second["existing"], second["errors"]) == (1, 6, [])
    local.runner.drain(only={"SmartsIntakeFunction"})
    [profile] = local.items(f"FAC#{CUT_SHORT}", "PROFILE")
    assert (profile["name"], profile["coverage_status"], profile["not_effective_date"]) == (
        "A 1 Auto Wreckers", "Terminated", "2025-04-19",
    )  # fmt: skip
    third = local.runner.fire(SYNC)
    assert (third["written"], third["existing"]) == (0, 7)
    local.runner.drain(only={"MonitoringIntakeFunction"})
    assert len(keys(local, "monitoring/sync/")) == 5  # the monitoring objects were written once each

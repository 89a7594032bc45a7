"""Sampling duties through the local stack: monitoring uploads of the year in progress open the two half-year
duties (IGP XI.B.2) with their progress, close one when its second QSE arrives, and the sweep reminds the open
one."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from permitclock.adapters.facilities import FacilityDirectory
from permitclock.clock import FixedClock
from permitclock.domain.members import Member

from tests.integration.conftest import Stack
from tests.unit.igp.igp_helpers import RAW_HEADER, raw_row

pytestmark = pytest.mark.stack

WDID = "4 19I000033"
INTAKE = "MonitoringIntakeFunction"
H1 = "QSE Sampling (July-December)"


def upload(local: Stack, name: str, day: date, *rows: str) -> None:
    local.runner.use(INTAKE, replace(local.runner.runtime, clock=FixedClock.on(day)))
    body = ("\n".join([RAW_HEADER, *rows]) + "\n").encode()
    local.s3.put_object(Bucket=local.bucket, Key=f"monitoring/{name}", Body=body)
    local.runner.drain(only={INTAKE})


def duties(local: Stack) -> dict[str, dict]:  # type: ignore[type-arg]
    return {i["type"]: i for i in local.items(f"FAC#{WDID}", "OBL#") if i["type"].startswith("QSE Sampling")}


def test_duties_follow_the_uploaded_samples_and_are_reminded(local: Stack) -> None:
    directory = FacilityDirectory(local.table)
    directory.put_profile(WDID, "Sonic Plating Co")
    directory.put_member(Member(wdid=WDID, user_id="lrp", role="LRP", email="lrp@sonic.example"))
    row = {"wdid": WDID, "reporting_year": "2025"}
    upload(local, "oct.txt", date(2025, 10, 20), raw_row(sample_date="10/15/2025", sample_id="1", **row))
    found = duties(local)
    assert found[H1]["status"] == "open" and found[H1]["facts"]["progress"] == (
        "1 of 2 sampled, the half-year ends December 31"
    )
    assert found["QSE Sampling (January-June)"]["facts"]["sampled"] == 0

    reminded = local.runner.fire("DeadlineSweepFunctionDailySweep", {"on": "2025-12-24"})
    local.runner.drain(only={"NotifierFunction"})
    assert reminded["reminders"] == 1  # the July-December duty, due in 7 days

    upload(local, "nov.txt", date(2025, 11, 20), raw_row(sample_date="11/15/2025", sample_id="2", **row))
    assert duties(local)[H1]["status"] == "closed"
    assert duties(local)[H1]["facts"]["progress"] == "2 of 2 sampled, the half-year ends December 31"

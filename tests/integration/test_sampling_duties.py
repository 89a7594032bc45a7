"""Sampling duties through the local stack: the July 1 schedule opens the two half-year duties (IGP XI.B.2) of every
registered facility, monitoring uploads of the year in progress open them too and carry their progress, the
second QSE of a half closes its duty, and the sweep reminds the open one."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from permitclock.adapters.facilities import FacilityDirectory
from permitclock.clock import FixedClock
from permitclock.domain.members import Member

from infra.sent_mail import sent_emails
from tests.integration.conftest import Stack
from tests.integration.test_api import admin_event
from tests.unit.igp.igp_helpers import RAW_HEADER, raw_row

pytestmark = pytest.mark.stack

WDID = "4 19I000033"
INTAKE = "MonitoringIntakeFunction"
H1 = "QSE Sampling (July-December)"
H2 = "QSE Sampling (January-June)"
QUIET = "4 19I000044"  # registered, uploads nothing before its QSEs of the autumn


def upload(local: Stack, name: str, day: date, *rows: str) -> None:
    local.runner.use(INTAKE, replace(local.runner.runtime, clock=FixedClock.on(day)))
    body = ("\n".join([RAW_HEADER, *rows]) + "\n").encode()
    local.s3.put_object(Bucket=local.bucket, Key=f"monitoring/{name}", Body=body)
    local.runner.drain(only={INTAKE})


def duties(local: Stack, wdid: str = WDID) -> dict[str, dict]:  # type: ignore[type-arg]
    return {i["type"]: i for i in local.items(f"FAC#{wdid}", "OBL#") if i["type"].startswith("QSE Sampling")}


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


def test_july_1_opens_the_duties_of_a_facility_that_uploaded_nothing(local: Stack) -> None:
    # GIVEN a facility an administrator registered, with its LRP, and not one upload
    lrp = {"user_id": "lrp-q", "email": "lrp@quiet.example", "name": "Q. Lrp", "title": "Plant Manager",
           "eauthorization_on_file": True}  # fmt: skip
    created = local.runner.invoke(
        "ApiFunction", admin_event("POST", "/facilities", {"wdid": QUIET, "name": "Quiet Yard", "lrp": lrp})
    )
    assert created["statusCode"] == 201, created["body"]

    # WHEN the July 1, 2025 schedule runs (and runs again: a rerun of the day)
    for _ in range(2):
        local.runner.fire("AnnualPlannerFunctionAnnualLevelAssignment", {"on": "2025-07-01"})
        local.runner.drain(only={"LevelWorkerFunction", "NotifierFunction"})

    # THEN both half-years of 2025-2026 are open, nothing sampled, each written once
    found = duties(local, QUIET)
    assert {t: (d["period"], d["status"], d["facts"]["progress"]) for t, d in found.items()} == {
        H1: ("2025-2026 July-December", "open", "0 of 2 sampled, the half-year ends December 31"),
        H2: ("2025-2026 January-June", "open", "0 of 2 sampled, the half-year ends June 30"),
    }
    assert found[H1]["ics_sequence"] == 0
    # AND the sweep a week before December 31 reminds the LRP of the half-year
    local.runner.fire("DeadlineSweepFunctionDailySweep", {"on": "2025-12-24"})
    local.runner.drain(only={"NotifierFunction"})
    reminded = [m for m in sent_emails() if m.to == ("lrp@quiet.example",) and "due in 7 days" in m.subject]
    assert len(reminded) == 1 and "Quiet Yard" in reminded[0].subject

    # AND a later upload of two QSEs of the autumn closes the July-December duty only
    row = {"wdid": QUIET, "reporting_year": "2025"}
    upload(local, "quiet.txt", date(2025, 11, 20), raw_row(sample_date="10/15/2025", sample_id="q1", **row),
           raw_row(sample_date="11/15/2025", sample_id="q2", location="DP-2", **row))  # fmt: skip
    found = duties(local, QUIET)
    assert (found[H1]["status"], found[H1]["facts"]["progress"]) == (
        "closed", "2 of 2 sampled, the half-year ends December 31")  # fmt: skip
    assert [q["date"] for q in found[H1]["facts"]["qses"]] == ["2025-10-15", "2025-11-15"]
    assert (found[H2]["status"], found[H2]["facts"]["sampled"]) == ("open", 0)

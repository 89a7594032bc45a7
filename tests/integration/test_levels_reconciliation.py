"""A SMARTS Level export uploaded under smarts/levels/ through the local stack: S3 notification ->
SmartsEventsQueue -> SmartsIntakeFunction -> disagreements stored per facility parameter, one email to the LRP
(notices queue -> notifier -> SES), none again for the same disagreements; a WDID outside the export's region is
never compared."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from permitclock.adapters.facilities import FacilityDirectory
from permitclock.adapters.level_disagreements import LevelDisagreements
from permitclock.domain.members import Member

from infra.sent_mail import sent_emails
from tests.integration.conftest import Stack
from tests.unit.igp.igp_helpers import RAW_HEADER, REGION4_2018, raw_row

pytestmark = [
    pytest.mark.stack,
    pytest.mark.skipif(not REGION4_2018.exists(), reason="../shared/data is not present"),
]

REGION4_2019 = REGION4_2018.with_name("SMARTS_Current_Level1_Level2_Pollutant_Search_R4_2019-12-04.csv")
SONIC = "4 19I000033"  # 2018 export: copper, zinc, nitrite plus nitrate at Level 1
NEW_IN_4 = "4 19I999991"  # Region 4, not in the export: SMARTS Baseline
OUTSIDE = "9 37I000001"  # Region 9: the export says nothing about it
LRP_EMAIL = "lrp@sonic.example"
INTAKE = {"SmartsIntakeFunction"}
MAIL = {"NotifierFunction"}


def zinc(wdid: str, value: str) -> list[str]:
    return [raw_row(wdid=wdid, result=value, sample_id=f"{wdid}-{n}") for n in (1, 2)]  # 2016-2017 zinc


def levels_from_monitoring(local: Stack) -> None:
    """Levels through the production path: monitoring upload, registered facilities, the July 1, 2017 run."""
    rows = [*zinc(SONIC, "0.5"), *zinc(NEW_IN_4, "0.5"), *zinc(OUTSIDE, "0.5")]
    body = ("\n".join([RAW_HEADER, *rows]) + "\n").encode()
    directory = FacilityDirectory(local.table)
    for wdid in (SONIC, NEW_IN_4, OUTSIDE):
        directory.put_profile(wdid, f"Facility {wdid}")
    local.s3.put_object(Bucket=local.bucket, Key="monitoring/2016-2017.txt", Body=body)
    local.runner.drain(only={"MonitoringIntakeFunction"})
    directory.put_member(Member(wdid=SONIC, user_id="lrp-sonic", role="LRP", email=LRP_EMAIL))
    directory.put_member(Member(wdid=SONIC, user_id="qisp-sonic", role="QISP", email="q@sonic.example"))
    local.runner.fire("AnnualPlannerFunctionAnnualLevelAssignment", {"on": "2017-07-01"})
    local.runner.drain(only={"LevelWorkerFunction"})


def upload(local: Stack, path: Path, key: str) -> dict[str, Any]:
    version = local.s3.put_object(Bucket=local.bucket, Key=key, Body=path.read_bytes())["VersionId"]
    local.runner.drain(only=INTAKE)
    local.runner.drain(only=MAIL)
    [record] = local.items(f"UPLOAD#{local.bucket}/{key}", f"V#{version}")
    return record


def open_disagreements(local: Stack, wdid: str) -> dict[str, tuple[str, str]]:
    return {
        d.parameter: (d.smarts_level, d.permitclock_level)
        for d in LevelDisagreements(local.table).for_facility(wdid)
        if d.status == "open"
    }


def test_an_export_is_reconciled_stored_and_emailed_once(local: Stack) -> None:
    levels_from_monitoring(local)
    record = upload(local, REGION4_2018, "smarts/levels/R4_2018-12-14.csv")
    assert record["status"] == "processed" and record["compared_facilities"] == 2
    assert record["rows_skipped"] == 2 and record["error_report_key"] == "smarts/levels/R4_2018-12-14.csv.errors.csv"
    assert open_disagreements(local, SONIC) == {
        "Copper, Total (Recoverable)": ("Level 1", "Baseline"),
        "Nitrite Plus Nitrate (as N)": ("Level 1", "Baseline"),
    }  # zinc is Level 1 on both sides
    assert open_disagreements(local, NEW_IN_4) == {"Zinc, Total (Recoverable)": ("Baseline", "Level 1")}
    assert open_disagreements(local, OUTSIDE) == {}  # Region 9: not compared, though permitclock has Level 1
    [mail] = [m for m in sent_emails() if LRP_EMAIL in m.to]
    assert "disagree on 2 Levels" in mail.subject
    assert "Copper, Total (Recoverable): SMARTS Level 1, permitclock Baseline" in mail.part("plain")
    assert all("q@sonic.example" not in m.to for m in sent_emails())  # the LRP's email

    again = upload(local, REGION4_2018, "smarts/levels/R4_2018-12-14 copy.csv")
    assert (again["new"], again["notices"]) == (0, 0)
    assert len([m for m in sent_emails() if LRP_EMAIL in m.to]) == 1


def test_a_later_export_resolves_and_reports_only_what_is_new(local: Stack, tmp_path: Path) -> None:
    levels_from_monitoring(local)
    upload(local, REGION4_2018, "smarts/levels/R4_2018-12-14.csv")
    header, *rows = REGION4_2018.read_text(encoding="utf-8-sig").splitlines()
    sonic_zinc = next(r for r in rows if r.startswith(f'{SONIC},"Zinc'))
    others = [r for r in rows if not r.startswith(SONIC)]  # copper and nitrite plus nitrate gone: Baseline
    later = tmp_path / "later.csv"
    later.write_text("\n".join([header, sonic_zinc.replace("Level 1", "Level 2"), *others]) + "\n")
    record = upload(local, later, "smarts/levels/R4_later.csv")
    stored = {d.parameter: d for d in LevelDisagreements(local.table).for_facility(SONIC)}
    assert (record["new"], record["resolved"], record["notices"]) == (1, 2, 1)
    assert stored["Copper, Total (Recoverable)"].status == "resolved"
    assert stored["Copper, Total (Recoverable)"].export_key == "smarts/levels/R4_later.csv"
    assert open_disagreements(local, SONIC) == {"Zinc, Total (Recoverable)": ("Level 2", "Level 1")}
    _, second = [m for m in sent_emails() if LRP_EMAIL in m.to]
    assert "disagree on 1 Level:" in second.subject and "Copper" not in second.part("plain")


def test_a_file_that_is_not_an_export_is_rejected_on_its_record(local: Stack, tmp_path: Path) -> None:
    bad = tmp_path / "x.csv"
    bad.write_text("WDID,Parameter\n4 19I000033,pH\n")
    record = upload(local, bad, "smarts/levels/x.csv")
    assert record["status"] == "failed" and "missing columns Pollutant, Level" in record["error"]

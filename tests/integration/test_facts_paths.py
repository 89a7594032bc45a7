"""The same return-to-Baseline facts file, applied offline (`permitclock levels --facts`) and uploaded under
monitoring/facts/ on the local stack before the July 1 runs (facility created with POST /facilities, the
monitoring download uploaded, the schedules fired), gives the same statuses: the levels, the dates they began and
every fact recorded (GET /facilities/{wdid}/levels)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from permitclock.api.levels import STATUS_FACTS
from permitclock.cli.levels import compute_levels, read_facts_files

from tests.integration.conftest import Stack
from tests.integration.test_api import admin_event, call
from tests.unit.igp.igp_helpers import level_1_then_clean_file, return_facts_file

pytestmark = [pytest.mark.stack]

WDID = "1 08I000001"
LRP = "lrp-facts"


def deployed(local: Stack, monitoring: Path, facts: Path) -> dict[str, dict[str, Any]]:
    body = {"wdid": WDID, "name": "Facts yard", "lrp": {"user_id": LRP, "email": "lrp@facts.example",
            "name": "Lee", "title": "Owner", "eauthorization_on_file": True}}  # fmt: skip
    assert local.runner.invoke("ApiFunction", admin_event("POST", "/facilities", body))["statusCode"] == 201
    local.s3.put_object(Bucket=local.bucket, Key="monitoring/levels.txt", Body=monitoring.read_bytes())
    local.s3.put_object(Bucket=local.bucket, Key="monitoring/facts/facts.json", Body=facts.read_bytes())
    local.runner.drain(only={"MonitoringIntakeFunction"})
    for on in ("2017-07-01", "2018-07-01"):
        local.runner.fire("AnnualPlannerFunctionAnnualLevelAssignment", {"on": on})
        local.runner.drain(only={"LevelWorkerFunction"})
    status, levels = call(local, "GET", f"/facilities/{WDID}/levels", as_user=LRP)
    assert status == 200
    return {p["parameter"]: {"level": p["level"], "since": p["since"], **p["facts"]} for p in levels["parameters"]}


def offline(monitoring: Path, facts: Path) -> dict[str, dict[str, Any]]:
    entries, rejected = read_facts_files([str(facts)])
    assert [r.line for r in rejected] == [3]
    run = compute_levels([str(monitoring)], as_of=date(2018, 7, 1), facts=entries)
    fields = set(STATUS_FACTS)
    return {
        name: {"level": s.level, "since": s.since and s.since.isoformat(), **s.model_dump(mode="json", include=fields)}
        for name, s in run.final_statuses[WDID].items()
    }


def test_offline_and_deployed_facts_give_equal_statuses(local: Stack, tmp_path: Path) -> None:
    monitoring, facts = level_1_then_clean_file(tmp_path), return_facts_file(tmp_path)
    on_stack = deployed(local, monitoring, facts)
    assert on_stack == offline(monitoring, facts)
    zinc, tss = on_stack["Zinc, Total (Recoverable)"], on_stack["Total Suspended Solids (TSS)"]
    assert (zinc["level"], zinc["since"], zinc["level_1_report_submitted"]) == ("Baseline", "2018-07-01", None)
    assert (tss["level"], tss["since"], tss["level_1_report_submitted"]) == ("Level 1", "2017-07-01", None)
    assert json.loads(facts.read_text())["facts"][0]["level_1_report_submitted"] == "2017-12-20"

"""The July 1 annual run through the local stack: schedule -> planner -> level work queue -> workers -> statuses,
history, obligations and the run summary; reruns, duplicates, crashes and dry runs."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import boto3
import pytest
from permitclock.adapters.facilities import FacilityDirectory
from permitclock.bootstrap import Aws
from permitclock.services.annual_run import LevelWorker

from infra.local_stack import REGION
from tests.integration.conftest import Stack
from tests.unit.igp.igp_helpers import RAW_HEADER, raw_row

SCHEDULE = "AnnualPlannerFunctionAnnualLevelAssignment"
WORKER = {"LevelWorkerFunction"}
LEVEL_1 = "1 08I000001"  # zinc averages 0.5 mg/L in 2024-2025 (annual NAL 0.26)
CLEAN = "1 08I000002"
ZINC = "Zinc, Total (Recoverable)"


def _load(local: Stack, wdids: list[str] = [LEVEL_1, CLEAN]) -> None:  # noqa: B006 - never mutated
    rows = [
        raw_row(wdid=LEVEL_1, result="0.5", sample_date="11/03/2024", reporting_year="2024", sample_id="a1"),
        raw_row(wdid=LEVEL_1, result="0.5", sample_date="01/15/2025", reporting_year="2024", sample_id="a2"),
        raw_row(wdid=CLEAN, result="0.05", sample_date="11/03/2024", reporting_year="2024", sample_id="b1"),
        raw_row(wdid=CLEAN, parameter="pH", units="SU", result="7.1", sample_date="11/03/2024",
                reporting_year="2024", sample_id="b1"),
    ]  # fmt: skip
    body = ("\n".join([RAW_HEADER, *rows]) + "\n").encode()
    directory = FacilityDirectory(local.table)
    for wdid in wdids:
        directory.put_profile(wdid, f"Facility {wdid}")
    local.s3.put_object(Bucket=local.bucket, Key="monitoring/2024-2025.txt", Body=body)
    local.runner.drain(only={"MonitoringIntakeFunction"})


def _run(local: Stack, on: str = "2025-07-01", **extra: Any) -> dict[str, Any]:
    fired = local.runner.fire(SCHEDULE, {"on": on, **extra})
    local.runner.drain(only=WORKER)
    [summary] = local.items("RUN#annual", fired["run_id"])
    return summary


def _statuses(local: Stack, wdid: str, parameter: str) -> list[dict[str, Any]]:
    return [i for i in local.items(f"FAC#{wdid}", f"STATUS#{parameter}") if i["item_type"] == "status"]


def _facility_state(local: Stack) -> list[dict[str, Any]]:
    """Every item of the facilities except samples and profiles (what a run may write)."""
    items = [*local.items(f"FAC#{LEVEL_1}"), *local.items(f"FAC#{CLEAN}")]
    return sorted(
        (i for i in items if i.get("item_type") not in ("sample", None) or i["sk"].startswith("OBL#")),
        key=lambda i: (i["pk"], i["sk"]),
    )


def test_schedule_assigns_levels_opens_obligations_and_a_rerun_or_duplicate_changes_nothing(local: Stack) -> None:
    spec = local.stack.schedules[SCHEDULE]
    assert (spec.expression, spec.timezone, spec.input) == (
        "cron(0 6 1 7 ? *)",
        "America/Los_Angeles",
        {"job": "annual"},
    )
    _load(local)

    summary = _run(local)

    assert summary["reporting_year"] == "2024-2025"
    assert (summary["facilities_planned"], summary["facilities_evaluated"]) == (2, 2)
    assert summary["change_baseline_to_level_1"] == 1
    [status] = _statuses(local, LEVEL_1, ZINC)
    assert status["item_type"] == "status"
    assert (status["level"], status["since"], status["last_assigned_year"]) == ("Level 1", "2025-07-01", "2024-2025")
    [history] = local.items(f"FAC#{LEVEL_1}", f"STATUS#{ZINC}#2024-2025")
    assert (history["prior_level"], history["level"]) == ("Baseline", "Level 1")
    assert history["evaluation"]["annual_exceedance"] is True
    due = {o["type"]: o["due"] for o in local.items(f"FAC#{LEVEL_1}", "OBL#")}
    assert due["Level 1 ERA Evaluation"] == "2025-10-01"
    assert due["Level 1 ERA Report"] == "2026-01-01"
    assert "Annual Report" in due
    [clean_zinc] = _statuses(local, CLEAN, ZINC)
    assert clean_zinc["level"] == "Baseline"
    clean = {o["type"]: (o["period"], o["status"]) for o in local.items(f"FAC#{CLEAN}", "OBL#")}
    assert clean == {
        "Annual Report": ("2024-2025", "open"),
        # the half-year sampling duties of the year beginning (IGP XI.B.2), with no upload of that year
        "QSE Sampling (July-December)": ("2025-2026 July-December", "open"),
        "QSE Sampling (January-June)": ("2025-2026 January-June", "open"),
    }
    assert summary["sampling_duties_written"] == 4
    before = _facility_state(local)

    rerun = _run(local)
    queue_url = local.stack.queue_url("LevelWorkQueue")
    duplicate = {"job": "annual", "run_id": rerun["run_id"], "on": "2025-07-01", "reporting_year": "2024-2025",
                 "dry_run": False, "wdids": [LEVEL_1, CLEAN]}  # fmt: skip
    local.sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(duplicate))
    local.runner.drain(only=WORKER)

    assert _facility_state(local) == before
    [rerun] = local.items("RUN#annual", rerun["run_id"])
    assert (rerun["already_done"], rerun.get("facilities_evaluated", 0)) == (4, 0)
    assert "sampling_duties_written" not in rerun  # a zero counter is left out
    assert local.queue_messages("LevelWorkDLQ") == []


def test_worker_crash_mid_batch_completes_on_redelivery(local: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    _load(local)
    original = LevelWorker.evaluate
    calls: list[str] = []

    def crash_after_first(self: LevelWorker, wdid: str, message: Any) -> Any:
        calls.append(wdid)
        if len(calls) == 2:
            raise RuntimeError("worker died after the first facility")
        return original(self, wdid, message)

    monkeypatch.setattr(LevelWorker, "evaluate", crash_after_first)

    summary = _run(local)

    assert calls[:4] == [LEVEL_1, CLEAN, LEVEL_1, CLEAN]  # the message came back; the first facility was done
    assert summary["failed_attempts"] == 1
    assert (summary["facilities_evaluated"], summary["already_done"]) == (2, 1)
    for wdid in (LEVEL_1, CLEAN):
        assert local.items(f"FAC#{wdid}", "STATUS~ANNUAL#2024-2025")
        assert local.items(f"FAC#{wdid}", f"STATUS#{ZINC}#2024-2025")
    assert local.queue_messages("LevelWorkDLQ") == []


def test_crash_between_parts_of_a_split_transaction_completes_the_rest(
    local: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from permitclock.adapters import levels

    _load(local, wdids=[CLEAN])  # pH + zinc: two parameter parts of 2 items, then the facility part
    monkeypatch.setattr(levels, "MAX_TRANSACTION_ITEMS", 2)
    parts: list[int] = []

    def die_after_first_part(**_: Any) -> None:  # botocore's after-call: the part is committed
        parts.append(1)
        if len(parts) == 1:
            raise RuntimeError("crashed after the first part committed")

    dynamodb = boto3.resource("dynamodb", region_name=REGION)
    dynamodb.meta.client.meta.events.register("after-call.dynamodb.TransactWriteItems", die_after_first_part)
    local.runner.use("LevelWorkerFunction", replace(local.runner.runtime, aws=Aws(region=REGION, dynamodb=dynamodb)))

    summary = _run(local)

    assert summary["facilities_evaluated"] == 1 and summary["failed_attempts"] == 1
    history = [i for i in local.items(f"FAC#{CLEAN}", "STATUS#") if i["item_type"] == "status_history"]
    assert sorted(h["parameter"] for h in history) == ["Zinc, Total (Recoverable)", "pH"]
    assert all(i["level"] == "Baseline" for i in local.items(f"FAC#{CLEAN}", "STATUS#") if "level" in i)
    assert local.items(f"FAC#{CLEAN}", "STATUS~ANNUAL#2024-2025")


def test_dry_run_computes_and_writes_nothing(local: Stack) -> None:
    _load(local)
    before = _facility_state(local)

    summary = _run(local, dry_run=True)

    assert summary["dry_run"] is True
    assert summary["facilities_evaluated"] == 2
    assert summary["change_baseline_to_level_1"] == 1
    assert _facility_state(local) == before == []

"""The composition root on the local stack: every handler holds a `bootstrap.Wiring`, and the runner's `Runtime`
(clients, clock) is what every function's service is built with."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import pytest
from permitclock.adapters.facilities import FacilityDirectory
from permitclock.adapters.obligations import ObligationStore
from permitclock.bootstrap import Aws, Runtime, Wiring
from permitclock.clock import FixedClock
from permitclock.domain.members import Member
from permitclock.rules.igp.obligations import LEVEL_1_ERA_REPORT, era_obligation

from infra.local_stack import REGION
from infra.runner import LocalRunner
from tests.integration.conftest import Stack

pytestmark = pytest.mark.stack

ROOT = Path(__file__).resolve().parents[2]
WDID = "4 19I000033"
CHOSEN = date(2026, 12, 25)


def test_every_handler_module_holds_a_wiring_and_builds_no_client_itself(local: Stack) -> None:
    for function in local.stack.functions:
        module = sys.modules[local.runner.handler(function).__module__]
        assert isinstance(module.wiring, Wiring), function
        source = Path(module.__file__ or "").read_text()
        assert not re.search(r"^\s*import boto3|boto3\.(client|resource)\(", source, re.M), function


def test_the_runners_clock_is_every_functions_clock(local: Stack) -> None:
    """What `POST /_local/clock` of a local server needs: a schedule fired without a date runs on the runner's."""
    runner = LocalRunner(local.stack, Runtime(aws=Aws(region=REGION), clock=FixedClock.on(CHOSEN)))
    directory = FacilityDirectory(local.table)
    directory.put_profile(WDID, "Harbor Plating Works")
    directory.put_member(Member(wdid=WDID, user_id="lrp-1", role="LRP", email="lrp@harbor.example"))
    ObligationStore(local.table).put_new(era_obligation(LEVEL_1_ERA_REPORT, WDID, "Zinc, Total", "2025-2026", {}))

    summary = runner.invoke("DeadlineSweepFunction", {"job": "sweep"})
    planned = runner.invoke("AnnualPlannerFunction", {"job": "annual", "dry_run": True})
    bounce = json.loads((ROOT / "events" / "bounce_handler" / "bounce_permanent_sns.json").read_text())
    runner.invoke("BounceHandlerFunction", bounce)

    assert summary["day"] == CHOSEN.isoformat()
    assert planned["on"] == CHOSEN.isoformat() and planned["reporting_year"] == "2025-2026"
    suppressed = [i for i in _scan(local) if str(i["pk"]).startswith("SUPPRESS#")]
    assert suppressed and {str(i["at"])[:10] for i in suppressed} == {CHOSEN.isoformat()}


def test_use_gives_one_function_its_own_clients_and_rebuilds_its_service(local: Stack) -> None:
    sent: list[str] = []
    dynamodb = boto3.resource("dynamodb", region_name=REGION)
    dynamodb.meta.client.meta.events.register("before-call.dynamodb", lambda model, **_: sent.append(model.name))
    local.runner.invoke("DeadlineSweepFunction", {"job": "sweep", "on": CHOSEN.isoformat()})
    before = local.runner.service("DeadlineSweepFunction")
    assert sent == []

    local.runner.use("DeadlineSweepFunction", replace(local.runner.runtime, aws=Aws(region=REGION, dynamodb=dynamodb)))
    local.runner.invoke("DeadlineSweepFunction", {"job": "sweep", "on": CHOSEN.isoformat()})

    assert local.runner.service("DeadlineSweepFunction") is not before
    assert "Query" in sent  # the sweep's own reads went through the resource it was given


def _scan(local: Stack) -> list[dict[str, Any]]:
    return list(local.table.scan()["Items"])

"""SES bounces and complaints through SNS -> suppression, through the local stack's bounce handler."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from permitclock.adapters.facilities import FacilityDirectory
from permitclock.adapters.obligations import ObligationStore
from permitclock.adapters.send_claims import SendClaims
from permitclock.cli.main import main
from permitclock.domain.members import Member
from permitclock.notices.recipients import recipient_hash
from permitclock.rules.igp.obligations import LEVEL_1_ERA_REPORT, era_obligation

from infra.sent_mail import sent_emails
from tests.integration.conftest import Stack

pytestmark = pytest.mark.stack

EVENTS = Path(__file__).resolve().parents[2] / "events" / "bounce_handler"
WDID = "4 19I000033"
DUE = date(2027, 1, 1)
SCHEDULE = "DeadlineSweepFunctionDailySweep"


def sns_event(name: str, **replace: Any) -> dict[str, Any]:
    """A sample SNS event from events/bounce_handler/, its SES message optionally edited."""
    event = json.loads((EVENTS / name).read_text())
    if replace:
        message = json.loads(event["Records"][0]["Sns"]["Message"])
        message.update(replace)
        event = copy.deepcopy(event)
        event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    return event


@pytest.fixture
def harbor(local: Stack) -> None:
    directory = FacilityDirectory(local.table)
    directory.put_profile(WDID, "Harbor Plating Works")
    directory.put_member(Member(wdid=WDID, user_id="lrp-1", role="LRP", email="lrp@harbor.example"))
    directory.put_member(Member(wdid=WDID, user_id="dar-1", role="DAR", email="dar@harbor.example"))
    ObligationStore(local.table).put_new(era_obligation(LEVEL_1_ERA_REPORT, WDID, "Zinc, Total", "2025-2026", {}))


def sweep(local: Stack, day: date) -> None:
    local.runner.fire(SCHEDULE, {"on": day.isoformat()})
    local.runner.drain()


def test_a_hard_bounce_suppresses_the_address_and_the_next_reminder_skips_it(local: Stack, harbor: None) -> None:
    assert local.runner.invoke("BounceHandlerFunction", sns_event("bounce_permanent_sns.json")) == {"suppressed": 1}

    claims = SendClaims(local.table)
    assert claims.is_suppressed("DAR@Harbor.example")
    [item] = local.items(f"SUPPRESS#{recipient_hash('dar@harbor.example')}")
    assert item["reason"] == "bounce:Permanent/General"
    assert "dar@harbor.example" not in json.dumps(item, default=str)  # only the hash is stored

    sweep(local, DUE - timedelta(days=7))
    assert [e.to for e in sent_emails()] == [("lrp@harbor.example",)]


def test_a_complaint_suppresses_the_address(local: Stack, harbor: None) -> None:
    assert local.runner.invoke("BounceHandlerFunction", sns_event("complaint_sns.json")) == {"suppressed": 1}
    assert SendClaims(local.table).is_suppressed("lrp@harbor.example")
    sweep(local, DUE)
    assert [e.to for e in sent_emails()] == [("dar@harbor.example",)]


def test_a_transient_bounce_suppresses_nothing(local: Stack, harbor: None) -> None:
    assert local.runner.invoke("BounceHandlerFunction", sns_event("bounce_transient_sns.json")) == {"suppressed": 0}
    assert not SendClaims(local.table).is_suppressed("dar@harbor.example")


def test_identity_notifications_are_read_too(local: Stack) -> None:
    """SES identity notifications (`notificationType`) have the same bounce body as event publishing."""
    message = json.loads(sns_event("bounce_permanent_sns.json")["Records"][0]["Sns"]["Message"])
    message["notificationType"] = message.pop("eventType")
    event = sns_event("bounce_permanent_sns.json")
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    assert local.runner.invoke("BounceHandlerFunction", event) == {"suppressed": 1}


def test_a_non_ses_message_is_skipped(local: Stack) -> None:
    event = sns_event("bounce_permanent_sns.json")
    event["Records"][0]["Sns"]["Message"] = "hello"
    assert local.runner.invoke("BounceHandlerFunction", event) == {"suppressed": 0}


def test_lifting_a_suppression_with_the_cli_lets_reminders_through_again(
    local: Stack, harbor: None, capsys: pytest.CaptureFixture[str]
) -> None:
    local.runner.invoke("BounceHandlerFunction", sns_event("bounce_permanent_sns.json"))
    table = local.stack.table

    assert main(["suppression", "status", "dar@harbor.example", "--table", table, "--region", "us-west-2"]) == 0
    assert json.loads(capsys.readouterr().out)["suppressed"] is True
    assert main(["suppression", "lift", "dar@harbor.example", "--table", table, "--region", "us-west-2"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out) == {"recipient_hash": recipient_hash("dar@harbor.example"), "lifted": True}
    assert "dar@harbor.example" not in out
    assert main(["suppression", "lift", "dar@harbor.example", "--table", table, "--region", "us-west-2"]) == 1

    sweep(local, DUE)
    assert sorted(e.to[0] for e in sent_emails()) == ["dar@harbor.example", "lrp@harbor.example"]


def test_template_wires_ses_events_to_the_handler(local: Stack) -> None:
    resources = local.stack.cfn_template["Resources"]
    destination = resources["NoticesConfigurationSetEvents"]["Properties"]["EventDestination"]
    assert sorted(destination["MatchingEventTypes"]) == ["bounce", "complaint"]
    assert destination["SnsDestination"]["TopicARN"] == {"Ref": "SesEventsTopic"}
    subscription = resources["BounceHandlerFunctionSesEvents"]["Properties"]
    assert subscription["Protocol"] == "lambda" and subscription["TopicArn"] == {"Ref": "SesEventsTopic"}
    notifier_env = resources["NotifierFunction"]["Properties"]["Environment"]["Variables"]
    assert notifier_env["SES_CONFIGURATION_SET"] == {"Ref": "NoticesConfigurationSet"}  # sends publish the events

"""Every file in events/ is a real-shaped event of one function's trigger, read here the way its handler reads
it; every function of the template has at least one (powertools' habit: an `_event.json` beside each example)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import S3SqsEventNotificationModel, SnsModel, SqsModel
from permitclock.domain.notices import NoticeRequest
from permitclock.errors import BadInput
from permitclock.events import ObjectEvent, object_events, resume_message
from permitclock.rules.programs import PROGRAMS, parse_program_facts
from permitclock.services.annual_run import RunRequest, WorkMessage
from permitclock.services.bounces import SesNotification
from permitclock.services.sweep import SweepRequest

from infra.local_stack import load_template

EVENTS = Path(__file__).resolve().parents[2] / "events"
UPLOAD_SAMPLES = {f"programs/{program}_example.json" for program in PROGRAMS}
"""Not events: documents users upload (each program's facts example the docs quote and `permitclock obligations`
reads in tests/unit/programs/test_obligations_cli.py)."""


def functions() -> dict[str, dict[str, Any]]:
    """The template's functions by their code folder (`functions/<folder>`), which is their events/ folder."""
    resources = load_template()["Resources"].values()
    return {
        Path(r["Properties"]["CodeUri"]).name: r["Properties"]
        for r in resources
        if r["Type"] == "AWS::Serverless::Function"
    }


def event_files() -> list[str]:
    names = (str(p.relative_to(EVENTS)) for p in EVENTS.rglob("*.json"))
    return sorted(n for n in names if n not in UPLOAD_SAMPLES)


def objects(event: dict[str, Any]) -> list[ObjectEvent]:
    """As the intakes read it: each SQS record (powertools' `SqsModel`), its body by `object_events`; and the
    whole event must also be what powertools' `S3SqsEventNotificationModel` accepts (every field S3 sends)."""
    notification = parse(event=event, model=S3SqsEventNotificationModel)
    read = [o for record in parse(event=event, model=SqsModel).Records for o in object_events(record.body)]
    assert [o.version_id for o in read] == [r.s3.object.versionId for m in notification.Records for r in m.body.Records]
    return read


def resumed(event: dict[str, Any]) -> list[ObjectEvent]:
    """The monitoring intake's own message continuing a checkpointed upload: the object event it carries."""
    return [o for record in parse(event=event, model=SqsModel).Records for o in object_events(record.body)]


def test_a_resume_message_carries_its_object_event_whole() -> None:
    event = ObjectEvent(kind="created", event_name="ObjectCreated:Put", bucket="b", key="monitoring/a b.csv",
                        size=12, version_id="v1", sequencer="00AB")  # fmt: skip
    assert object_events(resume_message(event)) == [event]
    with pytest.raises(BadInput, match="resume message"):
        object_events(json.dumps({"Event": "permitclock:ResumeUpload", "Object": {"key": "x"}}))


def test_every_event_belongs_to_a_function_and_every_function_has_one() -> None:
    folders = {name.split("/")[0] for name in event_files()}
    assert folders == set(functions())  # the api/ events are answered in tests/unit/api/test_api_events.py


@pytest.mark.parametrize("name", [n for n in event_files() if not n.startswith("api/")])
def test_each_event_reads_as_its_handler_reads_it(name: str) -> None:
    event = json.loads((EVENTS / name).read_text())
    folder = name.split("/")[0]
    schedule = [e for e in functions()[folder].get("Events", {}).values() if e["Type"] == "ScheduleV2"]
    if schedule:  # the schedule's own Input, or that with a local run's date
        assert json.loads(schedule[0]["Properties"]["Input"]).items() <= event.items()
    readers = {
        "annual_planner": lambda: RunRequest.model_validate(event).job == "annual",
        "deadline_sweep": lambda: parse(event=event, model=SweepRequest).job == "sweep",
        "notice_outbox_relay": lambda: event == {"job": "notice-outbox-relay"},
        "program_recompute": lambda: event == {"job": "program-recompute"},
        "smarts_sync": lambda: event == {"job": "smarts-sync"},
        "level_worker": lambda: all(
            WorkMessage.model_validate_json(r.body).wdids for r in parse(event=event, model=SqsModel).Records
        ),
        "notifier": lambda: all(
            NoticeRequest.model_validate_json(r.body).facts for r in parse(event=event, model=SqsModel).Records
        ),
        "bounce_handler": lambda: all(
            SesNotification.model_validate(json.loads(r.Sns.Message)).kind in ("bounce", "complaint")
            for r in parse(event=event, model=SnsModel).Records
        ),
        "attachment_validator": lambda: [o.key.split("/")[0] for o in objects(event)] == ["attachments"],
        "monitoring_intake": lambda: (
            [o.key.split("/")[0] for o in (resumed(event) if "resume" in name else objects(event))] == ["monitoring"]
        ),
        "program_intake": lambda: [o.key.split("/")[0] for o in objects(event)] == ["programs"],
        "smarts_intake": lambda: [o.key.split("/")[:2] for o in objects(event)] == [["smarts", "levels"]],
        "qisp_intake": lambda: [o.key.split("/")[0] for o in objects(event)] == ["qisp"],
    }
    assert readers[folder]()


S3_RECORD_FIELDS = {"eventVersion", "eventSource", "awsRegion", "eventTime", "eventName", "userIdentity",
                    "requestParameters", "responseElements", "s3"}  # fmt: skip
"""What every S3 event notification record carries (AWS, "Event message structure")."""


@pytest.mark.parametrize("name", [n for n in event_files() if "/sqs_object_" in n or "/sqs_delete_" in n])
def test_s3_samples_carry_every_field_s3_sends(name: str) -> None:
    for message in json.loads((EVENTS / name).read_text())["Records"]:
        for record in json.loads(message["body"])["Records"]:
            assert set(record) == S3_RECORD_FIELDS
            assert {"s3SchemaVersion", "configurationId", "bucket", "object"} == set(record["s3"])
            assert {"name", "ownerIdentity", "arn"} == set(record["s3"]["bucket"])
            created = {"key", "size", "eTag", "versionId", "sequencer"}
            removed = record["eventName"].startswith("ObjectRemoved")  # no size or eTag: nothing was written
            assert set(record["s3"]["object"]) == (created - {"size", "eTag"} if removed else created)


def test_a_delete_marker_is_a_removal_of_the_version_it_hides() -> None:
    [removed] = objects(json.loads((EVENTS / "attachment_validator/sqs_delete_marker_created.json").read_text()))
    assert (removed.kind, removed.event_name, removed.size) == ("removed", "ObjectRemoved:DeleteMarkerCreated", None)


def test_object_keys_arrive_url_encoded_and_are_decoded_once() -> None:
    [upload] = objects(json.loads((EVENTS / "attachment_validator/sqs_object_created.json").read_text()))
    assert upload.key == "attachments/5S34I025848/L2TR-2025-2026/Technical Report 2026.pdf"
    assert (upload.kind, upload.version_id) == ("created", "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY")


@pytest.mark.parametrize("program", list(PROGRAMS))
def test_each_program_facts_example_is_valid_facts_of_its_program(program: str) -> None:
    parse_program_facts(program, json.loads((EVENTS / f"programs/{program}_example.json").read_text()))

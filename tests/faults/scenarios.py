"""Fault scenarios, pipeline x fault, as plain functions on a fresh local stack.

Each scenario sets up its pipeline's input, runs it to rest under one fault (`tests.faults.inject`), asserts
what must hold (the item is retried, the DLQ gets what cannot succeed, no record lost or written twice, no
email sent twice, the API answers 5xx/409 without partial writes) and returns the outcome as one short phrase
for the table `make faults` prints. The pytest modules beside this one run them; `bench/faults.py` runs them
all and prints the table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.exceptions import ClientError
from permitclock.adapters.attachment_records import AttachmentRecords
from permitclock.adapters.documents import S3Documents
from permitclock.adapters.facilities import FacilityDirectory
from permitclock.adapters.levels import LevelStore, RunSummaryStore
from permitclock.adapters.obligations import ObligationStore, obligation_item
from permitclock.adapters.publisher import SqsNoticePublisher
from permitclock.adapters.send_claims import SendClaims
from permitclock.adapters.uploads import UploadRecords
from permitclock.clock import FixedClock
from permitclock.domain.members import Member
from permitclock.events import ObjectEvent
from permitclock.rules.igp.obligations import LEVEL_1_ERA_REPORT
from permitclock.services import notifier as notifier_service

from infra.local_stack import REGION, LocalStack, provision
from infra.runner import LocalRunner
from infra.sent_mail import sent_emails
from tests.faults.inject import ALWAYS, Fault, HandlerKilled, inject, kill_after, kill_before, mentions
from tests.integration.conftest import Stack
from tests.integration.test_annual_run import CLEAN, LEVEL_1, SCHEDULE, WORKER, ZINC, _facility_state, _load
from tests.integration.test_api import BMP, PARAMS, call, pdf, report_path, seed, upload_registry, user
from tests.integration.test_attachment_pipeline import METADATA, VALIDATOR, WDID, _attachments, _put
from tests.integration.test_sweep import DUE, _open, _seed_facility
from tests.integration.test_sweep import SCHEDULE as SWEEP_SCHEDULE
from tests.unit.igp.igp_helpers import RAW_HEADER, raw_row

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ATTACHMENT, MONITORING, ANNUAL, SWEEP, RECOMPUTE, API = (
    "attachment intake",
    "monitoring intake",
    "annual run",
    "sweep + notices",
    "program recompute",
    "API",
)
PIPELINES = (ATTACHMENT, MONITORING, ANNUAL, SWEEP, RECOMPUTE, API)


@dataclass(frozen=True)
class Scenario:
    pipeline: str
    fault: str
    run: Callable[[Stack], str]

    @property
    def id(self) -> str:
        return f"{self.pipeline}: {self.fault}"


RELAY = "NoticeOutboxRelayFunctionRelay"  # template.yaml: the outbox relay's schedule
RECOMPUTE_SCHEDULE = "ProgramRecomputeFunctionDailyRecompute"
SCENARIOS: list[Scenario] = []


def scenario(pipeline: str, fault: str) -> Callable[[Callable[[Stack], str]], Callable[[Stack], str]]:
    def register(fn: Callable[[Stack], str]) -> Callable[[Stack], str]:
        SCENARIOS.append(Scenario(pipeline, fault, fn))
        return fn

    return register


def by_pipeline(pipeline: str) -> list[Scenario]:
    return [s for s in SCENARIOS if s.pipeline == pipeline]


def stack_of(provisioned: LocalStack) -> Stack:
    """The integration tests' `Stack` for a stack provisioned inside an active `mock_aws()`."""
    return Stack(
        stack=provisioned,
        runner=LocalRunner(provisioned),
        s3=boto3.client("s3", region_name=REGION),
        sqs=boto3.client("sqs", region_name=REGION),
        table=boto3.resource("dynamodb", region_name=REGION).Table(provisioned.table),
    )


def new_stack() -> Stack:
    return stack_of(provision())


# ---------------------------------------------------------------------------------------------- helpers
def fn(local: Stack, logical: str) -> str:
    """A function's physical name (what a fault's `function` filter matches)."""
    return local.stack.functions[logical].name


def raw_dlq(local: Stack, dlq: str) -> list[str]:
    return [json.dumps(m) for m in local.queue_messages(dlq)]


def redrive(local: Stack, dlq: str, queue: str) -> int:
    """Move every message of a DLQ back to its source queue (what an operator's redrive does)."""
    moved = 0
    while True:
        batch = local.sqs.receive_message(QueueUrl=local.stack.queue_url(dlq), MaxNumberOfMessages=10)
        messages = batch.get("Messages", [])
        if not messages:
            return moved
        for m in messages:
            local.sqs.send_message(QueueUrl=local.stack.queue_url(queue), MessageBody=m["Body"])
            local.sqs.delete_message(QueueUrl=local.stack.queue_url(dlq), ReceiptHandle=m["ReceiptHandle"])
            moved += 1


def fire_with_retries(local: Stack, schedule: str, payload: dict[str, Any]) -> tuple[Any, int]:
    """Fire a schedule the way EventBridge Scheduler does with the template's RetryPolicy: a failed
    invocation is retried up to MaximumRetryAttempts times. Returns (result, failed attempts)."""
    target = local.stack.cfn_template["Resources"][schedule]["Properties"]["Target"]
    attempts = 1 + int(target["RetryPolicy"]["MaximumRetryAttempts"])
    for failed in range(attempts):
        try:
            return local.runner.fire(schedule, payload), failed
        except Exception:
            if failed == attempts - 1:
                raise
    raise AssertionError("unreachable")


def emails_to(address: str) -> int:
    return sum(1 for e in sent_emails() if address in e.to)


def no_waiting(local: Stack) -> None:
    """The notifier's own retry loop (the send claims' throttling backoff) sleeps real seconds; scenarios do
    not wait."""
    local.runner.use("NotifierFunction", replace(local.runner.runtime_of("NotifierFunction"), sleep=lambda _: None))


def table_items(local: Stack) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {}
    while True:
        page = local.table.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


# ---------------------------------------------------------------------------------------------- attachment intake
LRP, UPLOADER = "lrp@harbor.example", METADATA["uploaded-by"]
KEY = f"attachments/{WDID}/4501/report.pdf"


def _facility(local: Stack) -> None:
    directory = FacilityDirectory(local.table)
    directory.put_profile(WDID, "Harbor Plating Works")
    directory.put_member(Member(wdid=WDID, user_id="lrp-1", role="LRP", email=LRP))


def _one_record(local: Stack, status: str) -> dict[str, Any]:
    records = _attachments(local)
    assert [r["status"] for r in records] == [status], records
    return records[0]


def _rejection_mailed_once(local: Stack) -> None:
    assert emails_to(UPLOADER) == 1 and emails_to(LRP) == 1, [e.to for e in sent_emails()]
    assert len(sent_emails()) == 2
    listing = local.s3.list_objects_v2(Bucket=local.bucket, Prefix="quarantine/").get("Contents", [])
    assert len(listing) == 1


@scenario(ATTACHMENT, "DynamoDB throttling (PutItem x2)")
def attachment_put_throttled(local: Stack) -> str:
    _put(local, KEY, pdf())
    name = fn(local, "AttachmentValidatorFunction")
    fault = Fault("dynamodb", "PutItem", "ProvisionedThroughputExceededException", 2, name)
    with inject(fault):
        totals = local.runner.drain(only=VALIDATOR)
    assert fault.raised == 2 and totals.failed == 2
    _one_record(local, "accepted")
    assert local.queue_messages("DocumentEventsDLQ") == []
    return "retried, recovered"


@scenario(ATTACHMENT, "DynamoDB throttling (Query on delete x2)")
def attachment_delete_throttled(local: Stack) -> str:
    _put(local, KEY, pdf())
    local.runner.drain(only=VALIDATOR)
    local.s3.delete_object(Bucket=local.bucket, Key=KEY)
    fault = Fault("dynamodb", "Query", "ThrottlingException", 2, fn(local, "AttachmentValidatorFunction"))
    with inject(fault):
        totals = local.runner.drain(only=VALIDATOR)
    assert fault.raised == 2 and totals.failed == 2
    _one_record(local, "deleted")
    return "retried, recovered"


@scenario(ATTACHMENT, "conditional check failed (a concurrent delivery won)")
def attachment_lost_race(local: Stack) -> str:
    _facility(local)

    def intake() -> Any:
        return local.runner.service("AttachmentValidatorFunction")

    original = AttachmentRecords.put_new
    raced: list[bool] = []

    def racing_put_new(self: AttachmentRecords, record: Any) -> bool:
        if not raced:  # a second delivery of the same event, on another worker, commits first
            raced.append(True)
            event = ObjectEvent(kind="created", event_name="ObjectCreated:Put", bucket=record.bucket,
                                key=record.key, version_id=record.version_id)  # fmt: skip
            assert intake().handle(event).outcome == "rejected"
        return original(self, record)

    _put(local, KEY, PNG)
    with mock.patch.object(AttachmentRecords, "put_new", racing_put_new):
        local.runner.drain()
    assert raced
    _one_record(local, "rejected")
    _rejection_mailed_once(local)
    return "no-op for the loser: one record, one email each"


@scenario(ATTACHMENT, "S3 read error (GetObject InternalError x2)")
def attachment_read_error(local: Stack) -> str:
    _put(local, KEY, pdf())
    with inject(Fault("s3", "GetObject", "InternalError", 2, fn(local, "AttachmentValidatorFunction"))):
        totals = local.runner.drain(only=VALIDATOR)
    assert totals.failed == 2
    _one_record(local, "accepted")
    return "retried, recovered"


@scenario(ATTACHMENT, "S3 read error (GetObject SlowDown, always)")
def attachment_read_error_always(local: Stack) -> str:
    _put(local, KEY, pdf())
    with inject(Fault("s3", "GetObject", "SlowDown", ALWAYS, fn(local, "AttachmentValidatorFunction"))):
        local.runner.drain(only=VALIDATOR)
    assert _attachments(local) == []
    assert len(local.queue_messages("DocumentEventsDLQ")) == 1
    assert redrive(local, "DocumentEventsDLQ", "DocumentEventsQueue") == 1
    local.runner.drain(only=VALIDATOR)
    _one_record(local, "accepted")
    return "dead-lettered; redrive recovers"


@scenario(ATTACHMENT, "killed between quarantine and record")
def attachment_killed_after_quarantine(local: Stack) -> str:
    _facility(local)
    _put(local, KEY, PNG)
    with kill_after(S3Documents, "quarantine") as kill:
        local.runner.drain()
    assert kill.killed == 1 and kill.calls == 2
    _one_record(local, "rejected")
    _rejection_mailed_once(local)
    return "retried, recovered (one record, one email each)"


@scenario(ATTACHMENT, "killed between notice and record")
def attachment_killed_after_notice(local: Stack) -> str:
    _facility(local)
    _put(local, KEY, PNG)
    with kill_after(SqsNoticePublisher, "publish") as kill:
        local.runner.drain()
    assert kill.killed == 1
    _one_record(local, "rejected")
    _rejection_mailed_once(local)
    return "retried, recovered (notice deduplicated)"


@scenario(ATTACHMENT, "killed after the record is written")
def attachment_killed_after_record(local: Stack) -> str:
    _facility(local)
    _put(local, KEY, PNG)
    with kill_after(AttachmentRecords, "put_new") as kill:
        local.runner.drain()
    assert kill.killed == 1
    _one_record(local, "rejected")
    _rejection_mailed_once(local)  # before the fix the retry saw the record and the notice was never queued
    return "retried, recovered (notice kept)"


# ---------------------------------------------------------------------------------------------- monitoring intake
MONITORING_KEY = "monitoring/2016/faults.txt"
MONITORING_ROWS = 3


def _monitoring_upload(local: Stack) -> str:
    rows = [raw_row(sample_id="1"), raw_row(sample_id="2", result="0.3"),
            raw_row(sample_id="3", parameter="pH", units="SU", result="7.1")]  # fmt: skip
    body = ("\n".join([RAW_HEADER, *rows]) + "\n").encode()
    # an operator's upload storing every facility's rows (the facility is not registered)
    metadata = {"permitclock-store": "all"}
    return str(local.s3.put_object(Bucket=local.bucket, Key=MONITORING_KEY, Body=body, Metadata=metadata)["VersionId"])


def _monitoring_done(local: Stack, version: str) -> dict[str, Any]:
    samples = [i for i in table_items(local) if i.get("item_type") == "sample"]
    assert len(samples) == MONITORING_ROWS == len({(s["pk"], s["sk"]) for s in samples})
    [record] = local.items(f"UPLOAD#{local.bucket}/{MONITORING_KEY}", f"V#{version}")
    assert record["status"] == "processed"
    assert int(record["stored"]) + int(record.get("already_stored", 0)) == MONITORING_ROWS
    assert local.queue_messages("MonitoringEventsDLQ") == []
    return dict(record)


def _monitoring_fault(local: Stack, fault: Fault) -> str:
    version = _monitoring_upload(local)
    with inject(fault):
        totals = local.runner.drain(only={"MonitoringIntakeFunction"})
    assert fault.raised == fault.times and totals.failed == fault.times
    _monitoring_done(local, version)
    return "retried, recovered"


@scenario(MONITORING, "DynamoDB throttling (BatchWriteItem x2)")
def monitoring_write_throttled(local: Stack) -> str:
    name = fn(local, "MonitoringIntakeFunction")
    throttled = Fault("dynamodb", "BatchWriteItem", "ProvisionedThroughputExceededException", 2, name)
    return _monitoring_fault(local, throttled)


@scenario(MONITORING, "DynamoDB throttling (BatchGetItem x2)")
def monitoring_read_throttled(local: Stack) -> str:
    name = fn(local, "MonitoringIntakeFunction")
    return _monitoring_fault(local, Fault("dynamodb", "BatchGetItem", "ThrottlingException", 2, name))


@scenario(MONITORING, "S3 read error (GetObject InternalError x2)")
def monitoring_read_error(local: Stack) -> str:
    return _monitoring_fault(local, Fault("s3", "GetObject", "InternalError", 2, fn(local, "MonitoringIntakeFunction")))


@scenario(MONITORING, "S3 read error (GetObject SlowDown, always)")
def monitoring_read_error_always(local: Stack) -> str:
    version = _monitoring_upload(local)
    with inject(Fault("s3", "GetObject", "SlowDown", ALWAYS, fn(local, "MonitoringIntakeFunction"))):
        local.runner.drain(only={"MonitoringIntakeFunction"})
    assert [i for i in table_items(local) if i.get("item_type") == "sample"] == []
    assert len(local.queue_messages("MonitoringEventsDLQ")) == 1
    assert redrive(local, "MonitoringEventsDLQ", "MonitoringEventsQueue") == 1
    local.runner.drain(only={"MonitoringIntakeFunction"})
    _monitoring_done(local, version)
    return "dead-lettered; redrive recovers"


@scenario(MONITORING, "killed between samples and upload record")
def monitoring_killed(local: Stack) -> str:
    version = _monitoring_upload(local)
    with kill_before(UploadRecords, "advance") as kill:  # the record finished by its one part's advance
        local.runner.drain(only={"MonitoringIntakeFunction"})
    assert kill.killed == 1
    record = _monitoring_done(local, version)
    assert (int(record["stored"]), int(record["already_stored"])) == (0, MONITORING_ROWS)
    return "retried, recovered (counts from the last attempt)"


@scenario(MONITORING, "conditional check failed (a concurrent delivery finished)")
def monitoring_lost_race(local: Stack) -> str:
    version = _monitoring_upload(local)

    def intake() -> Any:
        return local.runner.service("MonitoringIntakeFunction")

    original = UploadRecords.start
    raced: list[bool] = []

    def racing_start(self: UploadRecords, bucket: str, key: str, version_id: str | None, attrs: Any) -> bool:
        if not raced:
            raced.append(True)
            event = ObjectEvent(kind="created", event_name="ObjectCreated:Put", bucket=bucket, key=key,
                                version_id=version_id)  # fmt: skip
            assert intake().handle(event).outcome == "accepted"
        return original(self, bucket, key, version_id, attrs)

    with mock.patch.object(UploadRecords, "start", racing_start):
        totals = local.runner.drain(only={"MonitoringIntakeFunction"})
    assert raced and totals.failed == 0
    _monitoring_done(local, version)
    return "no-op for the loser"


# ---------------------------------------------------------------------------------------------- annual run
def _annual_clean(local: Stack) -> None:
    """The state of one clean run (test_annual_run's first test): markers, one history item per parameter."""
    state = _facility_state(local)
    markers = [i["sk"] for i in state if i["sk"].startswith("STATUS~ANNUAL#")]
    assert markers == ["STATUS~ANNUAL#2024-2025"] * 2
    history = [(i["pk"], i["parameter"]) for i in state if i.get("item_type") == "status_history"]
    assert sorted(history) == sorted(set(history)) and len(history) == 3
    [status] = [i for i in state if i["pk"] == f"FAC#{LEVEL_1}" and i["sk"] == f"STATUS#{ZINC}"]
    assert status["level"] == "Level 1"
    obligations = sorted((i["pk"], i["type"]) for i in state if i["sk"].startswith("OBL#"))
    assert len(obligations) == len(set(obligations))
    assert (f"FAC#{CLEAN}", "Annual Report") in obligations and (f"FAC#{LEVEL_1}", "Level 1 ERA Report") in obligations
    assert local.queue_messages("LevelWorkDLQ") == []


def _annual_run(local: Stack) -> dict[str, Any]:
    fired, _ = fire_with_retries(local, SCHEDULE, {"on": "2025-07-01"})
    local.runner.drain(only=WORKER)
    return dict(RunSummaryStore(local.table).get(fired["run_id"]) or {})


@scenario(ANNUAL, "DynamoDB throttling (TransactWriteItems x2)")
def annual_transact_throttled(local: Stack) -> str:
    _load(local)
    name = fn(local, "LevelWorkerFunction")
    fault = Fault("dynamodb", "TransactWriteItems", "ProvisionedThroughputExceededException", 2, name)
    with inject(fault):
        summary = _annual_run(local)
    assert fault.raised == 2 and int(summary["failed_attempts"]) == 2
    assert int(summary["facilities_evaluated"]) == 2
    _annual_clean(local)
    return "retried, recovered"


@scenario(ANNUAL, "DynamoDB throttling (Query x2)")
def annual_query_throttled(local: Stack) -> str:
    _load(local)
    with inject(Fault("dynamodb", "Query", "ThrottlingException", 2, fn(local, "LevelWorkerFunction"))):
        summary = _annual_run(local)
    assert int(summary["facilities_evaluated"]) == 2
    _annual_clean(local)
    return "retried, recovered"


@scenario(ANNUAL, "conditional check failed (status changed under the worker)")
def annual_status_conflict(local: Stack) -> str:
    _load(local)
    original = LevelStore.facility_year
    raced: list[bool] = []

    def racing_read(self: LevelStore, wdid: str, year: str) -> Any:
        data = original(self, wdid, year)
        if wdid == LEVEL_1 and not raced:  # a facts upload lands between the worker's read and its write
            raced.append(True)
            LevelStore(local.table).set_facts(wdid, ZINC, {})
        return data

    with mock.patch.object(LevelStore, "facility_year", racing_read):
        summary = _annual_run(local)
    assert raced and int(summary["failed_attempts"]) == 1
    _annual_clean(local)
    return "conflict, retried on fresh data, recovered"


@scenario(ANNUAL, "planner killed after queueing the work")
def annual_planner_killed(local: Stack) -> str:
    _load(local)
    with kill_before(RunSummaryStore, "set") as kill:
        fired, failed = fire_with_retries(local, SCHEDULE, {"on": "2025-07-01"})
    assert kill.killed == 1 and failed == 1
    local.runner.drain(only=WORKER)
    _annual_clean(local)
    [second] = local.items("RUN#annual", fired["run_id"])
    assert int(second.get("already_done", 0)) + int(second.get("facilities_evaluated", 0)) == 2
    return "scheduler retry, recovered (first run left 'planning')"


@scenario(ANNUAL, "DynamoDB throttling for one facility, always")
def annual_dead_lettered(local: Stack) -> str:
    _load(local)
    always = Fault("dynamodb", "Query", "ThrottlingException", ALWAYS, fn(local, "LevelWorkerFunction"),
                   when=mentions(f"FAC#{CLEAN}"))  # fmt: skip
    with inject(always):
        summary = _annual_run(local)
    assert int(summary["facilities_evaluated"]) == 1
    assert local.items(f"FAC#{LEVEL_1}", "STATUS~ANNUAL#") and not local.items(f"FAC#{CLEAN}", "STATUS~ANNUAL#")
    assert len(local.queue_messages("LevelWorkDLQ")) == 1
    redrive(local, "LevelWorkDLQ", "LevelWorkQueue")
    local.runner.drain(only=WORKER)
    _annual_clean(local)
    return "dead-lettered (other facility committed); redrive recovers"


# ---------------------------------------------------------------------------------------------- sweep + notices
SWEEP_WDID, OTHER_WDID = "4 19I000033", "5 33I000001"
SWEEP_LRP, SWEEP_DAR, OTHER_LRP = "lrp@harbor.example", "dar@harbor.example", "lrp@delta.example"


def _sweep_setup(local: Stack) -> None:
    _seed_facility(local, SWEEP_WDID, "Harbor Plating Works", lrp=SWEEP_LRP, dar=SWEEP_DAR)
    _seed_facility(local, OTHER_WDID, "Delta Foundry", lrp=OTHER_LRP)
    _open(local, LEVEL_1_ERA_REPORT, wdid=SWEEP_WDID)
    _open(local, LEVEL_1_ERA_REPORT, wdid=OTHER_WDID)


def _sweep(local: Stack, day: Any = DUE) -> Any:
    summary, failed = fire_with_retries(local, SWEEP_SCHEDULE, {"on": day.isoformat()})
    local.runner.drain()
    return summary, failed


def _each_once(*addresses: str) -> None:
    assert sorted(a for e in sent_emails() for a in e.to) == sorted(addresses), [e.to for e in sent_emails()]


def _ses(local: Stack, code: str, times: int, **kw: Any) -> Fault:
    return Fault("sesv2", "SendEmail", code, times, fn(local, "NotifierFunction"), **kw)


@scenario(SWEEP, "SES throttling past the SDK's retries (TooManyRequests x3)")
def sweep_ses_throttled(local: Stack) -> str:
    """botocore's standard retry mode retries inside one call (tests/unit/notices/test_mailer.py); a fault here
    is a call whose retries were all throttled."""
    _sweep_setup(local)
    no_waiting(local)
    with inject(_ses(local, "TooManyRequestsException", 3)) as (fault,):
        _sweep(local)
    assert fault.raised == 3
    _each_once(SWEEP_LRP, SWEEP_DAR, OTHER_LRP)
    assert local.queue_messages("NoticesDLQ") == []
    return "claim released, redelivered, recovered"


@scenario(SWEEP, "SES rejection (MessageRejected for one address)")
def sweep_ses_rejected(local: Stack) -> str:
    _sweep_setup(local)
    rejected = _ses(local, "MessageRejected", ALWAYS, when=mentions(SWEEP_DAR))
    with inject(rejected):
        _sweep(local)
    assert rejected.raised == 1  # permanent: not retried
    _each_once(SWEEP_LRP, OTHER_LRP)
    [claim] = [i for i in table_items(local) if i["pk"].startswith("NOTICE#") and i["status"] == "failed"]
    assert claim["detail"] == "MessageRejected"
    assert local.queue_messages("NoticesDLQ") == []
    return "recorded failed, not retried; others sent"


@scenario(SWEEP, "DynamoDB throttling (sweep Query x1)")
def sweep_query_throttled(local: Stack) -> str:
    _sweep_setup(local)
    name = fn(local, "DeadlineSweepFunction")
    with inject(Fault("dynamodb", "Query", "ProvisionedThroughputExceededException", 1, name)):
        summary, failed = _sweep(local)
    assert failed == 1 and summary["reminders"] == 2
    _each_once(SWEEP_LRP, SWEEP_DAR, OTHER_LRP)
    return "scheduler retry, recovered"


@scenario(SWEEP, "sweep killed after the first notice is queued")
def sweep_killed(local: Stack) -> str:
    _sweep_setup(local)
    with kill_after(SqsNoticePublisher, "publish") as kill:
        _, failed = _sweep(local)
    assert kill.killed == 1 and failed == 1
    _each_once(SWEEP_LRP, SWEEP_DAR, OTHER_LRP)
    return "scheduler retry, recovered (duplicate notice deduplicated)"


@scenario(SWEEP, "DynamoDB throttling on the send claim's result (UpdateItem x2)")
def sweep_mark_throttled(local: Stack) -> str:
    _sweep_setup(local)
    day = DUE - timedelta(days=7)
    mark = Fault("dynamodb", "UpdateItem", "ProvisionedThroughputExceededException", 2,
                 fn(local, "NotifierFunction"), when=mentions("NOTICE#"))  # fmt: skip
    with inject(mark):
        _sweep(local, day)
    _each_once(SWEEP_LRP, SWEEP_DAR, OTHER_LRP)
    statuses = {str(i["status"]) for i in table_items(local) if str(i["pk"]).startswith("NOTICE#")}
    assert statuses == {"sent"}, statuses
    # The catch-up window repeats the step tomorrow, after any claim's lease ran out: still nothing new.
    later = FixedClock(datetime.now(UTC) + timedelta(days=1))
    local.runner.use("NotifierFunction", replace(local.runner.runtime_of("NotifierFunction"), clock=later))
    _sweep(local, day + timedelta(days=1))
    _each_once(SWEEP_LRP, SWEEP_DAR, OTHER_LRP)
    return "retried in the notifier, recovered; no second email"


class _Later:
    """A clock the scenario moves on by hand."""

    def __init__(self) -> None:
        self.instant = datetime.now(UTC)

    def now(self) -> datetime:
        return self.instant


@contextmanager
def redelivered_later(local: Stack) -> Iterator[None]:
    """Each notifier invocation one visibility timeout after the last: the local runner makes a failed message
    visible again at once, SQS only after the queue's `VisibilityTimeout` (so a send claim's lease, shorter, has
    run out by the redelivery)."""
    queue = local.stack.cfn_template["Resources"]["NoticesQueue"]["Properties"]
    step = timedelta(seconds=int(queue["VisibilityTimeout"]))
    clock = _Later()
    local.runner.use("NotifierFunction", replace(local.runner.runtime_of("NotifierFunction"), clock=clock))
    invoke = local.runner.invoke

    def later(function: str, event: dict[str, Any]) -> Any:
        if function == "NotifierFunction":
            clock.instant += step
        return invoke(function, event)

    with mock.patch.object(local.runner, "invoke", later):
        yield


def _claims_of(local: Stack) -> dict[str, str]:
    return {str(i["sk"]): str(i["status"]) for i in table_items(local) if str(i["pk"]).startswith("NOTICE#")}


@scenario(SWEEP, "an exception after the claim (rendering raises once)")
def sweep_exception_after_claim(local: Stack) -> str:
    _sweep_setup(local)
    with kill_before(notifier_service, "render_request") as crash:
        _sweep(local)
    assert crash.killed == 1
    _each_once(SWEEP_LRP, SWEEP_DAR, OTHER_LRP)
    assert set(_claims_of(local).values()) == {"sent"} and local.queue_messages("NoticesDLQ") == []
    return "claim released, redelivered, sent once — was: the redelivery saw the claim, email lost"


@scenario(SWEEP, "notifier killed after the claim, before SES (no release)")
def sweep_notifier_killed_after_claim(local: Stack) -> str:
    _sweep_setup(local)
    with redelivered_later(local), kill_after(SendClaims, "claim") as kill:
        _sweep(local)
    assert kill.killed == 1
    assert kill.calls == 4  # 3 recipients + the one retaken: the first redelivery found the lease run out
    _each_once(SWEEP_LRP, SWEEP_DAR, OTHER_LRP)
    assert set(_claims_of(local).values()) == {"sent"} and local.queue_messages("NoticesDLQ") == []
    return "lease ran out before the redelivery: sent once — was: the 10-minute lease outlived it, email lost"


@scenario(SWEEP, "notifier killed between SES send and claim 'sent'")
def sweep_notifier_killed(local: Stack) -> str:
    """The one case SES's lack of an idempotency token leaves: the email went out, its claim says `sending`."""
    _sweep_setup(local)
    with redelivered_later(local), kill_before(SendClaims, "mark") as kill:
        _sweep(local)
    assert kill.killed == 1
    sent = sorted(a for e in sent_emails() for a in e.to)
    assert len(sent) == 4 and sorted(set(sent)) == sorted({SWEEP_LRP, SWEEP_DAR, OTHER_LRP}), sent
    assert set(_claims_of(local).values()) == {"sent"} and local.queue_messages("NoticesDLQ") == []
    return "redelivered after the lease: that recipient mailed twice, none lost (at least once)"


@scenario(SWEEP, "DynamoDB throttling on the send claim, always")
def sweep_claim_dead_lettered(local: Stack) -> str:
    _sweep_setup(local)
    always = Fault("dynamodb", "PutItem", "ThrottlingException", ALWAYS, fn(local, "NotifierFunction"),
                   when=mentions("NOTICE#"))  # fmt: skip
    with inject(always):
        _sweep(local)
    assert sent_emails() == []
    assert len(local.queue_messages("NoticesDLQ")) == 2
    redrive(local, "NoticesDLQ", "NoticesQueue")
    local.runner.drain()
    _each_once(SWEEP_LRP, SWEEP_DAR, OTHER_LRP)
    return "dead-lettered, no email; redrive sends once"


@scenario(SWEEP, "poison obligations (due 9999-12-31; an item that is no obligation)")
def sweep_poison_obligations(local: Stack) -> str:
    """Stored data no path writes today (a hand edit, an old shape): the sweep must still sweep the rest."""
    _sweep_setup(local)
    far = _open(local, LEVEL_1_ERA_REPORT, wdid=SWEEP_WDID, parameter="Copper, Total")
    ObligationStore(local.table).replace(far.model_copy(update={"due": date(9999, 12, 31)}), ics_sequence=0)
    broken = obligation_item(_open(local, LEVEL_1_ERA_REPORT, wdid=OTHER_WDID, parameter="Copper, Total"))
    local.table.put_item(Item={**broken, "due": "2026-13-45", "status": 12})  # still in the due index
    summary, failed = _sweep(local)
    assert failed == 0 and summary["reminders"] == 2 and summary["obligations"] == 2
    _each_once(SWEEP_LRP, SWEEP_DAR, OTHER_LRP)
    feed = local.s3.get_object(Bucket=local.bucket, Key=f"calendars/facility/{SWEEP_WDID}.ics")["Body"].read()
    assert feed.count(b"BEGIN:VEVENT") == 1  # the good obligation; the one due in year 9999 left out
    return "swept on the first try, poison left out (logged, counted); every email once"


@scenario(SWEEP, "a poison member item (no valid role) at one facility")
def sweep_poison_member(local: Stack) -> str:
    _sweep_setup(local)
    bad = {"pk": f"FAC#{SWEEP_WDID}", "sk": "MEMBER#ghost", "wdid": SWEEP_WDID, "user_id": "ghost", "role": 7}
    local.table.put_item(Item=bad)
    summary, failed = _sweep(local)
    assert failed == 0 and summary["reminders"] == 2
    _each_once(SWEEP_LRP, SWEEP_DAR, OTHER_LRP)
    return "the member left out (logged), the facility's others and the rest reminded"


@scenario(SWEEP, "the sweep fails every attempt (DynamoDB Query, always)")
def sweep_fails_every_attempt(local: Stack) -> str:
    _sweep_setup(local)
    name = fn(local, "DeadlineSweepFunction")
    with inject(Fault("dynamodb", "Query", "InternalServerError", ALWAYS, name)), pytest.raises(ClientError):
        local.runner.fire_async(SWEEP_SCHEDULE, {"on": DUE.isoformat()})
    [record] = local.queue_messages("DeadlineSweepDLQ")
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"job": "sweep", "on": DUE.isoformat()}
    return "3 attempts, then the on-failure destination keeps the run (DLQ alarm)"


# ---------------------------------------------------------------------------------------------- program recompute
@scenario(RECOMPUTE, "a stored facts document that no longer parses")
def recompute_poison_document(local: Stack) -> str:
    from tests.integration.test_program_intake import FACILITY, il_facts, record, seed_facility, upload

    other = "ILD000000002"
    rec = None
    for facility in (FACILITY, other):
        seed_facility(local, facility)
        key = f"programs/il_725_243/{facility}/assurance.json"
        rec = record(local, upload(local, il_facts(facility), key), key)
    assert rec is not None
    local.table.update_item(Key={"pk": f"FAC#{other}", "sk": "PROGRAM#il_725_243"},
                            UpdateExpression="SET #d = :d", ExpressionAttributeNames={"#d": "document"},
                            ExpressionAttributeValues={":d": "{not json"})  # fmt: skip
    later = (date.fromisoformat(rec["as_of"]) + timedelta(days=400)).isoformat()
    counts = local.runner.fire(RECOMPUTE_SCHEDULE, {"on": later})
    assert (counts["documents"], counts["evaluated"], counts["invalid"]) == (2, 1, 1)
    return "the rest recomputed; the document left as it is, named in the log (items_failed)"


# ---------------------------------------------------------------------------------------------- API
def _api_state(local: Stack, wdid: str) -> list[dict[str, Any]]:
    return sorted(local.items(f"FAC#{wdid}"), key=lambda i: str(i["sk"]))


def _status(local: Stack, method: str, path: str, who: str, body: Any = None) -> tuple[int, Any]:
    """The HTTP status API Gateway answers: a handler that raises is a 500 (Lambda error)."""
    try:
        return call(local, method, path, as_user=who, body=body)
    except HandlerKilled:
        return 500, None
    except Exception as err:  # botocore's ClientError and anything else the function lets escape
        if type(err).__name__ in ("ClientError", "HandlerKilled"):
            return 500, None
        raise


DEMONSTRATIONS = {"demonstrations": {p: [BMP] for p in PARAMS}}


def _api_fault(local: Stack, fault: Fault) -> str:
    report_id = seed(local)
    path = f"{report_path(report_id)}/demonstrations"
    before = _api_state(local, "5S34I025848")
    fault.function = fn(local, "ApiFunction")
    with inject(fault):
        status, _ = _status(local, "PUT", path, user("DEP"), DEMONSTRATIONS)
    assert status == 500 and fault.raised == 1
    assert _api_state(local, "5S34I025848") == before  # nothing partial
    status, _ = _status(local, "PUT", path, user("DEP"), DEMONSTRATIONS)
    assert status == 200
    return "500, nothing written; retry succeeds"


@scenario(API, "DynamoDB throttling (TransactWriteItems)")
def api_commit_throttled(local: Stack) -> str:
    return _api_fault(local, Fault("dynamodb", "TransactWriteItems", "ProvisionedThroughputExceededException"))


@scenario(API, "DynamoDB throttling (Query)")
def api_read_throttled(local: Stack) -> str:
    return _api_fault(local, Fault("dynamodb", "Query", "ThrottlingException"))


@scenario(API, "conditional check failed (concurrent update)")
def api_conflict(local: Stack) -> str:
    from permitclock.adapters.reports import DynamoDbReportStore

    report_id = seed(local)
    path = f"{report_path(report_id)}/demonstrations"
    original = DynamoDbReportStore.commit
    raced: list[bool] = []

    def racing_commit(self: DynamoDbReportStore, change: Any) -> None:
        if not raced:  # another user's command commits between this one's read and its write
            raced.append(True)
            original(self, change)
        original(self, change)

    with mock.patch.object(DynamoDbReportStore, "commit", racing_commit):
        status, body = _status(local, "PUT", path, user("DEP"), DEMONSTRATIONS)
    assert (status, body["code"]) == (409, "concurrent_update")
    history = local.items("FAC#5S34I025848", f"REPORT#{report_id}#HIST#")
    assert len(history) == 1  # the winner's change only
    status, _ = _status(local, "PUT", path, user("DEP"), DEMONSTRATIONS)
    assert status == 200
    return "409, the loser wrote nothing; retry succeeds"


@scenario(API, "queue unavailable between commit and notice (send to certifier)")
def api_killed_before_notice(local: Stack) -> str:
    report_id = seed(local)
    upload_registry(local)
    path = report_path(report_id)
    dep = user("DEP")
    assert _status(local, "PUT", f"{path}/demonstrations", dep, DEMONSTRATIONS)[0] == 200
    assert _status(local, "PUT", f"{path}/qisp", dep, {"certificate_number": "F09876"})[0] == 200
    local.s3.put_object(Bucket=local.bucket, Key=f"attachments/5S34I025848/{report_id}/tr.pdf", Body=pdf(),
                        Metadata={"file-type": "Level 2 ERA Technical Report", "title": "TR"})  # fmt: skip
    local.runner.drain(only={"AttachmentValidatorFunction"})
    fault = Fault("sqs", "SendMessage", "ThrottlingException", 1, fn(local, "ApiFunction"))
    with inject(fault):
        status, _ = _status(local, "POST", f"{path}/send-to-certifier", dep)
    assert status == 200 and fault.raised == 1  # the change is made; its notice waits in the outbox
    assert local.queue_messages("NoticesQueue") == []
    later = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()
    assert local.runner.fire(RELAY, {"now": later}) == {"relayed": 1}
    assert local.runner.fire(RELAY, {"now": later}) == {"relayed": 0}
    notices = local.queue_messages("NoticesQueue")
    assert [n["kind"] for n in notices] == ["report_sent_for_certification"]
    return "200; the outbox relay queued the notice once"

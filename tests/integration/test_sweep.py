"""The deadline sweep end to end: schedule -> sweep -> notices queue -> notifier -> SES, through the local stack."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from permitclock.adapters.facilities import FacilityDirectory
from permitclock.adapters.obligations import ObligationStore
from permitclock.adapters.send_claims import SendClaims
from permitclock.bootstrap import Aws
from permitclock.clock import Clock, FixedClock
from permitclock.domain.members import Member
from permitclock.domain.obligations import Obligation
from permitclock.rules.igp.obligations import (
    LEVEL_1_ERA_REPORT,
    LEVEL_2_ERA_ACTION_PLAN,
    LEVEL_2_ERA_TECHNICAL_REPORT,
    era_obligation,
)

from infra.local_stack import REGION
from infra.sent_mail import SentEmail, sent_emails
from tests.integration.conftest import Stack

pytestmark = pytest.mark.stack

SCHEDULE = "DeadlineSweepFunctionDailySweep"
WDID = "4 19I000033"
DUE = date(2027, 1, 1)  # Level 1 ERA Report / Level 2 Action Plan for 2025-2026: January 1 of Y+1


def _seed_facility(local: Stack, wdid: str, name: str, *, lrp: str, dar: str | None = None, **profile: Any) -> None:
    directory = FacilityDirectory(local.table)
    directory.put_profile(wdid, name, **profile)
    directory.put_member(Member(wdid=wdid, user_id=f"lrp-{wdid}", role="LRP", email=lrp))
    if dar:
        directory.put_member(Member(wdid=wdid, user_id=f"dar-{wdid}", role="DAR", email=dar))


def _open(local: Stack, obligation_type: str, wdid: str = WDID, parameter: str = "Zinc, Total") -> Obligation:
    obligation = era_obligation(obligation_type, wdid, parameter, "2025-2026", {"report_id": "4501"})
    assert ObligationStore(local.table).put_new(obligation)
    return obligation


def _dated(obligation: Obligation, due: date) -> Obligation:
    return obligation.model_copy(update={"due": due})


def sweep(local: Stack, day: date, **extra: Any) -> dict[str, Any]:
    """Fire the template's schedule for `day` and run the notices queue to rest."""
    summary = local.runner.fire(SCHEDULE, {"on": day.isoformat(), **extra})
    local.runner.drain()
    return dict(summary)


@pytest.fixture
def harbor(local: Stack) -> Obligation:
    _seed_facility(local, WDID, "Harbor Plating Works", lrp="lrp@harbor.example")
    return _open(local, LEVEL_1_ERA_REPORT)


def test_schedule_is_daily_at_six_in_los_angeles(local: Stack) -> None:
    spec = local.stack.schedules[SCHEDULE]
    assert spec.function == "DeadlineSweepFunction"
    assert spec.expression == "cron(0 6 * * ? *)"
    assert spec.timezone == "America/Los_Angeles"
    assert spec.input == {"job": "sweep"}
    target = local.stack.cfn_template["Resources"][SCHEDULE]["Properties"]["Target"]
    assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    assert "DeadLetterConfig" in target


@pytest.mark.parametrize(
    ("offset", "step"),
    [(-60, "before-60"), (0, "due"), (1, "overdue-1"), (7, "overdue-7"), (14, "overdue-14"), (21, "overdue-21")],
)
def test_each_policy_boundary_sends_one_reminder(local: Stack, harbor: Obligation, offset: int, step: str) -> None:
    day = DUE + timedelta(days=offset)
    sweep(local, day - timedelta(days=1))  # the day before: the previous step (if any) goes out
    before = len(sent_emails())

    summary = sweep(local, day)

    new = sent_emails()[before:]
    assert [e.to for e in new] == [("lrp@harbor.example",)]
    assert summary["reminders"] == 1
    assert new[0].message["X-Permitclock-Notice"] == f"reminder:{harbor.obligation_id}:{DUE.isoformat()}:{step}"
    assert new[0].attachment_names() == ["deadline.ics"] or new[0].attachment_names()[0].endswith(".ics")


def test_the_day_before_the_first_step_sends_nothing(local: Stack, harbor: Obligation) -> None:
    summary = sweep(local, DUE - timedelta(days=61))
    assert summary["obligations"] == 0  # beyond the 60-day horizon: not even read
    assert sent_emails() == []


def test_a_sweep_run_twice_on_the_same_day_sends_nothing_new(local: Stack, harbor: Obligation) -> None:
    _seed_facility(local, "5 33I000001", "Delta Foundry", lrp="lrp@delta.example", dar="dar@delta.example")
    _open(local, LEVEL_2_ERA_ACTION_PLAN, wdid="5 33I000001")
    day = DUE - timedelta(days=30)
    sweep(local, day)
    first = sorted(e.to[0] for e in sent_emails())
    assert first == ["dar@delta.example", "lrp@delta.example", "lrp@harbor.example"]

    sweep(local, day)
    sweep(local, day + timedelta(days=1))  # the catch-up window repeats before-30: still nothing new

    assert len(sent_emails()) == 3


def test_weekly_overdue_stops_when_the_obligation_closes(local: Stack, harbor: Obligation) -> None:
    sweep(local, DUE + timedelta(days=14))
    assert len(sent_emails()) == 1
    store = ObligationStore(local.table)
    store.replace(harbor.model_copy(update={"status": "closed"}), ics_sequence=0)

    summary = sweep(local, DUE + timedelta(days=21))

    assert summary["obligations"] == 0
    assert len(sent_emails()) == 1


def test_digest_readers_get_one_grouped_digest_and_no_single_reminders(local: Stack) -> None:
    today = date(2026, 12, 25)
    directory = FacilityDirectory(local.table)
    consultant = "consult@stormwater.example"
    for n, (wdid, name) in enumerate(
        [("4 19I000033", "Harbor Plating Works"), ("5 33I000001", "Delta Foundry"), ("8 30I000777", "Inland Cast")]
    ):
        _seed_facility(local, wdid, name, lrp=f"lrp{n}@site.example")
        directory.put_member(Member(wdid=wdid, user_id="consultant", role="DAR", email=consultant, digest=True))
    store = ObligationStore(local.table)
    overdue = _dated(
        era_obligation(LEVEL_1_ERA_REPORT, "4 19I000033", "Zinc, Total", "2024-2025", {}), today - timedelta(days=7)
    )
    soon = era_obligation(LEVEL_2_ERA_ACTION_PLAN, "5 33I000001", "Copper, Total", "2025-2026", {})  # Jan 1: 7 days
    later = _dated(
        era_obligation(LEVEL_1_ERA_REPORT, "8 30I000777", "Iron, Total", "2025-2026", {}), today + timedelta(days=40)
    )
    for ob in (overdue, soon, later):
        assert store.put_new(ob)

    summary = sweep(local, today)

    assert summary["digests"] == 1
    mails = sent_emails()
    to_consultant = [e for e in mails if e.to == (consultant,)]
    assert len(to_consultant) == 1
    digest = to_consultant[0]
    assert "Daily digest" in digest.subject and "3 open items, 1 overdue" in digest.subject
    text = digest.part("plain")
    positions = [text.index("OVERDUE (1)"), text.index("DUE WITHIN 7 DAYS (1)"), text.index("LATER (1)")]
    assert positions == sorted(positions)
    assert text.index("Harbor Plating Works") < text.index("Delta Foundry") < text.index("Inland Cast")
    # the LRPs chose single emails: overdue-7 and before-7 today; the later item has no step today
    assert sorted(e.to[0] for e in mails if e.to != (consultant,)) == ["lrp0@site.example", "lrp1@site.example"]

    sweep(local, today)
    sweep(local, today + timedelta(days=1))  # only catch-up repeats tomorrow: the consultant was told today
    assert len([e for e in sent_emails() if e.to == (consultant,)]) == 1


def test_technical_report_extension_window_closing_is_reported(local: Stack) -> None:
    _seed_facility(local, WDID, "Harbor Plating Works", lrp="lrp@harbor.example")
    tr = _open(local, LEVEL_2_ERA_TECHNICAL_REPORT)  # 2025-2026 -> due January 1, 2028

    summary = sweep(local, tr.due or date.min)

    [window] = summary["windows"]
    assert window["event"] == "closes" and window["window"] == "automatic extension request"
    assert window["obligation_id"] == tr.obligation_id


def test_facility_policy_override_changes_the_steps(local: Stack) -> None:
    _seed_facility(
        local,
        WDID,
        "Harbor Plating Works",
        lrp="lrp@harbor.example",
        reminder_policy={"before_days": [10], "catch_up_days": 0},
    )
    _open(local, LEVEL_1_ERA_REPORT)
    assert sweep(local, DUE - timedelta(days=60))["reminders"] == 0
    assert sweep(local, DUE - timedelta(days=10))["reminders"] == 1
    assert len(sent_emails()) == 1


def test_dry_run_queues_nothing(local: Stack, harbor: Obligation) -> None:
    summary = sweep(local, DUE, dry_run=True)
    assert summary["reminders"] == 1 and summary["dry_run"] is True
    assert sent_emails() == []


# ---------------------------------------------------------------- failures between the claim and SES


class FlakySes:
    """The notifier's SES v2 client, failing its first `failures` sends with `error`."""

    def __init__(self, error: Exception, failures: int) -> None:
        self._real = boto3.client("sesv2", region_name=REGION)
        self._error = error
        self.failures = failures
        self.calls = 0

    def send_email(self, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls <= self.failures:
            raise self._error
        return self._real.send_email(**kwargs)


@contextmanager
def notifier_ses(local: Stack, client: FlakySes) -> Iterator[Callable[[Clock], None]]:
    """The notifier sends through `client` and never waits between retries; yields a setter of its clock."""
    runtime = replace(local.runner.runtime, aws=Aws(region=REGION, sesv2=client), sleep=lambda _seconds: None)
    local.runner.use("NotifierFunction", runtime)

    def notifier_clock(clock: Clock) -> None:
        local.runner.use("NotifierFunction", replace(runtime, clock=clock))

    yield notifier_clock


def test_an_exception_after_the_claim_is_retried_at_once_without_a_second_email(
    local: Stack, harbor: Obligation
) -> None:
    day = DUE - timedelta(days=7)
    flaky = FlakySes(ConnectionResetError("the connection dropped"), failures=1)
    with notifier_ses(local, flaky) as notifier_clock:
        sweep(local, day)  # the claim is given back and the message redelivered: sent on the second delivery
        assert flaky.calls == 2 and [e.to for e in sent_emails()] == [("lrp@harbor.example",)]
        notice_id = f"reminder:{harbor.obligation_id}:{DUE.isoformat()}:before-7"
        assert SendClaims(local.table).status(notice_id, "lrp@harbor.example") == "sent"

        # The next day's sweep repeats the step (catch-up): the claim says sent.
        notifier_clock(FixedClock(datetime.now(UTC) + timedelta(days=1)))
        sweep(local, day + timedelta(days=1))

    assert [e.to for e in sent_emails()] == [("lrp@harbor.example",)] and flaky.calls == 2


@pytest.mark.parametrize("code", ["TooManyRequestsException", "Throttling"])
def test_ses_throttling_past_the_sdks_retries_goes_back_to_the_queue(
    local: Stack, harbor: Obligation, code: str
) -> None:
    """Each failure stands for one `send_email` whose botocore retries were all throttled: the claim is released
    and the queue redelivers, until it is sent (once)."""
    throttled = ClientError(
        {"Error": {"Code": code, "Message": "slow down"}, "ResponseMetadata": {"HTTPStatusCode": 429}}, "SendEmail"
    )
    flaky = FlakySes(throttled, failures=3)
    with notifier_ses(local, flaky):
        sweep(local, DUE)

    assert flaky.calls == 4
    assert [e.to for e in sent_emails()] == [("lrp@harbor.example",)]
    assert local.queue_messages("NoticesDLQ") == []


# ---------------------------------------------------------------- cost follows what is due


def _idle_facilities(local: Stack, start: int, count: int) -> None:
    """Facilities with members and obligations, none of them due inside the horizon (or closed)."""
    store = ObligationStore(local.table)
    for n in range(start, start + count):
        wdid = f"9 99I{n:06d}"
        _seed_facility(local, wdid, f"Idle {n}", lrp=f"lrp{n}@idle.example")
        far = _dated(era_obligation(LEVEL_1_ERA_REPORT, wdid, "pH", "2025-2026", {}), date(2027, 12, 1))
        store.put_new(far)
        done = era_obligation(LEVEL_2_ERA_ACTION_PLAN, wdid, "pH", "2024-2025", {})
        store.replace(done.model_copy(update={"status": "closed"}), ics_sequence=0)


class RequestCounter:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, model: Any, **_: Any) -> None:
        self.calls.append(model.name)


@contextmanager
def dynamodb_requests(local: Stack) -> Iterator[RequestCounter]:
    """Count the sweep function's own DynamoDB requests (botocore's before-call event on the DynamoDB
    resource the runner gives it)."""
    dynamodb = boto3.resource("dynamodb", region_name=REGION)
    counter = RequestCounter()
    dynamodb.meta.client.meta.events.register("before-call.dynamodb", counter)
    local.runner.use("DeadlineSweepFunction", replace(local.runner.runtime, aws=Aws(region=REGION, dynamodb=dynamodb)))
    yield counter


@pytest.mark.slow
def test_sweep_request_count_does_not_grow_with_idle_facilities(local: Stack) -> None:
    for n in range(3):
        wdid = f"4 19I00010{n}"
        _seed_facility(local, wdid, f"Busy {n}", lrp=f"lrp{n}@busy.example")
        _open(local, LEVEL_1_ERA_REPORT, wdid=wdid)
    _idle_facilities(local, 0, 50)
    day = DUE - timedelta(days=30)

    with dynamodb_requests(local) as small:
        summary_small = local.runner.fire(SCHEDULE, {"on": day.isoformat()})
    _idle_facilities(local, 50, 450)
    with dynamodb_requests(local) as large:
        summary_large = local.runner.fire(SCHEDULE, {"on": day.isoformat()})

    assert summary_small["obligations"] == summary_large["obligations"] == 3
    assert sorted(small.calls) == sorted(large.calls)
    assert len(small.calls) > 0
    assert "Scan" not in small.calls + large.calls


def test_emails_carry_the_deadline_calendar_entry(local: Stack, harbor: Obligation) -> None:
    sweep(local, DUE)
    [mail] = sent_emails()
    ics = _ics_part(mail)
    assert b"BEGIN:VEVENT" in ics and b"DTSTART;VALUE=DATE:20270101" in ics
    assert "not a formal notice" in mail.part("plain")


def _ics_part(mail: SentEmail) -> bytes:
    for part in mail.message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload
    raise AssertionError("no text/calendar attachment")


def test_a_burst_of_notices_is_delivered_in_full(local: Stack) -> None:
    """More notices than the redrive policy's maxReceiveCount, queued at once, all reach SES."""
    for n in range(12):
        wdid = f"3 11I{n:06d}"
        _seed_facility(local, wdid, f"Plant {n}", lrp=f"lrp{n}@plant.example")
        _open(local, LEVEL_1_ERA_REPORT, wdid=wdid)
    summary = sweep(local, DUE)
    assert summary["reminders"] == 12
    assert len(sent_emails()) == 12
    assert local.queue_messages("NoticesDLQ") == []


def test_an_opted_in_qisp_gets_a_copy_that_says_so(local: Stack, harbor: Obligation) -> None:
    FacilityDirectory(local.table).put_member(
        Member(wdid=WDID, user_id="qisp-1", role="QISP", email="qisp@consulting.example", cc_opt_in=True)
    )

    sweep(local, DUE - timedelta(days=7))

    by_address = {e.to[0]: e for e in sent_emails()}
    assert set(by_address) == {"lrp@harbor.example", "qisp@consulting.example"}
    assert "You receive this copy" in by_address["qisp@consulting.example"].part("plain")
    assert "You receive this copy" not in by_address["lrp@harbor.example"].part("plain")

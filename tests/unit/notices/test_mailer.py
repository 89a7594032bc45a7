"""SES v2 mailer: real request shape on moto; retries, backoff and permanent errors with botocore Stubber."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from permitclock import observability
from permitclock.adapters.mailer import SesMailer
from permitclock.bootstrap import Aws
from permitclock.notices.mime import build_message, to_bytes
from permitclock.notices.render import RenderedEmail

REGION = "us-west-2"
SENDER = "notices@permitclock.example"
TO = "lrp@facility.example"


def raw_message() -> bytes:
    rendered = RenderedEmail(subject="[permitclock] test", text="plain body", html="<p>html body</p>")
    msg = build_message(rendered, from_address=SENDER, to=TO, date=datetime(2026, 12, 2, tzinfo=UTC))
    return to_bytes(msg)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield


def test_sends_raw_mime_through_moto(aws: None) -> None:
    client = boto3.client("sesv2", region_name=REGION)
    client.create_email_identity(EmailIdentity=SENDER)
    mailer = SesMailer(lambda: client, SENDER)
    result = mailer.send(raw_message(), TO)
    assert result.status == "sent" and result.message_id and result.attempts == 1

    sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    assert len(sent) == 1
    assert sent[0].source == SENDER and TO in sent[0].destinations
    received = email.message_from_string(sent[0].raw_data, policy=policy.default)
    assert received["Subject"] == "[permitclock] test"
    assert [p.get_content_type() for p in received.walk()][-2:] == ["text/plain", "text/html"]


def stubbed() -> tuple[Any, Stubber]:
    client = boto3.client("sesv2", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    return client, Stubber(client)


def expected(configuration_set: str | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {
        "FromEmailAddress": SENDER,
        "Destination": {"ToAddresses": [TO]},
        "Content": {"Raw": {"Data": ANY}},
    }
    if configuration_set:
        params["ConfigurationSetName"] = configuration_set
    return params


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("TooManyRequestsException", 429),
        ("ThrottlingException", 400),
        ("LimitExceededException", 400),
        ("InternalFailure", 500),
        ("SomethingOdd", 503),
    ],
)
def test_throttling_and_5xx_are_retried_with_backoff_then_sent(code: str, status: int) -> None:
    client, stub = stubbed()
    stub.add_client_error("send_email", service_error_code=code, http_status_code=status)
    stub.add_client_error("send_email", service_error_code=code, http_status_code=status)
    stub.add_response("send_email", {"MessageId": "m-1"}, expected("notices"))
    sleeps: list[float] = []
    mailer = SesMailer(
        lambda: client, SENDER, "notices", base_delay=1.0, sleep=sleeps.append, jitter=lambda: 1.0
    )
    with stub:
        result = mailer.send(raw_message(), [TO])
    stub.assert_no_pending_responses()
    assert (result.status, result.message_id, result.attempts) == ("sent", "m-1", 3)
    assert sleeps == [1.0, 2.0]


def test_backoff_is_capped_and_jittered() -> None:
    mailer = SesMailer(lambda: None, SENDER, base_delay=0.5, max_delay=4.0, jitter=lambda: 0.5)
    assert [mailer.backoff(n) for n in (1, 2, 3, 4, 5, 6)] == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]


def test_throttling_that_never_ends_is_exhausted_not_raised() -> None:
    client, stub = stubbed()
    for _ in range(3):
        stub.add_client_error(
            "send_email", service_error_code="TooManyRequestsException", http_status_code=429
        )
    sleeps: list[float] = []
    mailer = SesMailer(lambda: client, SENDER, max_attempts=3, sleep=sleeps.append, jitter=lambda: 0.0)
    with stub:
        result = mailer.send(raw_message(), TO)
    assert (result.status, result.error_code, result.attempts) == (
        "throttled_exhausted",
        "TooManyRequestsException",
        3,
    )
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    ("code", "message", "status"),
    [
        ("MessageRejected", "Email address is not verified. The following identities failed the check in region "
         "US-WEST-2: lrp@facility.example", "held"),  # SES's answer in the sandbox
        ("MailFromDomainNotVerifiedException", "", "held"),
        ("AccountSuspendedException", "", "held"),
        ("SendingPausedException", "Sending is paused for this account.", "held"),
        ("MessageRejected", "Email rejected: the message contains a virus.", "rejected"),
        ("BadRequestException", "", "rejected"),
    ],
)  # fmt: skip
def test_held_and_permanent_errors_are_not_retried(code: str, message: str, status: str) -> None:
    """Held: only the operator can fix it (the notifier lets the queue redeliver); rejected: the message itself."""
    client, stub = stubbed()
    stub.add_client_error("send_email", service_error_code=code, service_message=message, http_status_code=400)
    sleeps: list[float] = []
    with stub:
        result = SesMailer(lambda: client, SENDER, sleep=sleeps.append).send(raw_message(), TO)
    assert (result.status, result.error_code, result.attempts) == (status, code, 1)
    assert sleeps == []


def test_suppressed_recipients_are_dropped_before_sending() -> None:
    client, stub = stubbed()
    calls: list[str] = []

    def suppressed(address: str) -> bool:
        calls.append(address)
        return address == TO

    with stub:  # no response queued: any call would fail
        result = SesMailer(lambda: client, SENDER, is_suppressed=suppressed).send(raw_message(), TO)
    assert (result.status, result.error_code, result.attempts) == ("rejected", "Suppressed", 0)
    assert calls == [TO]


def test_client_is_created_lazily_once() -> None:
    made: list[int] = []
    client, stub = stubbed()

    def factory() -> Any:
        made.append(1)
        return client

    mailer = SesMailer(factory, SENDER)
    assert made == []
    stub.add_response("send_email", {"MessageId": "a"}, expected())
    stub.add_response("send_email", {"MessageId": "b"}, expected())
    with stub:
        assert mailer.send(raw_message(), TO).message_id == "a"
        assert mailer.send(raw_message(), TO).message_id == "b"
    assert made == [1]


def test_the_bootstrap_sesv2_client_has_botocore_retries_off(aws: None) -> None:
    client = Aws(region=REGION).sesv2()
    assert client.meta.service_model.service_name == "sesv2"
    assert client.meta.config.retries["total_max_attempts"] == 1


def test_logs_carry_codes_never_addresses(caplog: pytest.LogCaptureFixture) -> None:
    client, stub = stubbed()
    stub.add_client_error("send_email", service_error_code="TooManyRequestsException", http_status_code=429)
    stub.add_client_error("send_email", service_error_code="MessageRejected", http_status_code=400)
    caplog.set_level("DEBUG")
    with stub:
        SesMailer(lambda: client, SENDER, sleep=lambda _: None, is_suppressed=lambda a: False).send(
            raw_message(), TO
        )
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "MessageRejected" in logged and TO not in logged and SENDER not in logged
    ours = [r for r in caplog.records if r.name == observability.logger.name]
    fields = [(r.getMessage(), r.__dict__.get("error_code"), r.__dict__.get("attempt")) for r in ours]
    assert fields == [("send retry", "TooManyRequestsException", 1), ("send rejected", "MessageRejected", 2)]

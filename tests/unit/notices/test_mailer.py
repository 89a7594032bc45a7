"""SES v2 mailer: real request shape on moto; botocore's retries on scripted HTTP answers; held and permanent errors."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from typing import Any

import boto3
import botocore.endpoint
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.stub import ANY, Stubber
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from permitclock import observability
from permitclock.adapters.mailer import MAX_ATTEMPTS, SES_CLIENT_CONFIG, SesMailer
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


class _Body:
    """The raw HTTP body botocore reads an answer from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data

    def read(self, *_: Any, **__: Any) -> bytes:
        return self._data


def answering(monkeypatch: pytest.MonkeyPatch, *answers: tuple[int, str | None]) -> tuple[Any, list[float]]:
    """A `sesv2` client as bootstrap configures it whose HTTP answers are `(status, error code or None)`, in
    order: botocore's own retry loop runs (its sleeps are recorded, not slept)."""
    client = boto3.client("sesv2", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x",
                          config=SES_CLIENT_CONFIG)  # fmt: skip
    pending = list(answers)

    def answer(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        status, code = pending.pop(0)
        headers = {"content-type": "application/json", **({"x-amzn-ErrorType": code} if code else {})}
        body = b'{"message": "injected"}' if code else b'{"MessageId": "m-1"}'
        return AWSResponse(request.url, status, headers, _Body(body))

    client.meta.events.register("before-send.sesv2.SendEmail", answer)
    sleeps: list[float] = []
    monkeypatch.setattr(botocore.endpoint.time, "sleep", sleeps.append)
    return client, sleeps


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
def test_throttling_and_5xx_are_retried_by_botocore_then_sent(
    monkeypatch: pytest.MonkeyPatch, code: str, status: int
) -> None:
    client, sleeps = answering(monkeypatch, (status, code), (status, code), (200, None))
    result = SesMailer(lambda: client, SENDER, "notices").send(raw_message(), [TO])
    assert (result.status, result.message_id, result.attempts) == ("sent", "m-1", 3)
    assert len(sleeps) == 2 and all(0 <= s <= 20 for s in sleeps)  # full jitter, capped


def test_throttling_that_never_ends_is_exhausted_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    client, sleeps = answering(monkeypatch, *[(429, "TooManyRequestsException")] * MAX_ATTEMPTS)
    result = SesMailer(lambda: client, SENDER).send(raw_message(), TO)
    assert (result.status, result.error_code, result.attempts) == (
        "throttled_exhausted", "TooManyRequestsException", MAX_ATTEMPTS,
    )  # fmt: skip
    assert len(sleeps) == MAX_ATTEMPTS - 1


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
    with stub:
        result = SesMailer(lambda: client, SENDER).send(raw_message(), TO)
    assert (result.status, result.error_code, result.attempts) == (status, code, 1)


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


def test_the_bootstrap_sesv2_client_retries_in_botocores_standard_mode(aws: None) -> None:
    client = Aws(region=REGION).sesv2()
    assert client.meta.service_model.service_name == "sesv2"
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": MAX_ATTEMPTS}


def test_logs_carry_codes_never_addresses(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    client, _ = answering(monkeypatch, (429, "TooManyRequestsException"), (400, "MessageRejected"))
    caplog.set_level("DEBUG")
    SesMailer(lambda: client, SENDER, is_suppressed=lambda a: False).send(raw_message(), TO)
    ours = [r for r in caplog.records if r.name == observability.logger.name]  # not botocore's DEBUG lines
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in ours)
    assert "MessageRejected" in logged and TO not in logged and SENDER not in logged
    fields = [(r.getMessage(), r.__dict__.get("error_code"), r.__dict__.get("attempts")) for r in ours]
    assert fields == [("send rejected", "MessageRejected", 2)]  # the retry was botocore's

"""The SES v2 mailer: sends raw MIME (botocore's standard retry mode retries throttling and transient failures),
holds sends the account may not make yet (the SES sandbox, paused sending), returns permanent ones.

SES has no idempotency token: the notifier claims (notice, recipient) before calling `send` and marks it sent
with the returned message id afterwards (reliability notes 2.3). This adapter never logs addresses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from permitclock.notices.recipients import recipient_hash
from permitclock.observability import logger

SendStatus = Literal["sent", "throttled_exhausted", "held", "rejected"]

RETRYABLE_CODES = frozenset(
    {
        "TooManyRequestsException",
        "ThrottlingException",
        "Throttling",
        "LimitExceededException",
        "LimitExceeded",
        "RequestTimeout",
        "RequestTimeoutException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalServerError",
        "InternalError",
    }
)
HELD_CODES = frozenset(
    {
        "MailFromDomainNotVerifiedException",
        "MailFromDomainNotVerified",
        "AccountSuspendedException",
        "AccountSuspended",
        "SendingPausedException",
        "SendingPaused",
    }
)
"""The account may not send (yet): the notice is held for a retry once the operator fixed it, never dropped."""
UNVERIFIED = re.compile(r"not verified", re.IGNORECASE)
"""`MessageRejected` for an identity not verified: in the SES sandbox, any recipient not verified."""
PERMANENT_CODES = frozenset(
    {
        "MessageRejected",
        "BadRequestException",
        "NotFoundException",
        "AccessDeniedException",
    }
)
_TRANSPORT_ERRORS = (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError)
SUPPRESSED = "Suppressed"


@dataclass(frozen=True)
class SendResult:
    """What happened to one send. `error_code` is the SES error code (or `Suppressed`) when not sent."""

    status: SendStatus
    message_id: str | None = None
    error_code: str | None = None
    attempts: int = 0

    @property
    def sent(self) -> bool:
        return self.status == "sent"


MAX_ATTEMPTS = 5
SES_CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS}, connect_timeout=5, read_timeout=15
)
"""The `sesv2` client's configuration: botocore's standard retry mode retries throttling
(`TooManyRequestsException`, `Throttling...`, `LimitExceeded...`), HTTP 500/502/503/504 and connection errors,
with exponential backoff and full jitter capped at 20 s, up to `MAX_ATTEMPTS` calls; `SesMailer` classifies
what is left."""


class SesMailer:
    """Sends raw MIME through SES v2 `SendEmail`, with the client's own retries (`SES_CLIENT_CONFIG`).

    What the SDK retried and gave up on (throttling, 5xx, connection errors) is `throttled_exhausted`: the caller
    releases its claim and lets the queue redeliver later. An identity not verified (the sandbox) or paused
    sending is `held` (the same for the caller: only the operator can fix it, and then the notice must still go
    out). Any other client error is permanent: `rejected`, never raised. `is_suppressed(address)` (e.g. a
    `SUPPRESS#` lookup) drops suppressed recipients before sending.
    """

    def __init__(
        self,
        client_factory: Callable[[], Any],
        from_address: str,
        configuration_set: str | None = None,
        *,
        is_suppressed: Callable[[str], bool] | None = None,
    ) -> None:
        self._client_factory = client_factory
        self._client: Any = None
        self.from_address = from_address
        self.configuration_set = configuration_set
        self._is_suppressed = is_suppressed

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def send(self, raw_bytes: bytes, to: str | Sequence[str], *, tags: Mapping[str, str] | None = None) -> SendResult:
        """Send one raw message to `to` (the envelope recipients; the MIME headers are not read)."""
        addresses = [to] if isinstance(to, str) else list(to)
        if self._is_suppressed is not None:
            kept = [a for a in addresses if not self._is_suppressed(a)]
            for a in addresses:
                if a not in kept:
                    logger.info("recipient suppressed", recipient_hash=recipient_hash(a))
            addresses = kept
        if not addresses:
            return SendResult(status="rejected", error_code=SUPPRESSED, attempts=0)

        request: dict[str, Any] = {
            "FromEmailAddress": self.from_address,
            "Destination": {"ToAddresses": addresses},
            "Content": {"Raw": {"Data": raw_bytes}},
        }
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        if tags:
            request["EmailTags"] = [{"Name": k, "Value": v} for k, v in tags.items()]

        try:
            response = self.client.send_email(**request)
        except ClientError as exc:
            code, attempts = _error_code(exc), _attempts(exc.response)
            if _held(exc, code):
                logger.warning("send held", error_code=code, attempts=attempts)
                return SendResult(status="held", error_code=code, attempts=attempts)
            if not _retryable(exc, code):
                logger.warning("send rejected", error_code=code, attempts=attempts)
                return SendResult(status="rejected", error_code=code, attempts=attempts)
            logger.warning("send retries exhausted", error_code=code, attempts=attempts)
            return SendResult(status="throttled_exhausted", error_code=code, attempts=attempts)
        except _TRANSPORT_ERRORS as exc:
            logger.warning("send retries exhausted", error_code=type(exc).__name__, attempts=MAX_ATTEMPTS)
            return SendResult(status="throttled_exhausted", error_code=type(exc).__name__, attempts=MAX_ATTEMPTS)
        attempts = _attempts(response)
        logger.info("sent", attempts=attempts, recipients=len(addresses))
        return SendResult(status="sent", message_id=response.get("MessageId"), attempts=attempts)


def _attempts(response: Mapping[str, Any]) -> int:
    """Calls made: botocore counts the retries in the response (or the error's) metadata."""
    return 1 + int(response.get("ResponseMetadata", {}).get("RetryAttempts", 0))


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code") or "Unknown")


def _held(exc: ClientError, code: str) -> bool:
    message = str(exc.response.get("Error", {}).get("Message") or "")
    return code in HELD_CODES or (code == "MessageRejected" and bool(UNVERIFIED.search(message)))


def _retryable(exc: ClientError, code: str) -> bool:
    if code in PERMANENT_CODES:
        return False
    if code in RETRYABLE_CODES:
        return True
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return isinstance(status, int) and status >= 500

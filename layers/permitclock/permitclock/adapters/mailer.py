"""The SES v2 mailer: sends raw MIME, retries throttling and transient failures, holds sends the account may not
make yet (the SES sandbox, paused sending), returns permanent ones.

SES has no idempotency token: the notifier claims (notice, recipient) before calling `send` and marks it sent
with the returned message id afterwards (reliability notes 2.3). This adapter never logs addresses.
"""

from __future__ import annotations

import random
import re
import time
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


SES_CLIENT_CONFIG = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=15)
"""The `sesv2` client's configuration: the SDK's own retries off, so `SesMailer` is the only retry loop."""


class SesMailer:
    """Sends raw MIME through SES v2 `SendEmail`.

    Throttling (`TooManyRequestsException`, `Throttling...`, `LimitExceeded...`), HTTP 5xx and connection
    errors are retried up to `max_attempts` with exponential backoff and full jitter; then the result is
    `throttled_exhausted` (the caller releases its claim and lets the queue redeliver later). An identity not
    verified (the sandbox) or paused sending is `held` (the same for the caller: only the operator can fix it,
    and then the notice must still go out). Any other client error is permanent: `rejected`, never raised.
    `is_suppressed(address)` (e.g. a `SUPPRESS#` lookup) drops suppressed recipients before sending.
    """

    def __init__(
        self,
        client_factory: Callable[[], Any],
        from_address: str,
        configuration_set: str | None = None,
        *,
        max_attempts: int = 5,
        base_delay: float = 0.5,
        max_delay: float = 20.0,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        is_suppressed: Callable[[str], bool] | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._client_factory = client_factory
        self._client: Any = None
        self.from_address = from_address
        self.configuration_set = configuration_set
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._sleep = sleep
        self._jitter = jitter
        self._is_suppressed = is_suppressed

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based): full jitter on a doubling cap."""
        cap = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return cap * self._jitter()

    def send(
        self, raw_bytes: bytes, to: str | Sequence[str], *, tags: Mapping[str, str] | None = None
    ) -> SendResult:
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

        last_code = "Unknown"
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = self.client.send_email(**request)
            except ClientError as exc:
                code = _error_code(exc)
                if _held(exc, code):
                    logger.warning("send held", error_code=code, attempt=attempt)
                    return SendResult(status="held", error_code=code, attempts=attempt)
                if not _retryable(exc, code):
                    logger.warning("send rejected", error_code=code, attempt=attempt)
                    return SendResult(status="rejected", error_code=code, attempts=attempt)
                last_code = code
            except _TRANSPORT_ERRORS as exc:
                last_code = type(exc).__name__
            else:
                message_id = response.get("MessageId")
                logger.info("sent", attempt=attempt, recipients=len(addresses))
                return SendResult(status="sent", message_id=message_id, attempts=attempt)
            if attempt < self.max_attempts:
                delay = self.backoff(attempt)
                logger.info("send retry", error_code=last_code, attempt=attempt, delay=delay)
                self._sleep(delay)
        logger.warning(
            "send retries exhausted", error_code=last_code, attempts=self.max_attempts
        )
        return SendResult(status="throttled_exhausted", error_code=last_code, attempts=self.max_attempts)


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

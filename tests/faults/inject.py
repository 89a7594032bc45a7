"""Fault injection for the local stack (tests and `make faults` only): make AWS calls fail, or a handler die
between two writes.

`inject(Fault(...), ...)` wraps `botocore.client.BaseClient._make_api_call` for the duration of a `with`
block, so every client is covered whenever it was created (the handlers cache theirs across invocations, and
botocore copies a session's event hooks into each client when it is made, so hooks registered on the session
later never reach them). A fault matches a service and operation, optionally only inside one function (the
runner sets `AWS_LAMBDA_FUNCTION_NAME` while it invokes a handler, so the test's own clients are never hit)
and a predicate on the request parameters; it raises a `ClientError` shaped like the service's own, `times`
times (or always). The error is raised before botocore's own retry loop, so a fault stands for "the SDK's
retries are used up": what the handler and the queue do next is what is under test.

`kill_after(owner, method)` / `kill_before(owner, method)` make a method raise `HandlerKilled` after (or
before) it ran, `times` times: the stand-in for a Lambda that dies between two writes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

ALWAYS = 10**9

# HTTP status the real services answer with, for the error shapes the code under test may look at.
_STATUS = {
    "ProvisionedThroughputExceededException": 400,
    "ThrottlingException": 400,
    "ConditionalCheckFailedException": 400,
    "TooManyRequestsException": 429,
    "MessageRejected": 400,
    "InternalError": 500,
    "SlowDown": 503,
}


class HandlerKilled(Exception):
    """The stand-in for a Lambda runtime dying in the middle of an invocation."""


@dataclass
class Fault:
    """Fail `service`.`operation` with `code`, the first `times` matching calls (`ALWAYS`: every one)."""

    service: str  # botocore service name: dynamodb, s3, sesv2, sqs
    operation: str  # API operation name: PutItem, GetObject, SendEmail, ...
    code: str
    times: int = 1
    function: str | None = None  # only inside this function's invocations (its physical name)
    when: Callable[[dict[str, Any]], bool] | None = None  # a predicate on the request parameters
    message: str = "injected fault"
    raised: int = field(default=0, init=False)
    seen: int = field(default=0, init=False)

    def matches(self, service: str, operation: str, params: dict[str, Any]) -> bool:
        if service != self.service or operation != self.operation:
            return False
        if self.function is not None and os.environ.get("AWS_LAMBDA_FUNCTION_NAME") != self.function:
            return False
        return self.when is None or bool(self.when(params))

    def error(self, operation: str) -> ClientError:
        return ClientError(
            {
                "Error": {"Code": self.code, "Message": self.message},
                "ResponseMetadata": {"HTTPStatusCode": _STATUS.get(self.code, 400)},
            },
            operation,
        )


def _plain(value: Any) -> Any:
    """boto3's condition objects (resource-level `KeyConditionExpression=Key(...).eq(...)`) as plain data."""
    if hasattr(value, "get_expression"):
        return value.get_expression()
    if hasattr(value, "name"):
        return value.name
    return str(value)


def mentions(*texts: str) -> Callable[[dict[str, Any]], bool]:
    """A `when` predicate: the request parameters mention one of `texts` (keys, values, conditions)."""

    def check(params: dict[str, Any]) -> bool:
        flat = json.dumps(params, default=_plain)
        return any(t in flat for t in texts)

    return check


@contextmanager
def inject(*faults: Fault) -> Iterator[tuple[Fault, ...]]:
    """Make the matching AWS calls fail while the block runs; yields the faults (their `raised` counts)."""
    original = BaseClient._make_api_call

    def failing(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        service = self.meta.service_model.service_name
        for fault in faults:
            if fault.matches(service, operation_name, api_params):
                fault.seen += 1
                if fault.raised < fault.times:
                    fault.raised += 1
                    raise fault.error(operation_name)
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = failing  # type: ignore[method-assign]
    try:
        yield faults
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


@dataclass
class Kill:
    """How often a patched method was killed, and how often it was called."""

    times: int
    killed: int = 0
    calls: int = 0


@contextmanager
def _patched(owner: Any, name: str, make: Callable[[Callable[..., Any], Kill], Callable[..., Any]], kill: Kill) -> Any:
    original = getattr(owner, name)
    setattr(owner, name, make(original, kill))
    try:
        yield kill
    finally:
        setattr(owner, name, original)


@contextmanager
def kill_after(owner: Any, name: str, times: int = 1) -> Iterator[Kill]:
    """`owner.name` runs, then the "runtime dies" (raises `HandlerKilled`), the first `times` calls."""

    def make(original: Callable[..., Any], kill: Kill) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            kill.calls += 1
            result = original(*args, **kwargs)
            if kill.killed < kill.times:
                kill.killed += 1
                raise HandlerKilled(f"killed after {name}")
            return result

        return wrapper

    with _patched(owner, name, make, Kill(times)) as kill:
        yield kill


@contextmanager
def kill_before(owner: Any, name: str, times: int = 1) -> Iterator[Kill]:
    """The "runtime dies" just before `owner.name` would run, the first `times` calls."""

    def make(original: Callable[..., Any], kill: Kill) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            kill.calls += 1
            if kill.killed < kill.times:
                kill.killed += 1
                raise HandlerKilled(f"killed before {name}")
            return original(*args, **kwargs)

        return wrapper

    with _patched(owner, name, make, Kill(times)) as kill:
        yield kill

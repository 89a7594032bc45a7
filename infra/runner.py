"""The local runner: invokes the template's handlers in-process, the way Lambda would.

- `invoke()` loads `functions/<CodeUri>/app.py` under the function's own environment (as moto resolved it from
  the template) and calls the handler with a Lambda-shaped context.
- `poll()` does what Lambda's SQS event-source mapping does: receive up to BatchSize messages, build the
  `aws:sqs` event, invoke, delete what succeeded, and leave failures for redelivery (made visible again at
  once, standing in for the visibility timeout); moto's redrive policy moves a message to the DLQ once its
  receive count passes maxReceiveCount. A handler that raises fails the whole batch, as on Lambda.
- `drain()` polls every mapping until all queues are quiet, so a test or the demo runs the pipeline to rest.
- `fire()` runs a schedule's target with the schedule's `Input` (moto's Scheduler stores, never fires);
  `fire_async()` as Lambda runs the scheduler's asynchronous invocation: retried per the function's
  `EventInvokeConfig`, then the invocation record sent to its on-failure destination queue.
- One invocation at a time (a lock): the handlers share one process's environment, which `invoke` sets per
  function, and moto's backends are not transactional across threads, so the local server's pollers and HTTP
  requests take turns as Lambda's separate sandboxes need not.
- Every call a handler makes is checked against its role's statements in the translated template
  (`infra.local_iam`): a call the role does not allow fails with AccessDenied, as on Lambda; `iam_used` holds
  what was allowed, by which statement.
- Each invocation's context counts down from the function's timeout, as Lambda's does; `remaining_time(function,
  factory)` makes each later invocation of `function` tell its remaining time by a clock of `factory()` (a test
  giving the monitoring intake a few records' time, to make it checkpoint).
- Every function's service is built by `permitclock.bootstrap` from the runner's `Runtime` (one `Aws` for
  the runner's functions, and the clock): `LocalRunner(stack, runtime=Runtime(clock=my_clock))` makes every
  function tell the time by `my_clock`; `use(function, runtime)` gives one function its own (a failing SES
  client, a DynamoDB resource whose requests a test counts, a later clock) and rebuilds its service.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import boto3
from permitclock.bootstrap import Aws, Runtime

from infra import local_iam
from infra.local_stack import ACCOUNT_ID, REGION, FunctionSpec, LocalStack, QueueMapping

local_iam.install()

# Powertools needs these off the Lambda runtime: no X-Ray daemon, no CloudWatch EMF target.
_LOCAL_ENV = {
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that handlers and powertools read."""

    function_name: str
    timeout_seconds: int
    memory_limit_in_mb: int = 1024
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"
    remaining: Callable[[], int] | None = None
    """The milliseconds left, when a test sets them (`LocalRunner.remaining_time`); else the countdown."""
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:123456789012:function:{self.function_name}"

    @property
    def function_version(self) -> str:
        return "$LATEST"

    def get_remaining_time_in_millis(self) -> int:
        if self.remaining is not None:
            return self.remaining()
        return max(0, int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000))


def _failure_record(spec: FunctionSpec, event: dict[str, Any], error: Exception, attempts: int) -> dict[str, Any]:
    """What Lambda sends an on-failure destination when an asynchronous invocation's retries are exhausted."""
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{spec.name}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": attempts,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorMessage": str(error), "errorType": type(error).__name__},
    }


def _hash_key(schema: list[dict[str, str]]) -> str:
    return next(k["AttributeName"] for k in schema if k["KeyType"] == "HASH")


@dataclass
class PollResult:
    received: int = 0
    succeeded: int = 0
    failed: int = 0


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update({k: str(v) for k, v in values.items()})
    try:
        yield
    finally:
        for k, old in saved.items():
            if old is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = old


class LocalRunner:
    """Runs the stack's handlers in-process against the moto services."""

    def __init__(self, stack: LocalStack, runtime: Runtime | None = None) -> None:
        self.stack = stack
        self.runtime = runtime or Runtime(aws=Aws(region=REGION))
        """The runtime every function's service is built with, unless `use` gave the function its own."""
        self._runtimes: dict[str, Runtime] = {}
        self._modules: dict[str, ModuleType] = {}
        self._sqs = boto3.client("sqs", region_name=REGION)
        self._invoking = threading.RLock()
        self._roles: dict[str, local_iam.Role] = {}
        self._remaining: dict[str, Callable[[], Callable[[], int]]] = {}
        self.iam_used: set[local_iam.Use] = set()
        """Every request a function made, with the statement of its role that allowed it."""

    def runtime_of(self, function: str) -> Runtime:
        return self._runtimes.get(function, self.runtime)

    def use(self, function: str, runtime: Runtime) -> None:
        """Build `function`'s service with `runtime` from its next invocation on (the module's `wiring`)."""
        self._runtimes[function] = runtime
        if function in self._modules:
            self._modules[function].wiring.use(runtime)

    def remaining_time(self, function: str, factory: Callable[[], Callable[[], int]] | None) -> None:
        """Each later invocation of `function` tells its remaining milliseconds by a new `factory()`; None: by
        the countdown from the function's timeout again."""
        if factory is None:
            self._remaining.pop(function, None)
        else:
            self._remaining[function] = factory

    def _env(self, spec: FunctionSpec) -> dict[str, str]:
        return {
            **{k: str(v) for k, v in spec.environment.items()},
            **_LOCAL_ENV,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        }

    def handler(self, function: str) -> Callable[[dict[str, Any], Any], Any]:
        """The handler callable of a function (its module loaded once, under its environment)."""
        spec = self.stack.functions[function]
        module_file, attr = spec.handler.rsplit(".", 1)
        if function not in self._modules:
            path = spec.code_dir / f"{module_file.replace('.', '/')}.py"
            name = f"permitclock_fn_{function}"
            module_spec = importlib.util.spec_from_file_location(name, path)
            if module_spec is None or module_spec.loader is None:
                raise RuntimeError(f"cannot load handler {path}")
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[name] = module
            with _environment(self._env(spec)):
                module_spec.loader.exec_module(module)
            module.wiring.use(self.runtime_of(function))  # every handler module holds a `bootstrap.Wiring`
            self._modules[function] = module
        return getattr(self._modules[function], attr)

    def service(self, function: str) -> Any:
        """The function's service as its handler holds it (`bootstrap.Wiring.service`, built on first use):
        e.g. a second delivery of an event handled directly, racing the one the handler is running."""
        self.handler(function)
        return self._modules[function].wiring.service

    def role(self, function: str) -> local_iam.Role:
        """What the function's calls are checked against: its role's statements, resolved on this stack."""
        if function not in self._roles:
            cfn = self.stack.cfn_template
            schemas = {}
            for logical, resource in cfn["Resources"].items():
                if resource["Type"] == "AWS::DynamoDB::Table":
                    props, name = resource["Properties"], self.stack.physical[logical]
                    schemas[name] = _hash_key(props["KeySchema"])
                    for index in props.get("GlobalSecondaryIndexes", []):
                        schemas[f"{name}/index/{index['IndexName']}"] = _hash_key(index["KeySchema"])
            self._roles[function] = local_iam.Role(
                function=function,
                grants=local_iam.role_grants(cfn, function, self.stack.resolve),
                account=local_iam.Account(REGION, ACCOUNT_ID, schemas),
                used=self.iam_used,
            )
        return self._roles[function]

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        """Invoke a function synchronously, in-process, with its template environment and its role's
        permissions (one at a time)."""
        spec = self.stack.functions[function]
        with self._invoking:
            handler = self.handler(function)
            with _environment(self._env(spec)), local_iam.acting_as(self.role(function)):
                factory = self._remaining.get(function)
                context = LambdaContext(
                    function_name=spec.name, timeout_seconds=spec.timeout, remaining=factory() if factory else None
                )
                return handler(event, context)

    def poll(self, mapping: QueueMapping) -> PollResult:
        """One poll of an event-source mapping: receive, invoke, delete successes, release failures."""
        response = self._sqs.receive_message(
            QueueUrl=mapping.queue_url,
            MaxNumberOfMessages=min(mapping.batch_size, 10),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        result = PollResult(received=len(messages))
        if not messages:
            return result
        event = {"Records": [self._record(m, mapping) for m in messages]}
        failed_ids: set[str]
        try:
            outcome = self.invoke(mapping.function, event)
        except Exception:  # the whole batch returns to the queue, as on Lambda
            failed_ids = {m["MessageId"] for m in messages}
        else:
            failures = (outcome or {}).get("batchItemFailures", []) if mapping.report_batch_item_failures else []
            failed_ids = {f["itemIdentifier"] for f in failures}
        for message in messages:
            if message["MessageId"] in failed_ids:
                self._sqs.change_message_visibility(
                    QueueUrl=mapping.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
                result.failed += 1
            else:
                self._sqs.delete_message(QueueUrl=mapping.queue_url, ReceiptHandle=message["ReceiptHandle"])
                result.succeeded += 1
        return result

    def drain(
        self,
        only: set[str] | None = None,
        max_polls: int = 10_000,
        progress: Callable[[str, PollResult], None] | None = None,
    ) -> PollResult:
        """Poll every mapping (or those of the functions in `only`) until a full round receives nothing."""
        mappings = [m for m in self.stack.mappings if only is None or m.function in only]
        total = PollResult()
        for _ in range(max_polls):
            round_received = 0
            for mapping in mappings:
                r = self.poll(mapping)
                round_received += r.received
                total.received += r.received
                total.succeeded += r.succeeded
                total.failed += r.failed
                if progress and r.received:
                    progress(mapping.function, r)
            if round_received == 0:
                return total
        raise RuntimeError(f"queues still busy after {max_polls} polls")

    def fire(self, schedule: str, input_override: dict[str, Any] | None = None) -> Any:
        """Run a schedule's target once, with its template `Input` (merged with any override)."""
        spec = self.stack.schedules[schedule]
        return self.invoke(spec.function, {**spec.input, **(input_override or {})})

    def fire_async(self, schedule: str, input_override: dict[str, Any] | None = None) -> Any:
        """`fire`, the way Lambda runs an asynchronous invocation: a run that raises is retried
        `MaximumRetryAttempts` times (the function's `EventInvokeConfig`, else Lambda's 2); when every attempt
        failed, the invocation record goes to the on-failure destination queue and the last error is raised."""
        spec = self.stack.schedules[schedule]
        event = {**spec.input, **(input_override or {})}
        configs = [
            r["Properties"]
            for r in self.stack.cfn_template["Resources"].values()
            if r["Type"] == "AWS::Lambda::EventInvokeConfig"
            and r["Properties"]["FunctionName"] == {"Ref": spec.function}
        ]
        config = configs[0] if configs else {}
        attempts = 1 + int(config.get("MaximumRetryAttempts", 2))
        for attempt in range(1, attempts + 1):
            try:
                return self.invoke(spec.function, event)
            except Exception as err:
                if attempt < attempts:
                    continue
                destination = config.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
                if destination:
                    queue = self.stack.physical[destination["Fn::GetAtt"][0]]
                    self._sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(
                        _failure_record(self.stack.functions[spec.function], event, err, attempts)))  # fmt: skip
                raise
        raise AssertionError("unreachable")

    @staticmethod
    def _record(message: dict[str, Any], mapping: QueueMapping) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": message.get("MessageAttributes", {}),
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": mapping.queue_arn,
            "awsRegion": REGION,
        }

"""The local stack fixture: template.yaml provisioned on moto, handlers run in-process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.local_stack import REGION, LocalStack, provision
from infra.runner import LocalRunner


@dataclass
class Stack:
    """The provisioned stack, its runner and clients for assertions."""

    stack: LocalStack
    runner: LocalRunner
    s3: Any
    sqs: Any
    table: Any

    @property
    def bucket(self) -> str:
        return self.stack.bucket

    def queue_messages(self, logical_id: str) -> list[dict[str, Any]]:
        """Every message waiting on a queue, parsed (received, then made visible again)."""
        url = self.stack.queue_url(logical_id)
        out: list[dict[str, Any]] = []
        while True:
            batch = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)
            messages = batch.get("Messages", [])
            if not messages:
                break
            out.extend(messages)
        for m in out:
            self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
        return [json.loads(m["Body"]) for m in out]

    def items(self, pk: str, sk_prefix: str = "") -> list[dict[str, Any]]:
        from boto3.dynamodb.conditions import Key

        condition = Key("pk").eq(pk)
        if sk_prefix:
            condition = condition & Key("sk").begins_with(sk_prefix)
        return list(self.table.query(KeyConditionExpression=condition)["Items"])


@pytest.fixture
def local() -> Iterator[Stack]:
    with mock_aws():
        stack = provision()
        yield Stack(
            stack=stack,
            runner=LocalRunner(stack),
            s3=boto3.client("s3", region_name=REGION),
            sqs=boto3.client("sqs", region_name=REGION),
            table=boto3.resource("dynamodb", region_name=REGION).Table(stack.table),
        )

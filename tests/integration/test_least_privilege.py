"""Least privilege, live: a handler's calls on the local stack are checked against its role in the translated
template (infra.local_iam), so every pipeline test also proves the role is enough; these show it is no more."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from infra import local_iam
from infra.local_stack import REGION
from tests.integration.conftest import Stack


def refused(local: Stack, function: str, call: object) -> str:
    with local_iam.acting_as(local.runner.role(function)), pytest.raises(ClientError) as denied:
        call()  # type: ignore[operator]
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    return str(denied.value)


def test_the_attachment_validator_cannot_touch_the_registry_or_other_partitions(local: Stack) -> None:
    table = boto3.resource("dynamodb", region_name=REGION).Table(local.stack.table)
    message = refused(local, "AttachmentValidatorFunction",
                      lambda: table.put_item(Item={"pk": "QISP#1", "sk": "PROFILE"}))  # fmt: skip
    assert "dynamodb:PutItem" in message and "QISP#1" in message
    refused(local, "AttachmentValidatorFunction", lambda: table.delete_item(Key={"pk": "FAC#1", "sk": "MEMBER#u"}))
    refused(local, "AttachmentValidatorFunction", lambda: table.scan())


def test_the_level_worker_writes_facilities_and_its_run_summary_only(local: Stack) -> None:
    table = boto3.resource("dynamodb", region_name=REGION).Table(local.stack.table)
    with local_iam.acting_as(local.runner.role("LevelWorkerFunction")):
        table.put_item(Item={"pk": "FAC#1 00I000001", "sk": "STATUS#pH#2025-2026"})
    refused(local, "LevelWorkerFunction", lambda: table.put_item(Item={"pk": "SUPPRESS#x", "sk": "EMAIL"}))
    refused(local, "LevelWorkerFunction", lambda: table.put_item(Item={"pk": "RUN#annual", "sk": "other"}))
    s3 = boto3.client("s3", region_name=REGION)
    refused(local, "LevelWorkerFunction", lambda: s3.get_object(Bucket=local.bucket, Key="monitoring/x.txt"))


def test_the_monitoring_intake_cannot_send_mail_or_claim_notices(local: Stack) -> None:
    table = boto3.resource("dynamodb", region_name=REGION).Table(local.stack.table)
    refused(local, "MonitoringIntakeFunction", lambda: table.put_item(Item={"pk": "NOTICE#n", "sk": "TO#x"}))
    ses = boto3.client("sesv2", region_name=REGION)
    refused(local, "MonitoringIntakeFunction", lambda: ses.send_email(
        FromEmailAddress="notices@permitclock.example", Destination={"ToAddresses": ["a@example.org"]},
        Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}}))  # fmt: skip


def test_every_function_has_a_role_the_check_can_read(local: Stack) -> None:
    for function in local.stack.functions:
        assert local.runner.role(function).grants, function

"""The moto stack is the one template.yaml defines: tables, queues, notifications and mappings never drift."""

from __future__ import annotations

import json

import boto3

from infra.local_stack import REGION, load_template
from tests.integration.conftest import Stack


def _resources(kind: str) -> dict:
    return {k: v for k, v in load_template()["Resources"].items() if v["Type"] == kind}


def test_table_keys_indexes_and_ttl_match_the_template(local: Stack) -> None:
    [(logical, spec)] = _resources("AWS::DynamoDB::Table").items()
    client = boto3.client("dynamodb", region_name=REGION)
    described = client.describe_table(TableName=local.stack.physical[logical])["Table"]

    assert described["KeySchema"] == spec["Properties"]["KeySchema"]
    template_indexes = {g["IndexName"]: g["KeySchema"] for g in spec["Properties"]["GlobalSecondaryIndexes"]}
    assert {g["IndexName"]: g["KeySchema"] for g in described["GlobalSecondaryIndexes"]} == template_indexes
    assert described["BillingModeSummary"]["BillingMode"] == spec["Properties"]["BillingMode"]


def test_queues_and_redrive_policies_match_the_template(local: Stack) -> None:
    queues = _resources("AWS::SQS::Queue")
    arns = {
        logical: local.sqs.get_queue_attributes(QueueUrl=local.stack.queue_url(logical), AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        for logical in queues
    }
    for logical, spec in queues.items():
        attributes = local.sqs.get_queue_attributes(QueueUrl=local.stack.queue_url(logical), AttributeNames=["All"])[
            "Attributes"
        ]
        props = spec["Properties"]
        if "VisibilityTimeout" in props:
            assert int(attributes["VisibilityTimeout"]) == props["VisibilityTimeout"]
        redrive = props.get("RedrivePolicy")
        if redrive:
            actual = json.loads(attributes["RedrivePolicy"])
            assert actual["maxReceiveCount"] == redrive["maxReceiveCount"]
            assert actual["deadLetterTargetArn"] == arns[redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]]
        else:
            assert "RedrivePolicy" not in attributes


def test_bucket_notifications_versioning_and_public_access_match_the_template(local: Stack) -> None:
    [(logical, spec)] = _resources("AWS::S3::Bucket").items()
    props = spec["Properties"]
    bucket = local.stack.physical[logical]

    configured = local.s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"]
    expected = {
        (qc["Event"], rule["Value"])
        for qc in props["NotificationConfiguration"]["QueueConfigurations"]
        for rule in qc["Filter"]["S3Key"]["Rules"]
    }
    assert {(c["Events"][0], c["Filter"]["Key"]["FilterRules"][0]["Value"]) for c in configured} == expected
    assert local.s3.get_bucket_versioning(Bucket=bucket)["Status"] == props["VersioningConfiguration"]["Status"]
    block = local.s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == props["PublicAccessBlockConfiguration"]


def test_every_sqs_event_of_a_function_is_polled_with_its_batch_settings(local: Stack) -> None:
    expected = {
        (logical, event["Properties"]["BatchSize"], tuple(event["Properties"].get("FunctionResponseTypes", [])))
        for logical, fn in _resources("AWS::Serverless::Function").items()
        for event in fn["Properties"].get("Events", {}).values()
        if event["Type"] == "SQS"
    }
    actual = {
        (m.function, m.batch_size, ("ReportBatchItemFailures",) if m.report_batch_item_failures else ())
        for m in local.stack.mappings
    }
    assert actual == expected
    moto_mappings = boto3.client("lambda", region_name=REGION).list_event_source_mappings()["EventSourceMappings"]
    assert {m["EventSourceArn"] for m in moto_mappings} == {m.queue_arn for m in local.stack.mappings}


def test_alarms_and_log_groups_are_the_templates(local: Stack) -> None:
    """moto's CloudFormation skips the alarms (the local stack creates them); log groups it creates itself."""
    alarms = _resources("AWS::CloudWatch::Alarm")
    described = boto3.client("cloudwatch", region_name=REGION).describe_alarms(MaxRecords=100)["MetricAlarms"]
    by_name = {a["AlarmName"]: a for a in described}
    assert set(by_name) == {local.stack.physical[logical] for logical in alarms}
    queues = {url.rsplit("/", 1)[-1] for logical, url in local.stack.physical.items() if logical.endswith("DLQ")}
    watched = {d["Value"] for a in described for d in a["Dimensions"] if d["Name"] == "QueueName"}
    assert watched == queues  # every dead-letter queue of the stack, by its physical name
    assert all(a["AlarmActions"] == [local.stack.physical["AlarmTopic"]] for a in described)

    groups = boto3.client("logs", region_name=REGION).describe_log_groups()["logGroups"]
    functions = {spec.name for spec in local.stack.functions.values()}
    assert {g["logGroupName"].removeprefix("/aws/lambda/") for g in groups} >= functions
    assert {g["retentionInDays"] for g in groups} == {load_template()["Parameters"]["LogRetentionDays"]["Default"]}

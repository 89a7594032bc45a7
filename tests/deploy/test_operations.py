"""Operations in the template: what an operator is paged for, how long logs are kept, what survives a stack delete.

Each `check_*` walks the CloudFormation the SAM translator produces (whatever resources it holds) and returns its
problems, so a new dead-letter queue, schedule, function or HTTP API without its alarm, log group or access log
fails here; each is also run on a deliberately bare template to prove it catches what it should.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from infra.local_stack import load_template, translate
from tests.security.template_review import _dead_letter_targets, _listed, _of_type, render

Template = dict[str, Any]


def _alarms(cfn: Template) -> dict[str, dict[str, Any]]:
    return {k: r["Properties"] for k, r in _of_type(cfn, "AWS::CloudWatch::Alarm").items()}


def _dimension(alarm: dict[str, Any], name: str) -> str | None:
    values = [render(d["Value"]) for d in alarm.get("Dimensions", []) if d["Name"] == name]
    return values[0] if len(values) == 1 else None


def _paging_topics(cfn: Template) -> set[str]:
    """Topics with an email subscription whose endpoint is a template parameter."""
    return {
        render(s["Properties"]["TopicArn"])
        for s in _of_type(cfn, "AWS::SNS::Subscription").values()
        if s["Properties"].get("Protocol") == "email"
        and render(s["Properties"].get("Endpoint")).strip("${}") in cfn.get("Parameters", {})
    }


def check_alarm_actions(cfn: Template) -> list[str]:
    """Every alarm notifies (and clears) on a topic an operator's email address is subscribed to."""
    paging = _paging_topics(cfn)
    problems = []
    for logical, alarm in _alarms(cfn).items():
        for key in ("AlarmActions", "OKActions"):
            actions = {render(a) for a in _listed(alarm.get(key, []))}
            if not actions or not actions <= paging:
                problems.append(f"{logical}: {key} {sorted(actions)} is not a topic with an email subscription")
    return problems


def check_dead_letter_alarms(cfn: Template) -> list[str]:
    """Every dead-letter queue (of a redrive policy, a schedule, a function) alarms as soon as it holds one."""
    watched = {
        _dimension(a, "QueueName"): a
        for a in _alarms(cfn).values()
        if a.get("Namespace") == "AWS/SQS" and a.get("MetricName") == "ApproximateNumberOfMessagesVisible"
    }
    problems = []
    for dlq in sorted(set(_dead_letter_targets(cfn["Resources"]))):
        alarm = watched.get("${" + dlq + ".QueueName}")
        if alarm is None:
            problems.append(f"{dlq}: no alarm on its depth")
        elif (alarm.get("ComparisonOperator"), float(alarm.get("Threshold", -1))) != ("GreaterThanThreshold", 0):
            problems.append(f"{dlq}: its alarm does not fire on the first message")
    return problems


def check_schedule_alarms(cfn: Template) -> list[str]:
    """Every function a schedule invokes alarms on its errors."""
    watched = {
        _dimension(a, "FunctionName")
        for a in _alarms(cfn).values()
        if a.get("Namespace") == "AWS/Lambda" and a.get("MetricName") == "Errors"
    }
    problems = []
    for logical, schedule in _of_type(cfn, "AWS::Scheduler::Schedule").items():
        target = render(schedule["Properties"]["Target"]["Arn"])
        function = re.fullmatch(r"\$\{(\w+)\.Arn\}", target)
        if function is None or "${" + function.group(1) + "}" not in watched:
            problems.append(f"{logical}: its target {target} has no alarm on its errors")
    return problems


def check_schedule_failure_destinations(cfn: Template) -> list[str]:
    """Every function a schedule invokes (asynchronously) keeps a run that fails Lambda's retries: an
    on-failure destination (`EventInvokeConfig`) or a dead-letter queue of the template."""
    queues = set(_of_type(cfn, "AWS::SQS::Queue"))
    kept = {
        render(c["Properties"]["FunctionName"]).strip("${}")
        for c in _of_type(cfn, "AWS::Lambda::EventInvokeConfig").values()
        if render(c["Properties"].get("DestinationConfig", {}).get("OnFailure", {}).get("Destination"))
        .removesuffix(".Arn}")
        .removeprefix("${")
        in queues
    }
    kept |= {
        logical
        for logical, f in _of_type(cfn, "AWS::Lambda::Function").items()
        if render(f["Properties"].get("DeadLetterConfig", {}).get("TargetArn")).removesuffix(".Arn}").removeprefix("${")
        in queues
    }
    problems = []
    for logical, schedule in _of_type(cfn, "AWS::Scheduler::Schedule").items():
        target = render(schedule["Properties"]["Target"]["Arn"])
        function = re.fullmatch(r"\$\{(\w+)\.Arn\}", target)
        if function is None or function.group(1) not in kept:
            problems.append(f"{logical}: its target {target} has no on-failure destination or dead-letter queue")
    return problems


def check_ses_reputation_alarms(cfn: Template) -> list[str]:
    """A template that sends through SES alarms on the account's bounce and complaint rates."""
    if not _of_type(cfn, "AWS::SES::ConfigurationSet"):
        return []
    watched = {a.get("MetricName") for a in _alarms(cfn).values() if a.get("Namespace") == "AWS/SES"}
    return [f"no alarm on SES {m}" for m in ("Reputation.BounceRate", "Reputation.ComplaintRate") if m not in watched]


def _retention(cfn: Template, group: dict[str, Any]) -> str | None:
    ref = group.get("Properties", {}).get("RetentionInDays")
    name = ref.get("Ref") if isinstance(ref, dict) else None
    return name if name in cfn.get("Parameters", {}) else None


def check_log_retention(cfn: Template) -> list[str]:
    """Every function's log group (`/aws/lambda/{function}`) is in the template with a retention parameter; so
    is every other log group."""
    groups = _of_type(cfn, "AWS::Logs::LogGroup")
    problems = [f"{k}: RetentionInDays is not a parameter" for k, g in groups.items() if not _retention(cfn, g)]
    names = {render(g.get("Properties", {}).get("LogGroupName")) for g in groups.values()}
    problems += [
        f"{function}: no log group /aws/lambda/{{function}} in the template (Lambda's own never expires)"
        for function in _of_type(cfn, "AWS::Lambda::Function")
        if "/aws/lambda/${" + function + "}" not in names
    ]
    return problems


def check_access_logs(cfn: Template) -> list[str]:
    """Every HTTP API stage writes JSON access logs, without the caller's IP or identity, to a kept log group."""
    groups = _of_type(cfn, "AWS::Logs::LogGroup")
    problems = []
    for logical, stage in _of_type(cfn, "AWS::ApiGatewayV2::Stage").items():
        settings = stage["Properties"].get("AccessLogSettings", {})
        destination = re.fullmatch(r"\$\{(\w+)\.Arn\}", render(settings.get("DestinationArn")))
        if destination is None or destination.group(1) not in groups:
            problems.append(f"{logical}: no access log to a log group of the template")
            continue
        try:
            fields = json.loads(settings.get("Format", ""))
        except ValueError:
            problems.append(f"{logical}: the access log format is not JSON")
            continue
        if not {"requestId", "routeKey", "status"} <= fields.keys():
            problems.append(f"{logical}: the access log lacks requestId, routeKey or status")
        if re.search(r"sourceIp|identity\.|authorizer\.claims|userAgent", json.dumps(fields)):
            problems.append(f"{logical}: the access log records who called")
    return problems


KEPT = ("AWS::S3::Bucket", "AWS::DynamoDB::Table", "AWS::KMS::Key")
"""What holds (or unlocks) the user's records: never deleted with the stack or on a replacement."""


def check_retained(cfn: Template) -> list[str]:
    return [
        f"{logical}: {policy} is not Retain"
        for kind in KEPT
        for logical, resource in _of_type(cfn, kind).items()
        for policy in ("DeletionPolicy", "UpdateReplacePolicy")
        if resource.get(policy) != "Retain"
    ]


def check_topics_encrypted(cfn: Template) -> list[str]:
    """Every SNS topic is encrypted with a key of the template whose policy lets its publisher use it."""
    keys = _of_type(cfn, "AWS::KMS::Key")
    publishers = {
        render(topic): {render(p) for s in _listed(policy["Properties"]["PolicyDocument"]["Statement"])
                        for p in _listed(s.get("Principal", {}).get("Service", []))}
        for policy in _of_type(cfn, "AWS::SNS::TopicPolicy").values()
        for topic in _listed(policy["Properties"]["Topics"])
    }  # fmt: skip
    problems = []
    for logical, topic in _of_type(cfn, "AWS::SNS::Topic").items():
        key = render(topic.get("Properties", {}).get("KmsMasterKeyId")).strip("${}")
        if key not in keys:
            problems.append(f"{logical}: not encrypted with a customer managed key of the template")
            continue
        allowed = {
            render(p)
            for s in _listed(keys[key]["Properties"]["KeyPolicy"]["Statement"])
            if {"kms:GenerateDataKey*", "kms:Decrypt"} <= set(_listed(s.get("Action", [])))
            for p in _listed(s.get("Principal", {}).get("Service", []))
        }
        missing = publishers.get("${" + logical + "}", set()) - allowed
        if missing:
            problems.append(f"{logical}: {sorted(missing)} publish to it but may not use its key {key}")
    return problems


ALL_CHECKS = (
    check_alarm_actions,
    check_dead_letter_alarms,
    check_schedule_alarms,
    check_schedule_failure_destinations,
    check_ses_reputation_alarms,
    check_log_retention,
    check_access_logs,
    check_retained,
    check_topics_encrypted,
)


@pytest.fixture(scope="module")
def cfn() -> Template:
    return translate(load_template())


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: c.__name__)
def test_template_passes(cfn: Template, check: Callable[[Template], list[str]]) -> None:
    assert check(cfn) == []


def test_the_walks_find_what_they_check(cfn: Template) -> None:
    assert len(set(_dead_letter_targets(cfn["Resources"]))) >= 10
    assert len(_of_type(cfn, "AWS::Scheduler::Schedule")) >= 4
    assert len(_of_type(cfn, "AWS::Lambda::Function")) >= 12
    assert _of_type(cfn, "AWS::ApiGatewayV2::Stage") and _paging_topics(cfn)


def test_the_alarm_email_and_log_retention_are_parameters() -> None:
    parameters = load_template()["Parameters"]
    assert parameters["AlarmEmail"]["Default"] == ""  # no subscription unless one is given
    assert 90 in parameters["LogRetentionDays"]["AllowedValues"]
    assert parameters["LogRetentionDays"]["Default"] in parameters["LogRetentionDays"]["AllowedValues"]


# ------------------------------------------------------------------ the checks catch what they should
BARE: Template = {
    "Transform": "AWS::Serverless-2016-10-31",
    "Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket"},
        "Dlq": {"Type": "AWS::SQS::Queue"},
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"KmsMasterKeyId": "alias/aws/sns"}},
        "TopicPolicy": {
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {
                "Topics": [{"Ref": "Topic"}],
                "PolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ses.amazonaws.com"},
                                                  "Action": "sns:Publish", "Resource": {"Ref": "Topic"}}]},
            },
        },
        "Config": {"Type": "AWS::SES::ConfigurationSet"},
        "Alarm": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {"Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
                           "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["Dlq", "QueueName"]}}],
                           "Threshold": 10, "ComparisonOperator": "GreaterThanThreshold",
                           "AlarmActions": [{"Ref": "Topic"}]},
        },
        "Api": {"Type": "AWS::Serverless::HttpApi"},
        "Fn": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "CodeUri": "functions/x", "Handler": "app.handler", "Runtime": "python3.12",
                "DeadLetterQueue": {"Type": "SQS", "TargetArn": {"Fn::GetAtt": ["Dlq", "Arn"]}},
                "Events": {
                    "Daily": {"Type": "ScheduleV2", "Properties": {"ScheduleExpression": "rate(1 day)"}},
                    "Api": {"Type": "HttpApi", "Properties": {"ApiId": {"Ref": "Api"}}},
                },
            },
        },
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 30}},
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def bare() -> Template:
    return translate(copy.deepcopy(BARE))


def test_the_checks_catch_a_bare_template(bare: Template) -> None:
    assert check_alarm_actions(bare) == [
        "Alarm: AlarmActions ['${Topic}'] is not a topic with an email subscription",
        "Alarm: OKActions [] is not a topic with an email subscription",
    ]
    assert check_dead_letter_alarms(bare) == ["Dlq: its alarm does not fire on the first message"]
    assert check_schedule_alarms(bare) == ["FnDaily: its target ${Fn.Arn} has no alarm on its errors"]
    assert check_ses_reputation_alarms(bare) == [
        "no alarm on SES Reputation.BounceRate",
        "no alarm on SES Reputation.ComplaintRate",
    ]
    assert check_log_retention(bare) == [
        "Logs: RetentionInDays is not a parameter",
        "Fn: no log group /aws/lambda/{function} in the template (Lambda's own never expires)",
    ]
    assert check_access_logs(bare) == ["ApiApiGatewayDefaultStage: no access log to a log group of the template"]
    assert check_retained(bare) == ["Bucket: DeletionPolicy is not Retain", "Bucket: UpdateReplacePolicy is not Retain"]
    assert check_topics_encrypted(bare) == ["Topic: not encrypted with a customer managed key of the template"]


def test_a_scheduled_function_that_loses_failed_runs_is_caught() -> None:
    function = copy.deepcopy(BARE["Resources"]["Fn"])
    del function["Properties"]["DeadLetterQueue"], function["Properties"]["Events"]["Api"]
    cfn = translate({"Transform": BARE["Transform"], "Resources": {"Fn": function}})
    assert check_schedule_failure_destinations(cfn) == [
        "FnDaily: its target ${Fn.Arn} has no on-failure destination or dead-letter queue"
    ]


def test_an_access_log_naming_the_caller_is_caught(cfn: Template) -> None:
    changed = copy.deepcopy(cfn)
    [stage] = _of_type(changed, "AWS::ApiGatewayV2::Stage").values()
    stage["Properties"]["AccessLogSettings"]["Format"] = json.dumps(
        {"requestId": "$context.requestId", "routeKey": "$context.routeKey", "status": "$context.status",
         "ip": "$context.identity.sourceIp"}
    )  # fmt: skip
    assert check_access_logs(changed) == ["HttpApiApiGatewayDefaultStage: the access log records who called"]


def test_a_key_the_publisher_may_not_use_is_caught(cfn: Template) -> None:
    changed = copy.deepcopy(cfn)
    key = changed["Resources"]["NotificationsKey"]["Properties"]["KeyPolicy"]["Statement"][1]
    key["Principal"]["Service"] = ["cloudwatch.amazonaws.com"]
    assert check_topics_encrypted(changed) == [
        "SesEventsTopic: ['ses.amazonaws.com'] publish to it but may not use its key NotificationsKey"
    ]

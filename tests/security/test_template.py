"""The security review of template.yaml, on the CloudFormation the SAM translator produces (whatever it holds)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from infra.local_stack import load_template, translate
from tests.security import template_review as review


@pytest.fixture(scope="module")
def cfn() -> dict[str, Any]:
    return translate(load_template())


@pytest.mark.parametrize("check", review.ALL_CHECKS, ids=lambda c: c.__name__)
def test_template_passes(cfn: dict[str, Any], check: Callable[[dict[str, Any]], list[str]]) -> None:
    assert check(cfn) == []


def test_every_role_and_managed_policy_is_reviewed(cfn: dict[str, Any]) -> None:
    roles = [k for k, r in cfn["Resources"].items() if r["Type"] == "AWS::IAM::Role"]
    assert roles, "the template has no roles: the walk found nothing to review"
    assert list(review.iam_statements(cfn))


def test_every_allow_list_entry_has_a_reason() -> None:
    assert all(len(a.reason) > 40 for a in review.ALLOWED_WILDCARDS)
    assert all(len(why) > 40 for why in [*review.CONDITIONED_TYPE_WILDCARDS.values(), *review.PUBLIC_ROUTES.values()])


# ------------------------------------------------------------------ the checks catch what they should
BAD = {
    "Transform": "AWS::Serverless-2016-10-31",
    "Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"VersioningConfiguration": {"Status": "Suspended"}}},
        "Table": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
        },
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 30}},
        "Fn": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "CodeUri": "functions/x",
                "Handler": "app.handler",
                "Runtime": "python3.12",
                "Timeout": 60,
                "Policies": [
                    {"S3CrudPolicy": {"BucketName": {"Ref": "Bucket"}}},
                    {"DynamoDBCrudPolicy": {"TableName": {"Ref": "Table"}}},
                    {"Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]},
                ],
                "Events": {"Q": {"Type": "SQS", "Properties": {"Queue": {"Fn::GetAtt": ["Queue", "Arn"]}}}},
            },
        },
    },
}


@pytest.fixture(scope="module")
def bad() -> dict[str, Any]:
    return translate(copy.deepcopy(BAD))


def test_wildcards_are_caught(bad: dict[str, Any]) -> None:
    problems = review.check_iam_wildcards(bad)
    assert any("wildcard action dynamodb:*" in p for p in problems)
    assert any("resource '*'" in p for p in problems)


def test_blanket_table_grants_are_caught(bad: dict[str, Any]) -> None:
    problems = " | ".join(review.check_table_grants(bad))
    for expected in (
        "dynamodb:Scan is not an item action",
        "dynamodb:DescribeTable is not an item action",
        "/index/* is a wildcard",
        "without a ForAllValues dynamodb:LeadingKeys condition",
    ):
        assert expected in problems


def test_leading_keys_that_allow_every_partition_are_caught() -> None:
    statement = {
        "Effect": "Allow",
        "Action": ["dynamodb:PutItem"],
        "Resource": "arn:aws:dynamodb:r:a:table/t",
        "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["*"]}},
    }
    cfn = {"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [
        {"PolicyName": "P", "PolicyDocument": {"Statement": [statement]}}]}}}}  # fmt: skip
    assert review.check_table_grants(cfn) == ["R:P: dynamodb:LeadingKeys allows every partition (['*'])"]


def test_whole_bucket_writers_are_caught(bad: dict[str, Any]) -> None:
    assert any("s3:PutObject" in p and "not scoped to a prefix" in p for p in review.check_s3_writes_scoped(bad))


def test_bucket_gaps_are_caught(bad: dict[str, Any]) -> None:
    problems = " | ".join(review.check_buckets(bad))
    for expected in (
        "BlockPublicAcls",
        "RestrictPublicBuckets",
        "no default encryption",
        "versioning",
        "bucket policy",
    ):
        assert expected in problems


def test_queue_and_table_gaps_are_caught(bad: dict[str, Any]) -> None:
    queues = " | ".join(review.check_queues(bad))
    for expected in ("no server-side encryption", "no dead-letter queue", "ReportBatchItemFailures", "6 x"):
        assert expected in queues
    tables = " | ".join(review.check_tables(bad))
    assert "SSEEnabled" in tables and "point-in-time" in tables


def test_unknown_managed_policy_is_caught() -> None:
    cfn = {"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": [
        "arn:aws:iam::aws:policy/AdministratorAccess"]}}}}  # fmt: skip
    assert review.check_iam_wildcards(cfn) == ["R:arn:aws:iam::aws:policy/AdministratorAccess: managed policy not "
                                               "reviewed (add it to MANAGED_POLICY_STATEMENTS)"]  # fmt: skip


def test_unauthenticated_route_is_caught() -> None:
    body = {
        "components": {"securitySchemes": {"Jwt": {"x-amazon-apigateway-authorizer": {"type": "jwt"}}}},
        "paths": {"/facilities": {"get": {"security": []}}, "/openapi.json": {"get": {}}},
    }
    cfn = {"Resources": {"Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Body": body}}}}
    assert review.check_http_apis(cfn) == ["Api: GET /facilities has no JWT authorizer"]


def test_sign_in_is_the_stacks_user_pool_by_default_and_invite_only(cfn: dict[str, Any]) -> None:
    from permitclock.services.report_workflow import ADMIN_GROUP

    resources = cfn["Resources"]
    pool, client, group = (resources[n] for n in ("UserPool", "UserPoolClient", "AdminsGroup"))
    assert {r["Condition"] for r in (pool, client, group)} == {"OwnUserPool"}
    assert cfn["Conditions"]["OwnUserPool"] == {"Fn::Equals": [{"Ref": "JwtIssuer"}, ""]}
    assert load_template()["Parameters"]["JwtIssuer"]["Default"] == ""  # the default deployment creates them
    assert pool["Properties"]["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True  # no self sign-up
    assert pool["Properties"]["DeletionProtection"] == "ACTIVE" and pool["DeletionPolicy"] == "Retain"
    props = client["Properties"]
    assert props["GenerateSecret"] is False and "AllowedOAuthFlows" not in props  # no implicit grant
    assert (props["PreventUserExistenceErrors"], props["EnableTokenRevocation"]) == ("ENABLED", True)
    assert group["Properties"]["GroupName"] == ADMIN_GROUP
    assert "ExternalIssuerNeedsAudience" in cfn["Rules"]

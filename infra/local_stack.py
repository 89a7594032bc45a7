"""The local stack: template.yaml -> AWS SAM translator -> CloudFormation on moto, plus what moto skips.

moto's CloudFormation creates the buckets, tables, queues (with redrive), roles, functions and event-source
mappings of the translated template, but silently ignores a bucket's `NotificationConfiguration` and
`VersioningConfiguration` and skips `AWS::SQS::QueuePolicy`, `AWS::Scheduler::Schedule`,
`AWS::CloudWatch::Alarm`, `AWS::Cognito::*` and `AWS::ApiGatewayV2::*` (../shared/reference/local-stack-notes.md).
This module applies the bucket properties, the alarms and (when sign-in is the stack's own user pool) the Cognito
user pool, client and groups itself, from the same translated template, and exposes schedules and HTTP routes as
routing data for the local runner, so nothing the local stack does can drift from template.yaml.

Call `provision()` inside an active `moto.mock_aws()`.
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
REGION = "us-west-2"
STACK_NAME = "permitclock-local"
ACCOUNT_ID = "123456789012"  # moto's default account
CODE_BUCKET = "permitclock-local-code"
NOTICE_FROM_ADDRESS = "notices@permitclock.example"
LOCAL_SIGN_IN = {"JwtIssuer": "https://auth.permitclock.example/", "JwtAudience": "permitclock-api"}
"""The template's bring-your-own-issuer parameters, set to the local issuer (`infra.local_issuer`): moto has no
Cognito in CloudFormation, so the local stack signs people in the way a deployment with an external OIDC provider
does, with tokens shaped like the user pool's ID tokens (`cognito:groups`, `token_use: id`, `email`, `name`)."""

LOCAL_API_URL = "http://127.0.0.1:3000"
"""The template's `PublicApiUrl` on the local stack (the origin emails' feed links name): `permitclock serve`'s
default address; serve provisions with its own `--host` and `--port`."""

# Not applied: AWS::S3::BucketPolicy (TLS-only). moto evaluates a bucket policy's Deny statements without their
# Conditions, so the `aws:SecureTransport = false` deny would refuse every local request; the security tests
# check the policy in the translated template instead. AWS::SQS::QueuePolicy only matters to real S3.


class _NoManagedPolicies:
    """The translator asks for AWS managed policy ARNs by name only when a template names one; ours don't."""

    def load(self) -> dict[str, str]:
        return {}


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """template.yaml as a plain dict (cfn-lint's loader understands !Ref, !Sub, !GetAtt)."""
    from cfnlint.decode import cfn_yaml  # imported here: cfn-lint takes seconds to import, `token` never needs it

    return json.loads(json.dumps(cfn_yaml.load(str(path))))


def translate(sam: dict[str, Any]) -> dict[str, Any]:
    """Turn the SAM template into CloudFormation, with local code paths pointed at the local code bucket."""
    from samtranslator.translator.transform import transform

    sam = copy.deepcopy(sam)
    for resource in sam["Resources"].values():
        props = resource.get("Properties", {})
        for uri_key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(uri_key), str):
                props[uri_key] = {"Bucket": CODE_BUCKET, "Key": f"{props[uri_key]}.zip"}
    return transform(sam, {}, _NoManagedPolicies())


@dataclass(frozen=True)
class FunctionSpec:
    """A function of the template and where its in-process handler lives."""

    logical_id: str
    name: str
    code_dir: Path
    handler: str
    environment: dict[str, str]
    timeout: int


@dataclass(frozen=True)
class QueueMapping:
    """An SQS event-source mapping, as Lambda's poller would run it."""

    function: str
    queue_url: str
    queue_arn: str
    batch_size: int
    report_batch_item_failures: bool


@dataclass(frozen=True)
class ScheduleSpec:
    """An EventBridge Scheduler schedule (moto stores none): what to invoke, when, with which input."""

    logical_id: str
    function: str
    expression: str
    timezone: str
    input: dict[str, Any]

    @property
    def name(self) -> str:
        """The name the local server and the docs give it: its input's `job` (`annual`, `sweep`, ...)."""
        return str(self.input.get("job", self.logical_id))


@dataclass(frozen=True)
class JwtAuthorizer:
    """An HTTP API JWT authorizer (moto skips `AWS::ApiGatewayV2::*`): whose tokens the routes behind it accept."""

    name: str
    issuer: str
    audience: tuple[str, ...]
    identity_source: str
    """Where the token is read, e.g. `$request.header.Authorization`."""


@dataclass(frozen=True)
class HttpRoute:
    """One route of an HTTP API, as API Gateway matches it: `ANY /{proxy+}`, `GET /openapi.json`, ..."""

    method: str
    """An HTTP method, or `ANY`."""
    path: str
    function: str
    """The logical id of the Lambda function it integrates."""
    payload_format_version: str
    authorizer: JwtAuthorizer | None
    """None: the route is open (`Authorizer: NONE`)."""
    scopes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class LocalStack:
    """Physical names of the provisioned stack and the routing data the local runner needs."""

    cfn_template: dict[str, Any]
    physical: dict[str, str]
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    mappings: list[QueueMapping] = field(default_factory=list)
    schedules: dict[str, ScheduleSpec] = field(default_factory=dict)
    routes: list[HttpRoute] = field(default_factory=list)
    parameters: dict[str, str] = field(default_factory=dict)
    """Every template parameter's value: its default unless `provision` was given another."""

    @property
    def bucket(self) -> str:
        return self.physical["DocumentsBucket"]

    @property
    def table(self) -> str:
        return self.physical["StateTable"]

    def queue_url(self, logical_id: str) -> str:
        return self.physical[logical_id]

    def resolve(self, value: Any) -> Any:
        """A template value with its intrinsic functions resolved to this stack's names and parameters."""
        return _resolve(value, {**self.parameters, **self.physical}, self.cfn_template)


def _client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def _upload_code_placeholders(cfn: dict[str, Any]) -> None:
    """moto's Lambda wants a zip at each code location; the handlers themselves run in-process."""
    s3 = _client("s3")
    s3.create_bucket(Bucket=CODE_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", "def handler(event, context):\n    return None\n")
    for resource in cfn["Resources"].values():
        props = resource.get("Properties", {})
        location = props.get("Code") or props.get("Content")
        if isinstance(location, dict) and location.get("S3Bucket") == CODE_BUCKET:
            s3.put_object(Bucket=CODE_BUCKET, Key=location["S3Key"], Body=buf.getvalue())


def _resolve(value: Any, physical: dict[str, str], cfn: dict[str, Any]) -> Any:
    """Resolve the intrinsic functions this template uses in properties applied outside CloudFormation."""
    if isinstance(value, dict) and len(value) == 1:
        ((fn, arg),) = value.items()
        if fn == "Ref":
            return physical.get(arg, arg)
        if fn == "Fn::GetAtt":
            logical, attr = arg if isinstance(arg, list) else arg.split(".", 1)
            return _get_att(logical, attr, physical, cfn)
        if fn == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], _resolve(arg[1], physical, cfn))

            def variable(name: str) -> str:
                return str(variables[name]) if name in variables else _sub_var(name, physical, cfn)

            return re.sub(r"\$\{([^}!]+)\}", lambda m: variable(m.group(1)), text)
        if fn == "Fn::If":
            condition, if_true, if_false = arg
            return _resolve(if_true if _holds(condition, physical, cfn) else if_false, physical, cfn)
    if isinstance(value, dict):
        return {k: _resolve(v, physical, cfn) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, physical, cfn) for v in value]
    return value


def _holds(condition: str, values: dict[str, str], cfn: dict[str, Any]) -> bool:
    """A template condition (`Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`, `Condition`) over `values`."""

    def test(expression: Any) -> bool:
        ((fn, arg),) = expression.items()
        if fn == "Fn::Equals":
            left, right = (_resolve(v, values, cfn) for v in arg)
            return bool(left == right)
        if fn == "Fn::Not":
            return not test(arg[0])
        if fn == "Fn::And":
            return all(test(a) for a in arg)
        if fn == "Fn::Or":
            return any(test(a) for a in arg)
        if fn == "Condition":
            return _holds(arg, values, cfn)
        raise ValueError(f"local stack cannot evaluate condition {condition}: {fn}")

    return test(cfn["Conditions"][condition])


def _sub_var(name: str, physical: dict[str, str], cfn: dict[str, Any]) -> str:
    pseudo = {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT_ID,
              "AWS::StackName": STACK_NAME, "AWS::URLSuffix": "amazonaws.com"}  # fmt: skip
    if name in pseudo:
        return pseudo[name]
    if "." in name:
        logical, attr = name.split(".", 1)
        return _get_att(logical, attr, physical, cfn)
    return physical.get(name, name)


def _get_att(logical: str, attr: str, physical: dict[str, str], cfn: dict[str, Any]) -> str:
    kind = cfn["Resources"][logical]["Type"]
    if kind == "AWS::SQS::Queue" and attr == "Arn":
        url = physical[logical]
        attrs = _client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return str(attrs["Attributes"]["QueueArn"])
    if kind == "AWS::SQS::Queue" and attr == "QueueName":
        return physical[logical].rsplit("/", 1)[-1]
    if kind == "AWS::DynamoDB::Table" and attr == "Arn":
        return f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{physical[logical]}"
    if kind == "AWS::S3::Bucket" and attr == "Arn":
        return f"arn:aws:s3:::{physical[logical]}"
    if kind == "AWS::KMS::Key" and attr == "Arn":
        return f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/{physical[logical]}"
    if kind == "AWS::Lambda::Function" and attr == "Arn":
        return str(_client("lambda").get_function(FunctionName=physical[logical])["Configuration"]["FunctionArn"])
    raise ValueError(f"local stack cannot resolve Fn::GetAtt {logical}.{attr}")


def _apply_bucket_properties(cfn: dict[str, Any], physical: dict[str, str]) -> None:
    """Apply what moto's CloudFormation ignores on AWS::S3::Bucket: versioning and event notifications."""
    s3 = _client("s3")
    for logical, resource in cfn["Resources"].items():
        if resource["Type"] != "AWS::S3::Bucket":
            continue
        props = resource.get("Properties", {})
        bucket = physical[logical]
        if "VersioningConfiguration" in props:
            s3.put_bucket_versioning(
                Bucket=bucket, VersioningConfiguration={"Status": props["VersioningConfiguration"]["Status"]}
            )
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(
                Bucket=bucket, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
            )
        if "BucketEncryption" in props:
            s3.put_bucket_encryption(
                Bucket=bucket,
                ServerSideEncryptionConfiguration={
                    "Rules": [
                        {
                            "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
                            "BucketKeyEnabled": rule.get("BucketKeyEnabled", False),
                        }
                        for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
                    ]
                },
            )
        notifications = props.get("NotificationConfiguration", {})
        queue_configs = [
            {
                "QueueArn": _resolve(qc["Queue"], physical, cfn),
                "Events": [qc["Event"]],
                **({"Filter": {"Key": {"FilterRules": qc["Filter"]["S3Key"]["Rules"]}}} if "Filter" in qc else {}),
            }
            for qc in notifications.get("QueueConfigurations", [])
        ]
        if queue_configs:
            s3.put_bucket_notification_configuration(
                Bucket=bucket, NotificationConfiguration={"QueueConfigurations": queue_configs}
            )


_USER_POOL_PROPERTIES = ("Policies", "AutoVerifiedAttributes", "UsernameAttributes", "AdminCreateUserConfig",
                         "AccountRecoverySetting", "MfaConfiguration", "Schema", "DeletionProtection")  # fmt: skip
_CLIENT_PROPERTIES = ("ClientName", "GenerateSecret", "ExplicitAuthFlows", "PreventUserExistenceErrors",
                      "EnableTokenRevocation", "IdTokenValidity", "AccessTokenValidity", "RefreshTokenValidity",
                      "TokenValidityUnits", "ReadAttributes", "WriteAttributes")  # fmt: skip


def _apply_user_pools(cfn: dict[str, Any], physical: dict[str, str], parameters: dict[str, str]) -> None:
    """Create the Cognito user pools, app clients and groups moto's CloudFormation skips (those whose condition
    holds), on moto's Cognito: it signs its users' tokens as the user pool does (`cognito:groups` included)."""
    idp = _client("cognito-idp")
    values = {**physical, **parameters}

    def wanted(kind: str) -> list[tuple[str, dict[str, Any]]]:
        return [
            (logical, _resolve(resource.get("Properties", {}), values, cfn))
            for logical, resource in cfn["Resources"].items()
            if resource["Type"] == kind and _holds_or_none(resource.get("Condition"), values, cfn)
        ]

    for logical, props in wanted("AWS::Cognito::UserPool"):
        chosen = {k: props[k] for k in _USER_POOL_PROPERTIES if k in props}
        pool = idp.create_user_pool(PoolName=props["UserPoolName"], **chosen)["UserPool"]
        physical[logical] = values[logical] = pool["Id"]
    for logical, props in wanted("AWS::Cognito::UserPoolClient"):
        chosen = {k: props[k] for k in _CLIENT_PROPERTIES if k in props}
        client = idp.create_user_pool_client(UserPoolId=props["UserPoolId"], **chosen)["UserPoolClient"]
        physical[logical] = values[logical] = client["ClientId"]
    for logical, props in wanted("AWS::Cognito::UserPoolGroup"):
        idp.create_group(GroupName=props["GroupName"], UserPoolId=props["UserPoolId"],
                         Description=props.get("Description", ""))  # fmt: skip
        physical[logical] = props["GroupName"]


def _holds_or_none(condition: str | None, values: dict[str, str], cfn: dict[str, Any]) -> bool:
    return condition is None or _holds(condition, values, cfn)


def _apply_alarms(cfn: dict[str, Any], physical: dict[str, str]) -> None:
    """Create the AWS::CloudWatch::Alarm resources moto's CloudFormation skips, named `{stack}-{logical id}`."""
    cloudwatch = _client("cloudwatch")
    for logical, resource in cfn["Resources"].items():
        if resource["Type"] != "AWS::CloudWatch::Alarm":
            continue
        props = _resolve(resource["Properties"], physical, cfn)
        cloudwatch.put_metric_alarm(AlarmName=f"{STACK_NAME}-{logical}", **props)
        physical[logical] = f"{STACK_NAME}-{logical}"


def _functions(cfn: dict[str, Any], physical: dict[str, str], sam: dict[str, Any]) -> dict[str, FunctionSpec]:
    lam = _client("lambda")
    specs: dict[str, FunctionSpec] = {}
    for logical, resource in sam["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        config = lam.get_function_configuration(FunctionName=physical[logical])
        props = resource["Properties"]
        specs[logical] = FunctionSpec(
            logical_id=logical,
            name=physical[logical],
            code_dir=ROOT / props["CodeUri"],
            handler=props["Handler"],
            environment=dict(config.get("Environment", {}).get("Variables", {})),
            timeout=int(config.get("Timeout", 3)),
        )
    return specs


def _mappings(cfn: dict[str, Any], physical: dict[str, str]) -> list[QueueMapping]:
    """SQS event-source mappings, read from the translated template and checked against moto's copies."""
    lam = _client("lambda")
    arn_to_logical = {}
    for logical, resource in cfn["Resources"].items():
        if resource["Type"] == "AWS::SQS::Queue":
            arn_to_logical[_get_att(logical, "Arn", physical, cfn)] = logical
    by_function = {spec_logical: physical[spec_logical] for spec_logical in physical}
    out = []
    for resource in cfn["Resources"].values():
        if resource["Type"] != "AWS::Lambda::EventSourceMapping":
            continue
        props = resource["Properties"]
        queue_arn = _resolve(props["EventSourceArn"], physical, cfn)
        function_logical = props["FunctionName"]["Ref"]
        out.append(
            QueueMapping(
                function=function_logical,
                queue_url=physical[arn_to_logical[queue_arn]],
                queue_arn=queue_arn,
                batch_size=int(props.get("BatchSize", 10)),
                report_batch_item_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
            )
        )
    moto_arns = {m["EventSourceArn"] for m in lam.list_event_source_mappings()["EventSourceMappings"]}
    missing = {m.queue_arn for m in out} - moto_arns
    if missing or not by_function:
        raise RuntimeError(f"event-source mappings missing from the moto stack: {sorted(missing)}")
    return out


def _stop_moto_push(mappings: list[QueueMapping]) -> None:
    """Disable moto's own delivery of the mappings (the runner's poller is Lambda here).

    On every SendMessage moto receives up to BatchSize messages for an enabled mapping and tries to invoke the
    function in Docker; without Docker it makes them visible again, but each such receive counts toward the
    redrive policy's maxReceiveCount, so a burst of more than five messages (the deadline sweep's notices)
    dead-lettered the oldest before the runner ever polled. The mappings stay defined (and checked above)."""
    lam = _client("lambda")
    arns = {m.queue_arn for m in mappings}
    for esm in lam.list_event_source_mappings()["EventSourceMappings"]:
        if esm["EventSourceArn"] in arns:
            lam.update_event_source_mapping(UUID=esm["UUID"], Enabled=False)


def _schedules(cfn: dict[str, Any]) -> dict[str, ScheduleSpec]:
    out = {}
    for logical, resource in cfn["Resources"].items():
        if resource["Type"] != "AWS::Scheduler::Schedule":
            continue
        props = resource["Properties"]
        target = props["Target"]
        function_logical = target["Arn"]["Fn::GetAtt"][0]
        out[logical] = ScheduleSpec(
            logical_id=logical,
            function=function_logical,
            expression=props["ScheduleExpression"],
            timezone=props.get("ScheduleExpressionTimezone", "UTC"),
            input=json.loads(target.get("Input", "{}")),
        )
    return out


def template_parameters(sam: dict[str, Any], overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Every parameter's value as CloudFormation would see it: the override given, else the default."""
    values = {name: str(spec["Default"]) for name, spec in sam.get("Parameters", {}).items() if "Default" in spec}
    return {**values, **(overrides or {})}


_INTEGRATED_FUNCTION = re.compile(r"\$\{(\w+)\.Arn\}")
_ANY_METHOD = "x-amazon-apigateway-any-method"


def http_routes(cfn: dict[str, Any], values: dict[str, str]) -> list[HttpRoute]:
    """Every route of every HTTP API in the translated template, read from the OpenAPI `Body` the SAM translator
    gives `AWS::ApiGatewayV2::Api` (what API Gateway itself deploys): method, path, integrated function, payload
    format and authorizer (issuer and audience resolved with `values`: the stack's parameters, and its physical
    ids where the authorizer names a resource)."""
    routes = []
    for resource in cfn["Resources"].values():
        if resource["Type"] != "AWS::ApiGatewayV2::Api":
            continue
        body = resource["Properties"]["Body"]
        schemes = body.get("components", {}).get("securitySchemes", {})
        for path, operations in body.get("paths", {}).items():
            for method, operation in operations.items():
                integration = operation.get("x-amazon-apigateway-integration")
                if integration is None:
                    continue
                found = _INTEGRATED_FUNCTION.search(json.dumps(integration["uri"]))
                if found is None:
                    raise ValueError(f"local stack: route {method} {path} integrates no function of the template")
                [(scheme, scopes)] = (operation.get("security") or [{"NONE": []}])[0].items()
                routes.append(
                    HttpRoute(
                        method="ANY" if method == _ANY_METHOD else method.upper(),
                        path=path,
                        function=found.group(1),
                        payload_format_version=str(integration.get("payloadFormatVersion", "2.0")),
                        authorizer=None if scheme == "NONE" else _authorizer(scheme, schemes[scheme], values, cfn),
                        scopes=tuple(scopes),
                    )
                )
    return routes


def _authorizer(name: str, scheme: dict[str, Any], values: dict[str, str], cfn: dict[str, Any]) -> JwtAuthorizer:
    spec = scheme["x-amazon-apigateway-authorizer"]
    if spec.get("type") != "jwt":
        raise ValueError(f"local stack: authorizer {name} is not a JWT authorizer")
    config = _resolve(spec["jwtConfiguration"], values, cfn)
    return JwtAuthorizer(
        name=name,
        issuer=str(config["issuer"]),
        audience=tuple(str(a) for a in config.get("audience", [])),
        identity_source=str(spec["identitySource"]),
    )


def jwt_authorizers(sam: dict[str, Any] | None = None) -> dict[str, JwtAuthorizer]:
    """The template's JWT authorizers as the local stack sets them up (`LOCAL_SIGN_IN`), without provisioning
    (`permitclock token`)."""
    sam = sam if sam is not None else load_template()
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)  # the SAM translator reads the region from boto3's session
    routes = http_routes(translate(sam), template_parameters(sam, LOCAL_SIGN_IN))
    return {r.authorizer.name: r.authorizer for r in routes if r.authorizer is not None}


def provision(parameters: dict[str, str] | None = None) -> LocalStack:
    """Create the whole stack on moto (inside `mock_aws`) and return its physical names and routing; sign-in is
    the local issuer's (`LOCAL_SIGN_IN`) and the API's origin `LOCAL_API_URL` unless `parameters` say otherwise."""
    from infra import moto_gaps

    parameters = {**LOCAL_SIGN_IN, "PublicApiUrl": LOCAL_API_URL, **(parameters or {})}

    moto_gaps.apply()
    sam = load_template()
    cfn = translate(sam)
    _upload_code_placeholders(cfn)
    cloudformation = _client("cloudformation")
    cloudformation.create_stack(
        StackName=STACK_NAME,
        TemplateBody=json.dumps(cfn),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    status = cloudformation.describe_stacks(StackName=STACK_NAME)["Stacks"][0]["StackStatus"]
    if status != "CREATE_COMPLETE":
        raise RuntimeError(f"local stack ended in {status}")
    physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cloudformation.describe_stack_resources(StackName=STACK_NAME)["StackResources"]
        if r.get("LogicalResourceId") and r.get("PhysicalResourceId")
    }
    _apply_bucket_properties(cfn, physical)
    _apply_alarms(cfn, physical)
    _apply_user_pools(cfn, physical, template_parameters(sam, parameters))
    _client("ses").verify_email_identity(EmailAddress=NOTICE_FROM_ADDRESS)
    stack = LocalStack(cfn_template=cfn, physical=physical, parameters=template_parameters(sam, parameters))
    stack.routes = http_routes(cfn, {**physical, **stack.parameters})
    stack.functions = _functions(cfn, physical, sam)
    stack.mappings = _mappings(cfn, physical)
    _stop_moto_push(stack.mappings)
    stack.schedules = _schedules(cfn)
    return stack

"""Security review of the translated template: every check walks whatever resources the template holds.

Each `check_*` takes the CloudFormation the SAM translator produces (`translate(load_template())`) and returns
a list of problems (empty when the template passes), so a test asserts `== []` and shows every problem at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from infra.local_iam import MANAGED_POLICY_STATEMENTS

Template = dict[str, Any]


# --------------------------------------------------------------------------------------------- allow-list
@dataclass(frozen=True)
class Allowed:
    """A wildcard grant kept on purpose: where it is (role/policy id pattern), what, and why."""

    where: str
    """Regex over `<Role logical id>:<policy name or managed policy ARN>`."""
    action: str
    """Regex over the action."""
    reason: str


ALLOWED_WILDCARDS: tuple[Allowed, ...] = (
    Allowed(
        r".*:arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
        r"xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets|"
        r"GetSamplingStatisticSummaries)",
        "X-Ray has no resource-level permissions: these actions only accept Resource '*' "
        "(SAM adds the policy for `Tracing: Active`).",
    ),
    Allowed(
        r".*:arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        r"logs:(CreateLogGroup|CreateLogStream|PutLogEvents)",
        "Lambda's own logging; the log group name is derived from the function at run time. Writes only, "
        "no reads of any log group.",
    ),
    Allowed(
        r".*:arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
        r"sqs:(ReceiveMessage|DeleteMessage|GetQueueAttributes)|logs:(CreateLogGroup|CreateLogStream|PutLogEvents)",
        "Attached by SAM to every function with an SQS event source; Lambda's poller uses it with the role. "
        "Accepted risk: Resource '*' lets the role receive/delete on any queue of the account; narrowing needs "
        "an explicit AWS::IAM::Role per function instead of SAM's generated one.",
    ),
    Allowed(
        r".*:arn:aws:iam::aws:policy/service-role/AWSLambdaRole",
        r"lambda:InvokeFunction",
        "SAM's scheduler role for `ScheduleV2` events; AWS managed, invokes functions only.",
    ),
)


CONDITIONED_TYPE_WILDCARDS: dict[str, str] = {
    "ses": "SES checks sending against every identity involved (the From identity, and in the sandbox each "
    "recipient), so the resource is `identity/*`; the `ses:FromAddress` condition pins the sender.",
}
"""Services where `<type>/*` is accepted when the statement has a Condition, with the reason."""

PUBLIC_ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/openapi.json"): "the API's own description: static, generated from the models, reads no data.",
    ("GET", "/calendars/{token}"): "calendar feeds: calendar apps send no JWT; the path's unguessable token (its "
    "hash stored, compared in constant time) is the credential and opens one feed; any other token is 404.",
}
"""HTTP API routes deliberately without the JWT authorizer, with the reason."""

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "x-amazon-apigateway-any-method"}

S3_WRITE_ACTION = re.compile(
    r"^s3:(\*|Put\*?|PutObject\w*|DeleteObject\w*|RestoreObject|ReplicateObject|ReplicateDelete|AbortMultipartUpload"
    r"|\w*\*)$",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------------------------- helpers
def render(value: Any) -> str:
    """A policy value as text: `Fn::Sub` templates kept, `Ref`/`GetAtt` as `${...}`, `Fn::Join` joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((fn, arg),) = value.items()
        if fn == "Ref":
            return "${" + str(arg) + "}"
        if fn == "Fn::GetAtt":
            return "${" + (".".join(arg) if isinstance(arg, list) else str(arg)) + "}"
        if fn == "Fn::Sub":
            text = arg if isinstance(arg, str) else arg[0]
            variables = {} if isinstance(arg, str) else arg[1]
            return re.sub(r"\$\{([^}!]+)\}", lambda m: render(variables[m.group(1)]) if m.group(1) in variables
                          else m.group(0), text)  # fmt: skip
        if fn == "Fn::Join":
            return str(arg[0]).join(render(part) for part in arg[1])
        if fn == "Fn::If":
            return " | ".join(render(v) for v in arg[1:])
    return repr(value)


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class Statement:
    where: str
    role: str
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    has_condition: bool
    not_action: bool
    not_resource: bool
    condition: dict[str, Any] = field(default_factory=dict)
    sid: str = ""


def iam_statements(cfn: Template) -> Iterator[Statement]:
    """Every IAM statement that grants to a role of the template: inline, policy resources, managed ARNs."""
    resources = cfn["Resources"]

    def statements(where: str, role: str, document: Any) -> Iterator[Statement]:
        for s in _listed((document or {}).get("Statement", [])):
            yield Statement(
                where=where,
                role=role,
                effect=s.get("Effect", ""),
                actions=tuple(render(a) for a in _listed(s.get("Action", s.get("NotAction", [])))),
                resources=tuple(render(r) for r in _listed(s.get("Resource", s.get("NotResource", [])))),
                has_condition=bool(s.get("Condition")),
                not_action="NotAction" in s,
                not_resource="NotResource" in s,
                condition=s.get("Condition") or {},
                sid=s.get("Sid", ""),
            )

    for logical, resource in resources.items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                yield from statements(f"{logical}:{policy.get('PolicyName')}", logical, policy.get("PolicyDocument"))
            for arn in props.get("ManagedPolicyArns", []):
                arn_text = render(arn)
                if arn_text in MANAGED_POLICY_STATEMENTS:
                    yield from statements(f"{logical}:{arn_text}", logical,
                                          {"Statement": MANAGED_POLICY_STATEMENTS[arn_text]})  # fmt: skip
                else:
                    yield Statement(f"{logical}:{arn_text}", logical, "Allow", ("<unknown managed policy>",),
                                    ("<unknown>",), False, False, False)  # fmt: skip
        elif resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            roles = ",".join(render(r) for r in props.get("Roles", [])) or logical
            yield from statements(f"{logical}:{props.get('PolicyName', logical)}", roles, props.get("PolicyDocument"))


def _resource_part(resource: str) -> str:
    """What follows the region/account fields of an ARN (`table/x`, `bucket/key`), or the text itself."""
    parts = resource.split(":", 5)
    return parts[5] if len(parts) == 6 and parts[0] == "arn" else resource


def _service(action: str) -> str:
    return action.split(":", 1)[0].lower()


def _allowed(statement: Statement, action: str) -> bool:
    return any(re.fullmatch(a.where, statement.where) and re.fullmatch(a.action, action) for a in ALLOWED_WILDCARDS)


# --------------------------------------------------------------------------------------------- checks
def check_iam_wildcards(cfn: Template) -> list[str]:
    """No `*` action (`*`, `svc:*`), no `*` resource (`*`, an ARN ending in `:*` or `type/*`), no NotAction or
    NotResource in an Allow, no unknown managed policy; except the allow-list and conditioned SES identities."""
    problems = []
    for s in iam_statements(cfn):
        if s.effect != "Allow":
            continue
        if "<unknown managed policy>" in s.actions:
            problems.append(f"{s.where}: managed policy not reviewed (add it to MANAGED_POLICY_STATEMENTS)")
            continue
        if s.not_action or s.not_resource:
            problems.append(f"{s.where}: Allow with NotAction/NotResource")
        for action in s.actions:
            wild_action = action == "*" or action.endswith(":*")
            wild_resource = [r for r in s.resources if r == "*" or r.endswith(":*") or _resource_part(r) == "*"]
            type_wide = [r for r in s.resources if re.fullmatch(r"[A-Za-z-]+/\*", _resource_part(r))]
            if wild_action and not _allowed(s, action):
                problems.append(f"{s.where}: wildcard action {action}")
            if wild_resource and not _allowed(s, action):
                problems.append(f"{s.where}: {action} on resource '*'")
            if type_wide and not (s.has_condition and _service(action) in CONDITIONED_TYPE_WILDCARDS):
                problems.append(f"{s.where}: {action} on every {type_wide[0]}")
    return problems


def check_s3_writes_scoped(cfn: Template) -> list[str]:
    """An S3 write action only on `bucket/<prefix>/...`: never the whole bucket (`bucket/*`) or any bucket."""
    problems = []
    for s in iam_statements(cfn):
        if s.effect != "Allow":
            continue
        for action in s.actions:
            if not (_service(action) == "s3" and S3_WRITE_ACTION.match(action)) or _allowed(s, action):
                continue
            for resource in s.resources:
                part = _resource_part(resource)
                _, _, key = part.partition("/")
                if not key or not re.match(r"^[^*?/]+/", key):
                    problems.append(f"{s.where}: {action} on {resource} is not scoped to a prefix")
    return problems


TABLE_ITEM_ACTIONS = frozenset(
    f"dynamodb:{a}"
    for a in ("GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
              "ConditionCheckItem")
)  # fmt: skip
"""The DynamoDB actions a function may hold: item actions whose requests carry `dynamodb:LeadingKeys`. Not
Scan (no partition key, so a LeadingKeys condition with ForAllValues holds vacuously), no PartiQL, no table,
stream or backup actions, no DescribeTable."""


def _leading_keys(condition: dict[str, Any]) -> list[str] | None:
    """The prefixes a `ForAllValues:StringLike/StringEquals dynamodb:LeadingKeys` condition allows, or None."""
    for operator in ("ForAllValues:StringLike", "ForAllValues:StringEquals"):
        for key, values in condition.get(operator, {}).items():
            if key.lower() == "dynamodb:leadingkeys":
                return [render(v) for v in _listed(values)]
    return None


def check_table_grants(cfn: Template) -> list[str]:
    """Least privilege on the table: no policy template's blanket grant (DynamoDBCrudPolicy and its kin), only
    named item actions, never on every index, and each statement conditioned on the partition keys it may touch
    (`ForAllValues` `dynamodb:LeadingKeys`, prefixes not `*`), reads and writes alike."""
    problems = []
    for s in iam_statements(cfn):
        dynamo = [a for a in s.actions if _service(a) == "dynamodb"]
        if s.effect != "Allow" or not dynamo:
            continue
        sid = s.where.split(":", 1)[0] + ":" + (s.sid or s.where.split(":", 1)[-1])
        for action in dynamo:
            if action not in TABLE_ITEM_ACTIONS:
                problems.append(f"{sid}: {action} is not an item action a function may hold")
        for resource in s.resources:
            if "*" in resource or "?" in resource:
                problems.append(f"{sid}: DynamoDB resource {resource} is a wildcard (name each index)")
        prefixes = _leading_keys(s.condition)
        if prefixes is None:
            problems.append(f"{sid}: {', '.join(dynamo)} without a ForAllValues dynamodb:LeadingKeys condition")
        elif any(p.strip("*") == "" for p in prefixes):
            problems.append(f"{sid}: dynamodb:LeadingKeys allows every partition ({prefixes})")
    return problems


def _of_type(cfn: Template, kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in cfn["Resources"].items() if r["Type"] == kind}


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def check_buckets(cfn: Template) -> list[str]:
    """Every bucket: the four public-access blocks, default encryption, versioning, a TLS-only bucket policy."""
    problems = []
    policies = _of_type(cfn, "AWS::S3::BucketPolicy")
    for logical, bucket in _of_type(cfn, "AWS::S3::Bucket").items():
        props = bucket.get("Properties", {})
        block = props.get("PublicAccessBlockConfiguration", {})
        for setting in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"):
            if not _truthy(block.get(setting)):
                problems.append(f"{logical}: PublicAccessBlockConfiguration.{setting} is not true")
        rules = props.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
        algorithms = {r.get("ServerSideEncryptionByDefault", {}).get("SSEAlgorithm") for r in rules}
        if not algorithms & {"AES256", "aws:kms", "aws:kms:dsse"}:
            problems.append(f"{logical}: no default encryption")
        if props.get("VersioningConfiguration", {}).get("Status") != "Enabled":
            problems.append(f"{logical}: versioning is not enabled")
        if props.get("WebsiteConfiguration"):
            problems.append(f"{logical}: website hosting is on")
        if not any(_denies_insecure_transport(p, logical) for p in policies.values()):
            problems.append(f"{logical}: no bucket policy denying aws:SecureTransport=false on bucket and objects")
    return problems


def _denies_insecure_transport(policy: dict[str, Any], bucket: str) -> bool:
    props = policy.get("Properties", {})
    if render(props.get("Bucket")) != "${" + bucket + "}":
        return False
    for s in _listed(props.get("PolicyDocument", {}).get("Statement", [])):
        condition = s.get("Condition", {}).get("Bool", {})
        principal = s.get("Principal")
        actions = {render(a) for a in _listed(s.get("Action", []))}
        resources = {render(r) for r in _listed(s.get("Resource", []))}
        if (
            s.get("Effect") == "Deny"
            and principal in ("*", {"AWS": "*"})
            and "s3:*" in actions
            and str(condition.get("aws:SecureTransport")).lower() == "false"
            and "${" + bucket + ".Arn}" in resources
            and "${" + bucket + ".Arn}/*" in resources
        ):
            return True
    return False


def _queue_arn_ref(value: Any) -> str | None:
    text = render(value)
    found = re.fullmatch(r"\$\{(\w+)\.Arn\}", text)
    return found.group(1) if found else None


DEAD_LETTER_KEYS = re.compile(r"dead.?letter|OnFailure|RedrivePolicy", re.IGNORECASE)


def _dead_letter_targets(node: Any, inside: bool = False) -> Iterator[str]:
    """Queues named under any dead-letter setting: SQS redrive, Lambda DeadLetterConfig and OnFailure
    destinations, Scheduler and EventBridge target DeadLetterConfig, SNS subscription RedrivePolicy."""
    if isinstance(node, dict):
        if inside:
            for value in node.values():
                ref = _queue_arn_ref(value)
                if ref:
                    yield ref
        for key, value in node.items():
            yield from _dead_letter_targets(value, inside or bool(DEAD_LETTER_KEYS.search(str(key))))
    elif isinstance(node, list):
        for item in node:
            yield from _dead_letter_targets(item, inside)
    elif inside and isinstance(node, str):
        found = re.search(r"\$\{(\w+)\.Arn\}", node)
        if found:
            yield found.group(1)


def check_queues(cfn: Template) -> list[str]:
    """Every queue: SSE (SQS-managed or KMS); a DLQ unless it is one; visibility >= 6 x its consumer's timeout."""
    problems = []
    queues = _of_type(cfn, "AWS::SQS::Queue")
    dlqs = set(_dead_letter_targets(cfn["Resources"]))
    for logical, queue in queues.items():
        props = queue.get("Properties", {})
        if not (_truthy(props.get("SqsManagedSseEnabled")) or props.get("KmsMasterKeyId")):
            problems.append(f"{logical}: no server-side encryption")
        if logical not in dlqs:
            redrive = props.get("RedrivePolicy", {})
            target = _queue_arn_ref(redrive.get("deadLetterTargetArn"))
            if target not in queues:
                problems.append(f"{logical}: no dead-letter queue")
            elif not 1 <= int(redrive.get("maxReceiveCount", 0)) <= 10:
                problems.append(f"{logical}: maxReceiveCount outside 1-10")
    functions = _of_type(cfn, "AWS::Lambda::Function")
    for logical, mapping in _of_type(cfn, "AWS::Lambda::EventSourceMapping").items():
        props = mapping["Properties"]
        queue = _queue_arn_ref(props.get("EventSourceArn"))
        if queue not in queues:
            continue
        if "ReportBatchItemFailures" not in props.get("FunctionResponseTypes", []):
            problems.append(f"{logical}: SQS mapping without ReportBatchItemFailures")
        function = functions.get(render(props.get("FunctionName")).strip("${}"), {})
        timeout = int(function.get("Properties", {}).get("Timeout", 3))
        visibility = int(queues[queue].get("Properties", {}).get("VisibilityTimeout", 30))
        if visibility < 6 * timeout:
            problems.append(f"{queue}: VisibilityTimeout {visibility}s is under 6 x its consumer's {timeout}s")
    return problems


def check_tables(cfn: Template) -> list[str]:
    """Every DynamoDB table: SSE enabled and point-in-time recovery on."""
    problems = []
    for logical, table in _of_type(cfn, "AWS::DynamoDB::Table").items():
        props = table.get("Properties", {})
        if not _truthy(props.get("SSESpecification", {}).get("SSEEnabled")):
            problems.append(f"{logical}: SSESpecification.SSEEnabled is not true")
        pitr = props.get("PointInTimeRecoverySpecification", {})
        if not _truthy(pitr.get("PointInTimeRecoveryEnabled")):
            problems.append(f"{logical}: point-in-time recovery is off")
    return problems


def check_http_apis(cfn: Template) -> list[str]:
    """Every HTTP API route (SAM puts them in the API's OpenAPI body) requires a JWT authorizer."""
    problems = []
    for logical, api in _of_type(cfn, "AWS::ApiGatewayV2::Api").items():
        body = api.get("Properties", {}).get("Body")
        if not isinstance(body, dict):
            continue
        schemes = body.get("components", {}).get("securitySchemes", {})
        jwt = {
            name
            for name, scheme in schemes.items()
            if str(scheme.get("x-amazon-apigateway-authorizer", {}).get("type", "")).lower() == "jwt"
        }
        for path, operations in body.get("paths", {}).items():
            for method, operation in operations.items():
                if not isinstance(operation, dict) or method not in HTTP_METHODS:
                    continue
                if (method.upper(), path) in PUBLIC_ROUTES:
                    continue
                used = {name for requirement in operation.get("security", []) for name in requirement}
                if not used & jwt:
                    problems.append(f"{logical}: {method.upper()} {path} has no JWT authorizer")
    for logical, route in _of_type(cfn, "AWS::ApiGatewayV2::Route").items():
        if route.get("Properties", {}).get("AuthorizationType") != "JWT":
            problems.append(f"{logical}: route without a JWT authorizer")
    return problems


ALL_CHECKS = (
    check_iam_wildcards,
    check_s3_writes_scoped,
    check_table_grants,
    check_buckets,
    check_queues,
    check_tables,
    check_http_apis,
)

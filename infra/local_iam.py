"""Least privilege on the local stack: every AWS call a handler makes is checked against its role's statements.

Lambda would refuse a call the function's role does not allow; moto allows everything. While the runner invokes a
function (`acting_as`), each boto3 request is turned into the IAM requests AWS authorizes for it (action, resource
ARN, and the condition keys our statements use: `dynamodb:LeadingKeys`, `ses:FromAddress`) and evaluated against
the statements of the function's role in the translated template; a request no statement allows raises the
`AccessDeniedException` AWS gives. So every test that drives a deployed path also proves the role is enough, and a
grant narrowed too far fails there. Every allowed request is recorded (`used`) with the statement that allowed it.

Hand-written rather than a library: the Python IAM tools (policy_sentry, parliament, cloudsplaining) generate or
lint policies; none evaluates a request with its condition keys against a policy. This evaluator covers what the
template uses: Allow statements (no Deny, no NotAction/NotResource, which the security review forbids), `*` and `?`
globs in actions and resources, and the condition operators listed in `_CONDITIONS`; anything else is refused.
"""

from __future__ import annotations

import contextvars
import fnmatch
import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any

import botocore.client
from botocore.exceptions import ClientError

MANAGED_POLICY_STATEMENTS: dict[str, list[dict[str, Any]]] = {
    # AWS managed policies SAM attaches, as AWS publishes them (they are not in the template).
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": [
        {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": "*"},
    ],
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess": [
        {"Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                                       "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"],
         "Resource": "*"},
    ],
    "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole": [
        {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                                       "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": "*"},
    ],
    "arn:aws:iam::aws:policy/service-role/AWSLambdaRole": [
        {"Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Resource": "*"},
    ],
}  # fmt: skip


@dataclass(frozen=True)
class Request:
    """One authorization AWS makes for a call: an action on a resource, with its condition keys."""

    action: str
    resource: str
    keys: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Condition keys present in the request context: (name, values)."""

    def values(self, key: str) -> tuple[str, ...] | None:
        return next((v for k, v in self.keys if k.lower() == key.lower()), None)


@dataclass(frozen=True)
class Grant:
    """A statement of a role, resolved to physical ARNs."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    condition: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Use:
    """A request a function made and the statement that allowed it."""

    function: str
    sid: str
    action: str
    resource: str
    keys: tuple[tuple[str, tuple[str, ...]], ...] = ()


@functools.lru_cache(maxsize=4096)
def _pattern(glob: str, ignore_case: bool) -> re.Pattern[str]:
    # `*` and `?` as IAM means them; `[` occurs in no ARN of ours
    return re.compile(fnmatch.translate(glob), re.IGNORECASE if ignore_case else 0)


def _glob(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _pattern(pattern, ignore_case).fullmatch(value) is not None


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _matches(operator: str, wanted: list[str], values: tuple[str, ...] | None) -> bool:
    qualifier, _, name = operator.rpartition(":")
    like = name == "StringLike"
    if name not in ("StringLike", "StringEquals"):
        raise ValueError(f"the local IAM check does not evaluate condition operator {operator}")

    def one(value: str) -> bool:
        return any(_glob(w, value) if like else w == value for w in wanted)

    if qualifier == "ForAllValues":
        return values is None or all(one(v) for v in values)  # as AWS: true when the key is absent
    if qualifier == "ForAnyValue":
        return values is not None and any(one(v) for v in values)
    return values is not None and len(values) == 1 and one(values[0])


def _condition_holds(grant: Grant, request: Request) -> bool:
    return all(
        _matches(operator, [str(w) for w in _listed(wanted)], request.values(key))
        for operator, keys in grant.condition.items()
        for key, wanted in keys.items()
    )


def allowing(grants: list[Grant], request: Request) -> Grant | None:
    """The first statement that allows the request, or None (an implicit deny)."""
    for grant in grants:
        if (
            any(_glob(a, request.action, ignore_case=True) for a in grant.actions)
            and any(_glob(r, request.resource) for r in grant.resources)
            and _condition_holds(grant, request)
        ):
            return grant
    return None


# --------------------------------------------------------------------------------------------- the role's grants
def role_grants(cfn: dict[str, Any], function: str, resolve: Any) -> list[Grant]:
    """The Allow statements of `function`'s role (inline, `AWS::IAM::Policy` and the managed policies above),
    with `resolve(value)` turning intrinsic functions into physical names."""
    resources = cfn["Resources"]
    role = resources[function]["Properties"]["Role"]["Fn::GetAtt"][0]
    documents: list[tuple[str, Any]] = []
    props = resources[role]["Properties"]
    for policy in props.get("Policies", []):
        documents.append((policy["PolicyName"], policy["PolicyDocument"]))
    for arn in props.get("ManagedPolicyArns", []):
        documents.append((str(arn), {"Statement": MANAGED_POLICY_STATEMENTS.get(str(arn), [])}))
    for logical, resource in resources.items():
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role} in resource["Properties"].get("Roles", []):
            documents.append((logical, resource["Properties"]["PolicyDocument"]))
    grants = []
    for name, document in documents:
        for n, statement in enumerate(_listed(document.get("Statement", []))):
            if statement.get("Effect") != "Allow":
                continue
            grants.append(
                Grant(
                    sid=statement.get("Sid") or f"{name}[{n}]",
                    actions=tuple(str(a) for a in _listed(statement.get("Action", []))),
                    resources=tuple(str(resolve(r)) for r in _listed(statement.get("Resource", []))),
                    condition=resolve(statement.get("Condition", {})),
                )
            )
    return grants


# --------------------------------------------------------------------------------------------- call -> requests
@dataclass(frozen=True)
class Account:
    region: str
    account_id: str
    key_schemas: dict[str, str]
    """Partition key attribute per table and per `table/index/name`."""


def _attribute(value: Any) -> str:
    """A key attribute in DynamoDB's wire format (`{"S": "FAC#1"}`) as text."""
    if isinstance(value, dict) and len(value) == 1:
        return str(next(iter(value.values())))
    return str(value)


def _dynamodb(operation: str, params: dict[str, Any], account: Account) -> Iterator[Request]:
    def table_arn(name: str, index: str | None = None) -> str:
        arn = f"arn:aws:dynamodb:{account.region}:{account.account_id}:table/{name}"
        return f"{arn}/index/{index}" if index else arn

    def leading(table: str, key: dict[str, Any], index: str | None = None) -> tuple[str, ...]:
        attribute = account.key_schemas.get(f"{table}/index/{index}" if index else table, "pk")
        return (_attribute(key[attribute]),) if attribute in key else ()

    def request(action: str, table: str, pks: tuple[str, ...], index: str | None = None) -> Request:
        return Request(action, table_arn(table, index), (("dynamodb:LeadingKeys", pks),))

    if operation in ("GetItem", "DeleteItem", "UpdateItem", "PutItem"):
        key = params.get("Key") or params.get("Item") or {}
        yield request(f"dynamodb:{operation}", params["TableName"], leading(params["TableName"], key))
    elif operation == "Query":
        table, index = params["TableName"], params.get("IndexName")
        attribute = account.key_schemas.get(f"{table}/index/{index}" if index else table, "pk")
        names = {k: v for k, v in params.get("ExpressionAttributeNames", {}).items()}
        values = params.get("ExpressionAttributeValues", {})
        pks: tuple[str, ...] = ()
        for name, placeholder in re.findall(r"([#\w]+)\s*=\s*(:\w+)", params.get("KeyConditionExpression", "")):
            if names.get(name, name) == attribute:
                pks = (_attribute(values[placeholder]),)
        yield request("dynamodb:Query", table, pks, index)
    elif operation == "BatchGetItem":
        for table, spec in params["RequestItems"].items():
            yield request("dynamodb:BatchGetItem", table, tuple(p for k in spec["Keys"] for p in leading(table, k)))
    elif operation == "BatchWriteItem":
        for table, writes in params["RequestItems"].items():
            keys = [w.get("PutRequest", {}).get("Item") or w.get("DeleteRequest", {}).get("Key") for w in writes]
            yield request("dynamodb:BatchWriteItem", table, tuple(p for k in keys for p in leading(table, k or {})))
    elif operation in ("TransactWriteItems", "TransactGetItems"):
        actions = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                   "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}  # fmt: skip
        for item in params["TransactItems"]:
            ((kind, spec),) = item.items()
            table = spec["TableName"]
            yield request(f"dynamodb:{actions[kind]}", table, leading(table, spec.get("Key") or spec.get("Item", {})))
    else:
        yield Request(f"dynamodb:{operation}", table_arn(params.get("TableName", "*")))


def _s3(operation: str, params: dict[str, Any]) -> Iterator[Request]:
    def arn(bucket: str, key: str | None = None) -> str:
        return f"arn:aws:s3:::{bucket}" + (f"/{key}" if key is not None else "")

    versioned = "VersionId" in params
    actions = {
        "GetObject": "GetObjectVersion" if versioned else "GetObject",
        "HeadObject": "GetObjectVersion" if versioned else "GetObject",
        "GetObjectTagging": "GetObjectVersionTagging" if versioned else "GetObjectTagging",
        "DeleteObject": "DeleteObjectVersion" if versioned else "DeleteObject",
        "PutObjectTagging": "PutObjectVersionTagging" if versioned else "PutObjectTagging",
    }
    if operation == "CopyObject":
        source = params["CopySource"]
        if isinstance(source, str):
            bucket, _, rest = source.lstrip("/").partition("/")
            key, _, version = rest.partition("?versionId=")
        else:
            bucket, key, version = source["Bucket"], source["Key"], source.get("VersionId", "")
        yield Request("s3:GetObjectVersion" if version else "s3:GetObject", arn(bucket, key))
        yield Request("s3:PutObject", arn(params["Bucket"], params["Key"]))
    elif operation.startswith("ListObjects"):
        yield Request("s3:ListBucket", arn(params["Bucket"]), (("s3:prefix", (params.get("Prefix", ""),)),))
    else:
        yield Request(f"s3:{actions.get(operation, operation)}", arn(params["Bucket"], params.get("Key")))


def _sqs(operation: str, params: dict[str, Any], account: Account) -> Iterator[Request]:
    name = str(params.get("QueueUrl", params.get("QueueName", "*"))).rstrip("/").rsplit("/", 1)[-1]
    action = "SendMessage" if operation == "SendMessageBatch" else operation
    yield Request(f"sqs:{action}", f"arn:aws:sqs:{account.region}:{account.account_id}:{name}")


def _sesv2(operation: str, params: dict[str, Any], account: Account) -> Iterator[Request]:
    prefix = f"arn:aws:ses:{account.region}:{account.account_id}"
    sender = parseaddr(params.get("FromEmailAddress", ""))[1]
    keys = (("ses:FromAddress", (sender,)),)
    action = {"SendEmail": "SendEmail"}.get(operation, operation)
    yield Request(f"ses:{action}", f"{prefix}:identity/{sender}", keys)
    if params.get("ConfigurationSetName"):
        yield Request(f"ses:{action}", f"{prefix}:configuration-set/{params['ConfigurationSetName']}", keys)


def _kms(operation: str, params: dict[str, Any], account: Account) -> Iterator[Request]:
    """A key's operations are authorized on the key named by `KeyId` (an ARN or a key id; aliases are not used)."""
    key = str(params.get("KeyId", "*"))
    arn = (
        key if key.startswith("arn:") or key == "*" else f"arn:aws:kms:{account.region}:{account.account_id}:key/{key}"
    )
    yield Request(f"kms:{operation}", arn)


def requests(service: str, operation: str, params: dict[str, Any], account: Account) -> list[Request]:
    """The IAM requests AWS authorizes for one API call (parameters in wire format)."""
    if service == "dynamodb":
        return list(_dynamodb(operation, params, account))
    if service == "s3":
        return list(_s3(operation, params))
    if service == "sqs":
        return list(_sqs(operation, params, account))
    if service == "sesv2":
        return list(_sesv2(operation, params, account))
    if service == "kms":
        return list(_kms(operation, params, account))
    return [Request(f"{service}:{operation}", "*")]


# --------------------------------------------------------------------------------------------- the guard
@dataclass
class Role:
    """What `acting_as` checks calls against: the function and its grants."""

    function: str
    grants: list[Grant]
    account: Account
    used: set[Use]


_acting: contextvars.ContextVar[Role | None] = contextvars.ContextVar("permitclock_local_iam", default=None)


def _check(params: dict[str, Any], model: Any, **_: Any) -> None:
    role = _acting.get()
    if role is None:
        return
    service = model.service_model.service_name
    for request in requests(service, model.name, params, role.account):
        grant = allowing(role.grants, request)
        if grant is None:
            keys = "".join(f" with {k}={list(v)}" for k, v in request.keys if v)
            raise ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": f"{role.function} is not authorized to "
                           f"perform: {request.action} on resource: {request.resource}{keys}"}},
                model.name,
            )  # fmt: skip
        role.used.add(Use(role.function, grant.sid, request.action, request.resource, request.keys))


def install() -> None:
    """Wrap `BaseClient._make_api_call` once (at the runner's import, so wrappers tests add later, such as
    `tests.faults.inject`, stack on top): while a role acts, each client gets the `_check` hook, registered last,
    after boto3's DynamoDB resource has turned conditions and values into the wire format."""
    original = botocore.client.BaseClient._make_api_call
    if getattr(original, "local_iam", False):
        return

    def make_api_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        if _acting.get() is not None:
            service_id = self.meta.service_model.service_id.hyphenize()
            self.meta.events.register_last(f"before-parameter-build.{service_id}", _check, unique_id="local-iam")
        return original(self, operation_name, api_params)

    make_api_call.local_iam = True  # type: ignore[attr-defined]
    botocore.client.BaseClient._make_api_call = make_api_call


@contextmanager
def acting_as(role: Role) -> Iterator[None]:
    """Check every boto3 call made in this context (this thread) against `role`."""
    install()
    token = _acting.set(role)
    try:
        yield
    finally:
        _acting.reset(token)

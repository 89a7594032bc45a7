"""The local stack's IAM check (infra.local_iam): calls become the requests AWS authorizes, evaluated as AWS does."""

from __future__ import annotations

from infra.local_iam import Account, Grant, Request, allowing, requests

ACCOUNT = Account("us-west-2", "123456789012", {"t": "pk", "t/index/gsi1": "gsi1pk"})
TABLE = "arn:aws:dynamodb:us-west-2:123456789012:table/t"


def grant(actions: list[str], resource: str = TABLE, prefixes: list[str] | None = None) -> Grant:
    condition = {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": prefixes}} if prefixes else {}
    return Grant("G", tuple(actions), (resource,), condition)


def test_leading_keys_allow_only_their_partitions() -> None:
    grants = [grant(["dynamodb:PutItem"], prefixes=["FAC#*"])]
    (ok,) = requests("dynamodb", "PutItem", {"TableName": "t", "Item": {"pk": {"S": "FAC#1"}}}, ACCOUNT)
    (other,) = requests("dynamodb", "PutItem", {"TableName": "t", "Item": {"pk": {"S": "QISP#1"}}}, ACCOUNT)
    assert allowing(grants, ok) is not None
    assert allowing(grants, other) is None


def test_a_batch_is_allowed_only_when_every_key_is() -> None:
    grants = [grant(["dynamodb:BatchWriteItem"], prefixes=["FAC#*"])]
    writes = [{"PutRequest": {"Item": {"pk": {"S": "FAC#1"}}}}, {"DeleteRequest": {"Key": {"pk": {"S": "RUN#x"}}}}]
    (batch,) = requests("dynamodb", "BatchWriteItem", {"RequestItems": {"t": writes}}, ACCOUNT)
    assert batch.values("dynamodb:LeadingKeys") == ("FAC#1", "RUN#x")
    assert allowing(grants, batch) is None


def test_each_transaction_item_is_its_own_request() -> None:
    items = [
        {"Put": {"TableName": "t", "Item": {"pk": {"S": "FAC#1"}}}},
        {"Update": {"TableName": "t", "Key": {"pk": {"S": "OUTBOX"}}}},
    ]
    put, update = requests("dynamodb", "TransactWriteItems", {"TransactItems": items}, ACCOUNT)
    assert (put.action, update.action) == ("dynamodb:PutItem", "dynamodb:UpdateItem")
    assert allowing([grant(["dynamodb:PutItem", "dynamodb:UpdateItem"], prefixes=["FAC#*"])], update) is None


def test_an_index_query_is_keyed_by_the_index_partition() -> None:
    params = {
        "TableName": "t",
        "IndexName": "gsi1",
        "KeyConditionExpression": "#n0 = :v0",
        "ExpressionAttributeNames": {"#n0": "gsi1pk"},
        "ExpressionAttributeValues": {":v0": {"S": "FACILITY"}},
    }
    (query,) = requests("dynamodb", "Query", params, ACCOUNT)
    assert query.resource == f"{TABLE}/index/gsi1"
    assert query.values("dynamodb:LeadingKeys") == ("FACILITY",)
    assert allowing([grant(["dynamodb:Query"], TABLE, ["FACILITY"])], query) is None  # the table is not its index


def test_for_all_values_holds_when_the_key_is_absent_as_on_aws() -> None:
    """Why the security review forbids Scan: a LeadingKeys condition does not limit it."""
    (scan,) = requests("dynamodb", "Scan", {"TableName": "t"}, ACCOUNT)
    assert allowing([grant(["dynamodb:Scan"], prefixes=["FAC#*"])], scan) is not None


def test_s3_versions_copies_and_sqs_batches_map_to_their_actions() -> None:
    (get,) = requests("s3", "GetObject", {"Bucket": "b", "Key": "monitoring/x.txt", "VersionId": "1"}, ACCOUNT)
    assert (get.action, get.resource) == ("s3:GetObjectVersion", "arn:aws:s3:::b/monitoring/x.txt")
    source, target = requests(
        "s3",
        "CopyObject",
        {"Bucket": "b", "Key": "quarantine/q", "CopySource": {"Bucket": "b", "Key": "attachments/a"}},
        ACCOUNT,
    )
    assert (source.action, target.action) == ("s3:GetObject", "s3:PutObject")
    (send,) = requests("sqs", "SendMessageBatch", {"QueueUrl": "https://q/123456789012/notices"}, ACCOUNT)
    assert send == Request("sqs:SendMessage", "arn:aws:sqs:us-west-2:123456789012:notices")
    assert allowing([Grant("S", ("sqs:SendMessage*",), ("arn:aws:sqs:*:*:notices",))], send) is not None


def test_ses_sends_are_checked_against_the_from_address() -> None:
    grants = [Grant("SES", ("ses:SendEmail",), ("arn:aws:ses:us-west-2:123456789012:identity/*",),
                    {"StringEquals": {"ses:FromAddress": "notices@example.org"}})]  # fmt: skip
    (ours,) = requests("sesv2", "SendEmail", {"FromEmailAddress": "Permits <notices@example.org>"}, ACCOUNT)
    (spoofed,) = requests("sesv2", "SendEmail", {"FromEmailAddress": "ceo@example.org"}, ACCOUNT)
    assert allowing(grants, ours) is not None
    assert allowing(grants, spoofed) is None


def test_other_services_are_refused_unless_granted_on_every_resource() -> None:
    (call,) = requests("iam", "CreateUser", {}, ACCOUNT)
    assert call == Request("iam:CreateUser", "*")
    assert allowing([grant(["dynamodb:GetItem"])], call) is None

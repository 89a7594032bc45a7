"""Each case runs twice: against the fakes (tests/fakes) and against the DynamoDB adapters on a moto table
created from template.yaml's `StateTable` (its keys and three GSIs)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws
from permitclock.adapters.attachment_records import AttachmentRecords
from permitclock.adapters.facilities import FacilityDirectory
from permitclock.adapters.levels import LevelStore, RunSummaryStore
from permitclock.adapters.notice_outbox import NoticeOutbox
from permitclock.adapters.obligations import ObligationStore
from permitclock.adapters.programs import ProgramFactsStore
from permitclock.adapters.qisp import QispRegistry
from permitclock.adapters.reports import DynamoDbReportStore
from permitclock.adapters.samples import SampleStore
from permitclock.adapters.send_claims import SendClaims
from permitclock.adapters.uploads import UploadRecords

from infra.local_stack import REGION, load_template
from tests.fakes.pipelines import FakeAttachmentRecords, FakeFactsDocuments, FakeLevels, FakeRunSummaries, FakeSamples
from tests.fakes.ports import FakeClaims, FakeFacilities, FakeObligations, FakeUploads
from tests.fakes.reports import FakeNoticeOutbox, FakeQispRegistry, FakeReportStore

TABLE_KEYS = ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "BillingMode")


@dataclass
class Ports:
    """One implementation of every stored port, sharing one store as the real ones share the table."""

    kind: str
    obligations: Any
    facilities: Any
    claims: Any
    uploads: Any
    reports: Any
    registry: Any
    outbox: Any
    attachments: Any
    facts: Any
    samples: Any
    levels: Any
    summaries: Any


def fakes() -> Ports:
    obligations, registry, attachments = FakeObligations(), FakeQispRegistry(), FakeAttachmentRecords()
    facilities = FakeFacilities()
    samples = FakeSamples()
    levels = FakeLevels(samples, obligations=obligations)
    reports = FakeReportStore(obligations, registry, attachments, facilities, levels=levels)
    return Ports(
        kind="fake",
        obligations=obligations,
        facilities=facilities,
        claims=FakeClaims(),
        uploads=FakeUploads(),
        reports=reports,
        registry=registry,
        outbox=FakeNoticeOutbox(reports),
        attachments=attachments,
        facts=FakeFactsDocuments(),
        samples=samples,
        levels=levels,
        summaries=FakeRunSummaries(),
    )


def dynamodb(table: Any) -> Ports:
    return Ports(
        kind="dynamodb",
        obligations=ObligationStore(table),
        facilities=FacilityDirectory(table),
        claims=SendClaims(table, sleep=lambda _: None),
        uploads=UploadRecords(table),
        reports=DynamoDbReportStore(table),
        registry=QispRegistry(table),
        outbox=NoticeOutbox(table),
        attachments=AttachmentRecords(table),
        facts=ProgramFactsStore(table),
        samples=SampleStore(table),
        levels=LevelStore(table),
        summaries=RunSummaryStore(table),
    )


@pytest.fixture(scope="session")
def table_definition() -> dict[str, Any]:
    properties = load_template()["Resources"]["StateTable"]["Properties"]
    return {k: properties[k] for k in TABLE_KEYS}


@pytest.fixture(params=["fake", "dynamodb"])
def ports(request: pytest.FixtureRequest, table_definition: dict[str, Any]) -> Iterator[Ports]:
    if request.param == "fake":
        yield fakes()
        return
    with mock_aws():
        resource = boto3.resource("dynamodb", region_name=REGION)
        table = resource.create_table(TableName="state", **table_definition)
        yield dynamodb(table)

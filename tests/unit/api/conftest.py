"""API test bed: two facilities in the fakes (tests/fakes), a fixed clock, and HTTP API v2 events with JWT claims."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from permitclock.api.dependencies import ApiDependencies
from permitclock.api.routes import create_app
from permitclock.clock import PERMIT_TZ, Clock, FixedClock
from permitclock.domain.members import ROLES, Member
from permitclock.domain.obligations import Obligation
from permitclock.domain.reports import QispRecord, Report
from permitclock.domain.uploads import AttachmentRecord
from permitclock.services.calendar_tokens import CalendarTokens
from permitclock.services.level_evidence import LevelEvidence
from permitclock.services.outlook import FacilityOutlooks
from permitclock.services.portfolio import Portfolio
from permitclock.services.program_intake import ProgramFactsService
from permitclock.services.report_workflow import ReportWorkflow
from permitclock.services.sampling_duties import SamplingDuties
from permitclock.services.upload_grants import UploadGrants, UploadLimits

from tests.fakes.pipelines import FakeDisagreements, FakeFactsDocuments, FakeLevels
from tests.fakes.portfolio import FakePortfolio
from tests.fakes.ports import (
    FakeCalendarTokens,
    FakeFeeds,
    FakeNoticePublisher,
    FakePostSigner,
    FakeSealer,
    FakeUploadHistory,
)
from tests.fakes.reports import FakeReportStore

WDID = "5S34I025848"
OTHER_WDID = "4 19I000033"
REPORT_ID = "961116"
OTHER_REPORT_ID = "777001"
PARAMS = ("Total Suspended Solids (TSS)", "Zinc, Total (Recoverable)")
BMP = "Industrial Activity BMP Demonstration (Part 2.a.iii)"
QISP = QispRecord(certificate_number="F09876", first_name="Qisp", last_name="Industrial", zip="95814")
TODAY = date(2026, 11, 3)
OBLIGATION = Obligation(
    program="igp",
    type="level_2_technical_report",
    facility_id=WDID,
    subject=PARAMS[1],
    due=date(2027, 1, 1),
    section="IGP XII.D.2",
    period="2025-2026",
)


def attachment(attachment_id: str, file_type: str) -> AttachmentRecord:
    """An accepted attachment record, as the attachment pipeline writes it (`add_attachment` files it)."""
    return AttachmentRecord.model_validate(
        {"attachment_id": attachment_id, "status": "accepted", "bucket": "documents", "key": "",
         "file_type": file_type, "date_attached": datetime(2026, 11, 2, 9, tzinfo=PERMIT_TZ), "size": 1024}
    )  # fmt: skip


TR = attachment("2087923", "Level 2 ERA Technical Report")
REVISED = attachment("2099999", "Level 2 ERA Technical Report")
LETTER = attachment("3000001", "Supporting Documentation")


def user(role: str, wdid: str = WDID) -> str:
    return f"{'b-' if wdid != WDID else ''}user-{role.lower()}"


def report(wdid: str = WDID, report_id: str = REPORT_ID, **changes: Any) -> Report:
    base = Report(
        wdid=wdid,
        report_id=report_id,
        report_type="Level 2 ERA Technical Report",
        reporting_year="2025-2026",
        parameters=PARAMS,
        due=date(2027, 1, 1),
        obligation_ids=(OBLIGATION.obligation_id,) if wdid == WDID else (),
    )
    return base.model_copy(update=changes)


def complete(**changes: Any) -> Report:
    return report(**{"demonstrations": {p: (BMP,) for p in PARAMS}, "qisp": QISP, **changes})


@dataclass
class Api:
    app: APIGatewayHttpResolver
    store: FakeReportStore
    publisher: FakeNoticePublisher
    levels: FakeLevels
    disagreements: FakeDisagreements
    uploads: FakeUploadHistory

    def call(
        self,
        method: str,
        path: str,
        *,
        as_user: str | None = "user-lrp",
        body: Any = None,
        query: dict[str, str] | None = None,
        raw_body: str | None = None,
    ) -> tuple[int, Any]:
        response = self.app.resolve(event(method, path, as_user=as_user, body=body, query=query, raw_body=raw_body), {})
        text = response.get("body") or ""
        return response["statusCode"], json.loads(text) if text else None


def event(
    method: str,
    path: str,
    *,
    as_user: str | None,
    body: Any = None,
    query: dict[str, str] | None = None,
    raw_body: str | None = None,
) -> dict[str, Any]:
    claims = {"sub": as_user, "email": f"{as_user}@example.com", "name": f"Name of {as_user}"} if as_user else {}
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": urlencode(query or {}),
        "queryStringParameters": query,
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": "api.example.com",
            "domainPrefix": "api",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.1",
                "userAgent": "pytest",
            },
            "requestId": "req-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "03/Nov/2026:14:00:00 +0000",
            "timeEpoch": 1793800800000,
            "authorizer": {"jwt": {"claims": claims, "scopes": None}},
        },
        "body": raw_body if raw_body is not None else (json.dumps(body) if body is not None else None),
        "isBase64Encoded": False,
    }


def seeded_store() -> FakeReportStore:
    store = FakeReportStore()
    for wdid in (WDID, OTHER_WDID):
        for role in ROLES:
            signs = role in ("LRP", "DAR")
            store.put_member(
                Member(
                    wdid=wdid,
                    user_id=user(role, wdid),
                    role=role,
                    title="Manager" if signs else "",
                    eauthorization_on_file=signs,
                )
            )
    store.add_report(report())
    store.add_attachment(WDID, REPORT_ID, TR)
    store.add_attachment(WDID, REPORT_ID, LETTER)
    store.add_obligation(OBLIGATION)
    store.add_report(report(OTHER_WDID, OTHER_REPORT_ID))
    store.add_attachment(OTHER_WDID, OTHER_REPORT_ID, TR)
    store.registry.put_all([QISP])
    return store


def make_api(
    store: FakeReportStore | None = None, publisher: FakeNoticePublisher | None = None, clock: Clock | None = None
) -> Api:
    """The resolver over the fakes: the seeded store, a publisher that records, the clock on TODAY."""
    store, publisher, clock = store or seeded_store(), publisher or FakeNoticePublisher(), clock or FixedClock.on(TODAY)
    levels, disagreements = FakeLevels(), FakeDisagreements()
    workflow = ReportWorkflow(store, publisher, clock)
    history = FakeUploadHistory()
    deps = ApiDependencies(
        workflow=workflow,
        programs=ProgramFactsService(obligations=store.obligations, facts=FakeFactsDocuments(), clock=clock),
        levels=LevelEvidence(levels, disagreements),
        portfolio=Portfolio(FakePortfolio(store.facilities, store.obligations, levels), clock),
        outlook=FacilityOutlooks(levels, clock),
        sampling=SamplingDuties(levels, store.obligations, store.facilities, clock),
        calendars=CalendarTokens(FakeCalendarTokens(), FakeSealer(), FakeFeeds(), clock),
        uploads=UploadGrants(workflow, FakePostSigner(), UploadLimits(), history, history, clock),
    )
    return Api(
        app=create_app(lambda: deps),
        store=store,
        publisher=publisher,
        levels=levels,
        disagreements=disagreements,
        uploads=history,
    )


@pytest.fixture
def api() -> Api:
    return make_api()

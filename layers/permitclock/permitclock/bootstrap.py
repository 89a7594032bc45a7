"""The composition root: every function's service, built from its settings, the AWS clients and the clock.

Each handler (`functions/<name>/app.py`) holds one `Wiring` whose `build` is one of the builders below; the
service is built on first use (not at import) and kept for the life of the container. What a builder takes from
outside its settings is a `Runtime`: the AWS clients (`Aws`, each made on first use), the clock and how to wait
between retries. Production uses the default `Runtime()`; the local runner (`infra.runner.LocalRunner`) and
tests call `wiring.use(runtime)` with their own clients, clock or sleep, instead of patching what a builder made.
Nothing else in the package builds a boto3 client for a function.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from permitclock.adapters.attachment_records import AttachmentRecords
from permitclock.adapters.calendar_feeds import S3FeedStore
from permitclock.adapters.calendar_tokens import CalendarTokenStore, KmsTokenSealer
from permitclock.adapters.ckan import CkanDatastore
from permitclock.adapters.documents import S3Documents
from permitclock.adapters.facilities import FacilityDirectory
from permitclock.adapters.level_disagreements import LevelDisagreements
from permitclock.adapters.levels import LevelStore, RunSummaryStore, facility_wdids
from permitclock.adapters.mailer import SES_CLIENT_CONFIG, SesMailer
from permitclock.adapters.notice_outbox import NoticeOutbox
from permitclock.adapters.obligations import ObligationStore
from permitclock.adapters.outlook_states import OutlookStates
from permitclock.adapters.portfolio import PortfolioReader
from permitclock.adapters.programs import ProgramFactsStore
from permitclock.adapters.publisher import SqsMessages, SqsNoticePublisher
from permitclock.adapters.qisp import QispRegistry
from permitclock.adapters.reports import DynamoDbReportStore
from permitclock.adapters.samples import SampleStore
from permitclock.adapters.send_claims import SendClaims
from permitclock.adapters.sync_objects import SyncObjects
from permitclock.adapters.upload_grants import S3PostSigner
from permitclock.adapters.upload_history import S3ReportLinks, UploadHistoryStore
from permitclock.adapters.uploads import UploadObjects, UploadRecords
from permitclock.api.dependencies import ApiDependencies
from permitclock.clock import Clock, SystemClock
from permitclock.services.annual_report_intake import ANNUAL_REPORTS_PREFIX, AnnualReportIntake
from permitclock.services.annual_run import AnnualPlanner, LevelWorker
from permitclock.services.attachment_intake import AttachmentIntake, limits_from
from permitclock.services.bounces import BounceHandler
from permitclock.services.calendar_tokens import CalendarTokens, FeedLinks
from permitclock.services.calendars import CalendarFeeds
from permitclock.services.facility_import import FACILITIES_PREFIX, FacilityImport
from permitclock.services.level_evidence import LevelEvidence
from permitclock.services.levels_reconciliation import LEVELS_PREFIX, LevelsReconciliation
from permitclock.services.monitoring_intake import MonitoringIntake
from permitclock.services.notice_relay import NoticeRelay, OutboxPublisher
from permitclock.services.notifier import Notifier
from permitclock.services.outlook import FacilityOutlooks, OutlookWatch
from permitclock.services.portfolio import Portfolio
from permitclock.services.program_intake import ProgramFactsService, ProgramIntake, ProgramRecompute
from permitclock.services.qisp_intake import QispIntake
from permitclock.services.report_workflow import ReportWorkflow
from permitclock.services.sampling_duties import SamplingDuties
from permitclock.services.smarts_intake import SmartsIntake
from permitclock.services.smarts_sync import FACILITIES_SYNC_PREFIX, MONITORING_SYNC_PREFIX, SmartsSync, SyncResource
from permitclock.services.sweep import DeadlineSweep
from permitclock.services.upload_grants import UploadGrants, UploadLimits
from permitclock.settings import (
    AnnualPlannerSettings,
    ApiSettings,
    AttachmentValidatorSettings,
    BounceHandlerSettings,
    LevelWorkerSettings,
    MonitoringIntakeSettings,
    NotifierSettings,
    ProgramIntakeSettings,
    QispIntakeSettings,
    SmartsSyncSettings,
    StackSettings,
    SweepSettings,
)

S = TypeVar("S")


class Aws:
    """The boto3 clients and resources of one function, each made on first use (so an import, a cold start
    without AWS or a documentation build never touches boto3). Pass one to use it instead: e.g. a `sesv2`
    client that fails on purpose, or a `dynamodb` resource whose requests a test counts."""

    def __init__(
        self,
        *,
        region: str | None = None,
        dynamodb: Any = None,
        s3: Any = None,
        sqs: Any = None,
        sesv2: Any = None,
        kms: Any = None,
        s3_public_endpoint: str | None = None,
    ) -> None:
        self.region = region
        self.s3_public_endpoint = s3_public_endpoint
        """Where presigned URLs point when not at S3 itself (`permitclock serve`: its AWS endpoint)."""
        given = {"dynamodb": dynamodb, "s3": s3, "sqs": sqs, "sesv2": sesv2, "kms": kms}
        self._made: dict[str, Any] = {name: value for name, value in given.items() if value is not None}

    def _get(self, name: str, make: Callable[[], Any]) -> Any:
        if name not in self._made:
            self._made[name] = make()
        return self._made[name]

    def dynamodb(self) -> Any:
        """The DynamoDB service resource (adapters take its `Table`s)."""
        import boto3

        return self._get("dynamodb", lambda: boto3.resource("dynamodb", region_name=self.region))

    def table(self, name: str) -> Any:
        return self.dynamodb().Table(name)

    def s3(self) -> Any:
        import boto3

        return self._get("s3", lambda: boto3.client("s3", region_name=self.region))

    def s3_presigner(self) -> Any:
        """S3 signing with SigV4 (what a browser POST's policy needs; boto3 signs presigned POSTs with the
        deprecated SigV2 otherwise)."""
        import boto3
        from botocore.config import Config

        config = Config(signature_version="s3v4", s3={"addressing_style": "path"} if self.s3_public_endpoint else {})
        return self._get(
            "s3_presigner",
            lambda: boto3.client("s3", region_name=self.region, endpoint_url=self.s3_public_endpoint, config=config),
        )

    def sqs(self) -> Any:
        import boto3

        return self._get("sqs", lambda: boto3.client("sqs", region_name=self.region))

    def sesv2(self) -> Any:
        """SES v2 with botocore's standard retry mode (`SES_CLIENT_CONFIG`): the one retry loop of a send."""
        import boto3

        return self._get("sesv2", lambda: boto3.client("sesv2", region_name=self.region, config=SES_CLIENT_CONFIG))

    def kms(self) -> Any:
        import boto3

        return self._get("kms", lambda: boto3.client("kms", region_name=self.region))


@dataclass(frozen=True)
class Runtime:
    """What the builders take from outside the settings. `dataclasses.replace(runtime, clock=...)` changes one."""

    aws: Aws = field(default_factory=Aws)
    clock: Clock = field(default_factory=SystemClock)
    sleep: Callable[[float], None] = time.sleep
    """How the send claims' throttling retries wait (SES's are botocore's own)."""


class Wiring(Generic[S]):
    """One function's service: built from `build(runtime)` on first use, then kept (one per Lambda container).

    `use(runtime)` sets the runtime and drops the built service, so the next use builds it again with it."""

    def __init__(self, build: Callable[[Runtime], S]) -> None:
        self._build = build
        self.runtime = Runtime()
        self._service: S | None = None

    @property
    def service(self) -> S:
        if self._service is None:
            self._service = self._build(self.runtime)
        return self._service

    def use(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._service = None


def outbox_publisher(table: Any, runtime: Runtime, queue_url: str) -> OutboxPublisher:
    """Notices written as outbox items with the change they follow, then published to the notices queue."""
    return OutboxPublisher(outbox=NoticeOutbox(table), publisher=SqsNoticePublisher(runtime.aws.sqs(), queue_url))


def sampling_duties(table: Any, runtime: Runtime) -> SamplingDuties:
    """The half-year sampling duties and results-reporting deadlines (the monitoring intake, the July 1 run and
    the API's laboratory-results route share it)."""
    return SamplingDuties(LevelStore(table), ObligationStore(table), FacilityDirectory(table), runtime.clock)


# ---------------------------------------------------------------------------------------------- one per function
def attachment_intake(settings: AttachmentValidatorSettings, runtime: Runtime) -> AttachmentIntake:
    aws = runtime.aws
    return AttachmentIntake(
        documents=S3Documents(aws.s3()),
        records=AttachmentRecords(aws.table(settings.table_name)),
        publisher=SqsNoticePublisher(aws.sqs(), settings.notices_queue_url),
        clock=runtime.clock,
        limits=limits_from(settings.pdf_max_bytes, settings.pdf_max_pages, settings.pdf_time_budget_seconds),
    )


def monitoring_intake(
    settings: MonitoringIntakeSettings,
    runtime: Runtime,
    *,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> MonitoringIntake:
    table = runtime.aws.table(settings.table_name)
    return MonitoringIntake(
        objects=UploadObjects(runtime.aws.s3()),
        samples=SampleStore(table),
        uploads=UploadRecords(table),
        levels=LevelStore(table),
        facility_pages=lambda: facility_wdids(table),
        requeue=SqsMessages(runtime.aws.sqs(), settings.monitoring_events_queue_url),
        clock=runtime.clock,
        margin_ms=settings.resume_margin_seconds * 1000,
        progress_every=settings.progress_every,
        progress=progress,
        watchers=(
            outlook_watch(settings, runtime),
            sampling_duties(table, runtime),
        ),
    )


def outlook_watch(settings: StackSettings, runtime: Runtime) -> OutlookWatch:
    """Emails the LRP when a parameter's in-year outlook worsens (after monitoring uploads)."""
    table = runtime.aws.table(settings.table_name)
    return OutlookWatch(
        FacilityOutlooks(LevelStore(table), runtime.clock),
        OutlookStates(table),
        FacilityDirectory(table),
        SqsNoticePublisher(runtime.aws.sqs(), settings.notices_queue_url),
        runtime.clock,
    )


def smarts_intake(settings: StackSettings, runtime: Runtime) -> SmartsIntake:
    """The SMARTS uploads: a Level export under `smarts/levels/` against the registered facilities' stored
    Levels; an Annual Reports download under `smarts/annual-reports/` closing their Annual Reports; Application
    Specific Data under `smarts/facilities/` into their profiles."""
    table = runtime.aws.table(settings.table_name)
    objects, uploads, clock = UploadObjects(runtime.aws.s3()), UploadRecords(table), runtime.clock

    def pages() -> Iterator[list[str]]:
        return facility_wdids(table)

    facilities = FacilityImport(
        objects=objects, uploads=uploads, facility_pages=pages, profiles=FacilityDirectory(table),
        obligations=ObligationStore(table), clock=clock,
    )  # fmt: skip
    annual_reports = AnnualReportIntake(
        objects=objects, uploads=uploads, facility_pages=pages, obligations=ObligationStore(table), clock=clock,
        notices=outbox_publisher(table, runtime, settings.notices_queue_url),
    )  # fmt: skip
    levels = LevelsReconciliation(
        objects=objects, uploads=uploads, facility_pages=pages, statuses=LevelStore(table),
        disagreements=LevelDisagreements(table), members=FacilityDirectory(table),
        publisher=SqsNoticePublisher(runtime.aws.sqs(), settings.notices_queue_url), clock=clock,
    )  # fmt: skip
    return SmartsIntake({LEVELS_PREFIX: levels, ANNUAL_REPORTS_PREFIX: annual_reports, FACILITIES_PREFIX: facilities})


def smarts_sync(settings: SmartsSyncSettings, runtime: Runtime) -> SmartsSync:
    """The daily fetch of the registered facilities' SMARTS data from the open-data portal."""
    table = runtime.aws.table(settings.table_name)
    return SmartsSync(
        datastore=CkanDatastore(settings.smarts_portal_url, sleep=runtime.sleep),
        objects=SyncObjects(runtime.aws.s3(), settings.documents_bucket),
        facility_pages=lambda: facility_wdids(table),
        resources=[
            SyncResource(settings.smarts_parameter_resource, MONITORING_SYNC_PREFIX),
            SyncResource(settings.smarts_facility_resource, FACILITIES_SYNC_PREFIX),
        ],
        page_size=settings.smarts_page_size,
    )


def program_facts(settings: StackSettings, runtime: Runtime) -> ProgramFactsService:
    """The program facts use case (uploads, the API's PUT and the daily recompute share it)."""
    table = runtime.aws.table(settings.table_name)
    return ProgramFactsService(obligations=ObligationStore(table), facts=ProgramFactsStore(table), clock=runtime.clock)


def program_intake(settings: ProgramIntakeSettings, runtime: Runtime) -> ProgramIntake:
    table = runtime.aws.table(settings.table_name)
    return ProgramIntake(
        objects=UploadObjects(runtime.aws.s3()),
        uploads=UploadRecords(table),
        facilities=FacilityDirectory(table),
        service=program_facts(settings, runtime),
        clock=runtime.clock,
        max_bytes=settings.program_max_bytes,
    )


def program_recompute(settings: StackSettings, runtime: Runtime) -> ProgramRecompute:
    table = runtime.aws.table(settings.table_name)
    return ProgramRecompute(obligations=ObligationStore(table), facts=ProgramFactsStore(table), clock=runtime.clock)


def qisp_intake(settings: QispIntakeSettings, runtime: Runtime) -> QispIntake:
    table = runtime.aws.table(settings.table_name)
    return QispIntake(
        objects=UploadObjects(runtime.aws.s3()),
        uploads=UploadRecords(table),
        registry=QispRegistry(table),
        max_bytes=settings.qisp_max_bytes,
    )


def annual_planner(settings: AnnualPlannerSettings, runtime: Runtime) -> AnnualPlanner:
    table = runtime.aws.table(settings.table_name)
    return AnnualPlanner(
        facility_pages=lambda: facility_wdids(table),
        queue=SqsMessages(runtime.aws.sqs(), settings.level_work_queue_url),
        summaries=RunSummaryStore(table),
        clock=runtime.clock,
        facilities_per_message=settings.facilities_per_message,
    )


def level_worker(
    settings: LevelWorkerSettings,
    runtime: Runtime,
    *,
    on_error: Callable[[str, Exception], None] | None = None,
) -> LevelWorker:
    table = runtime.aws.table(settings.table_name)
    return LevelWorker(
        levels=LevelStore(table),
        summaries=RunSummaryStore(table),
        profiles=FacilityDirectory(table),
        sampling=sampling_duties(table, runtime),
        nd_policy=settings.nd_policy,
        on_error=on_error,
        notices=outbox_publisher(table, runtime, settings.notices_queue_url),
        clock=runtime.clock,
    )


def deadline_sweep(settings: SweepSettings, runtime: Runtime) -> DeadlineSweep:
    table = runtime.aws.table(settings.table_name)
    return DeadlineSweep(
        ObligationStore(table),
        FacilityDirectory(table),
        SendClaims(table, sleep=runtime.sleep),
        SqsNoticePublisher(runtime.aws.sqs(), settings.notices_queue_url),
        CalendarFeeds(S3FeedStore(runtime.aws.s3(), settings.documents_bucket), runtime.clock),
        horizon_days=settings.reminder_horizon_days,
        outlooks=FacilityOutlooks(LevelStore(table), runtime.clock),
    )


def notifier(settings: NotifierSettings, runtime: Runtime) -> Notifier:
    table = runtime.aws.table(settings.table_name)
    return Notifier(
        directory=FacilityDirectory(table),
        claims=SendClaims(table, sleep=runtime.sleep),
        mailer=SesMailer(
            runtime.aws.sesv2,
            settings.notice_from_address,
            configuration_set=settings.ses_configuration_set or None,
        ),
        clock=runtime.clock,
        obligations=ObligationStore(table),
        calendars=CalendarFeeds(S3FeedStore(runtime.aws.s3(), settings.documents_bucket), runtime.clock),
        feed_links=FeedLinks(calendar_tokens(settings, settings.calendar_tokens_key, runtime), settings.public_api_url),
    )


def calendar_tokens(settings: StackSettings, key_id: str, runtime: Runtime) -> CalendarTokens:
    """Calendar tokens: the API issues them and serves their feeds, the notifier names them in emails."""
    return CalendarTokens(
        CalendarTokenStore(runtime.aws.table(settings.table_name)),
        KmsTokenSealer(runtime.aws.kms(), key_id),
        S3FeedStore(runtime.aws.s3(), settings.documents_bucket),
        runtime.clock,
    )


def bounce_handler(settings: BounceHandlerSettings, runtime: Runtime) -> BounceHandler:
    return BounceHandler(SendClaims(runtime.aws.table(settings.table_name), sleep=runtime.sleep), clock=runtime.clock)


def notice_relay(settings: StackSettings, runtime: Runtime) -> NoticeRelay:
    return NoticeRelay(
        outbox=NoticeOutbox(runtime.aws.table(settings.table_name)),
        publisher=SqsNoticePublisher(runtime.aws.sqs(), settings.notices_queue_url),
        clock=runtime.clock,
    )


def api(settings: ApiSettings, runtime: Runtime) -> ApiDependencies:
    """What the HTTP API's routes need (`api.routes.create_app`)."""
    workflow = ReportWorkflow(
        DynamoDbReportStore(runtime.aws.table(settings.table_name)),
        SqsNoticePublisher(runtime.aws.sqs(), settings.notices_queue_url),
        runtime.clock,
    )
    return ApiDependencies(
        workflow=workflow,
        programs=program_facts(settings, runtime),
        levels=LevelEvidence(
            LevelStore(runtime.aws.table(settings.table_name)),
            LevelDisagreements(runtime.aws.table(settings.table_name)),
        ),
        portfolio=Portfolio(PortfolioReader(runtime.aws.table(settings.table_name)), runtime.clock),
        outlook=FacilityOutlooks(LevelStore(runtime.aws.table(settings.table_name)), runtime.clock),
        sampling=sampling_duties(runtime.aws.table(settings.table_name), runtime),
        calendars=calendar_tokens(settings, settings.calendar_tokens_key, runtime),
        uploads=UploadGrants(
            workflow,
            S3PostSigner(runtime.aws.s3_presigner(), settings.documents_bucket),
            UploadLimits(
                attachment_bytes=settings.pdf_max_bytes,
                monitoring_bytes=settings.monitoring_max_bytes,
                program_facts_bytes=settings.program_max_bytes,
                expires_in=settings.upload_expires_seconds,
            ),
            UploadHistoryStore(runtime.aws.table(settings.table_name), settings.documents_bucket),
            S3ReportLinks(runtime.aws.s3_presigner(), settings.documents_bucket),
            runtime.clock,
        ),
    )

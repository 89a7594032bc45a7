"""Per-function settings, validated once at cold start from the environment template.yaml sets.

Logic never reads `os.environ`: handlers build these and pass what the services need.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from permitclock.domain.levels import NdPolicy


class StackSettings(BaseSettings):
    """What every function gets from the template's Globals."""

    model_config = SettingsConfigDict(extra="ignore")

    table_name: str
    documents_bucket: str
    notices_queue_url: str


class ApiSettings(StackSettings):
    """The caps of presigned uploads (`POST /facilities/{wdid}/uploads`): an attachment's is the attachment
    check's (template `PdfMaxBytes`), program facts' the program intake's; and how long a grant is valid."""

    pdf_max_bytes: int = 20_000_000
    program_max_bytes: int = 262_144
    monitoring_max_bytes: int = 1 << 30
    upload_expires_seconds: int = 900
    calendar_tokens_key: str
    """The KMS key calendar tokens are sealed with (template `CalendarTokensKey`)."""


class AttachmentValidatorSettings(StackSettings):
    """Limits of the attachment check (template parameters `PdfMaxBytes`, `PdfMaxPages`)."""

    pdf_max_bytes: int = 20_000_000
    pdf_max_pages: int = 500
    pdf_time_budget_seconds: float = 8.0


class NotifierSettings(StackSettings):
    """The verified SES identity notices are sent from, and the configuration set that publishes bounces and
    complaints to the bounce handler (template `NoticesConfigurationSet`)."""

    notice_from_address: str
    ses_configuration_set: str | None = None
    public_api_url: str
    """The HTTP API's public origin, for the feed links emails carry (template `PublicApiUrl`, else the API's
    execute-api URL)."""
    calendar_tokens_key: str
    """The KMS key that opens (and seals a first) calendar token (template `CalendarTokensKey`)."""

    @field_validator("public_api_url")
    @classmethod
    def _an_origin(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            raise ValueError(f"PUBLIC_API_URL must be an http(s) origin without a path, not {value!r}")
        return value


class MonitoringIntakeSettings(StackSettings):
    """Progress is logged every `progress_every` rows of a monitoring upload; with fewer than
    `resume_margin_seconds` left in the invocation, a download still being read is checkpointed and its next part
    sent to `monitoring_events_queue_url` (the function's own queue)."""

    monitoring_events_queue_url: str
    progress_every: int = 50_000
    resume_margin_seconds: int = Field(default=60, ge=1, le=600)


class AnnualPlannerSettings(StackSettings):
    """Where the planner sends work, and how many facilities per message."""

    level_work_queue_url: str
    facilities_per_message: int = 25


class LevelWorkerSettings(StackSettings):
    """How non-detects enter the annual average (era-rules `nd_policy`, default zero): `zero` or `exclude`, exactly;
    any other value (`Exclude`, `none`) fails the cold start rather than silently acting as one of them."""

    nd_policy: NdPolicy = "zero"


class SweepSettings(StackSettings):
    """The deadline sweep: how far ahead the due-date index is read (at least the default policy's 60 days;
    a facility override with an earlier first step than this horizon is only seen once inside it)."""

    reminder_horizon_days: int = 60


class BounceHandlerSettings(StackSettings):
    """The bounce handler writes only suppression items to the state table."""


class QispIntakeSettings(StackSettings):
    """The largest QISP registry CSV read (the State's registry is a few thousand rows, well under 1 MB)."""

    qisp_max_bytes: int = 10_000_000


class ProgramIntakeSettings(StackSettings):
    """The largest program facts JSON read (a facility's facts are a few KB; the stored document must stay well
    under DynamoDB's 400 KB item limit)."""

    program_max_bytes: int = 262_144


class SmartsSyncSettings(StackSettings):
    """The open-data portal the SMARTS sync reads (template parameters `SmartsPortalUrl`,
    `SmartsParameterDataResource`, `SmartsFacilityDataResource`) and its page size."""

    smarts_portal_url: str = "https://data.ca.gov"
    smarts_parameter_resource: str = "7871e8fe-576d-4940-acdf-eca0b399c1aa"
    smarts_facility_resource: str = "33e69394-83ec-4872-b644-b9f494de1824"
    smarts_page_size: int = 1000

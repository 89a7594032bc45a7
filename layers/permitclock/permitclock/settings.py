"""Per-function settings, validated once at cold start from the environment template.yaml sets.

Logic never reads `os.environ`: handlers build these and pass what the services need.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class StackSettings(BaseSettings):
    """What every function gets from the template's Globals."""

    model_config = SettingsConfigDict(extra="ignore")

    table_name: str
    documents_bucket: str
    notices_queue_url: str
    permit_timezone: str = "America/Los_Angeles"


class AttachmentValidatorSettings(StackSettings):
    """Limits of the attachment check (template parameters `PdfMaxBytes`, `PdfMaxPages`)."""

    pdf_max_bytes: int = 20_000_000
    pdf_max_pages: int = 500
    pdf_time_budget_seconds: float = 8.0


class NotifierSettings(StackSettings):
    """The verified SES identity notices are sent from."""

    notice_from_address: str

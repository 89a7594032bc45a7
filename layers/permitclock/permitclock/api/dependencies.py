"""What the API's routes need, built once per container (`bootstrap.api`) or by a test with fakes."""

from __future__ import annotations

from dataclasses import dataclass

from permitclock.services.calendar_tokens import CalendarTokens
from permitclock.services.level_evidence import LevelEvidence
from permitclock.services.outlook import FacilityOutlooks
from permitclock.services.portfolio import Portfolio
from permitclock.services.program_intake import ProgramFactsService
from permitclock.services.report_workflow import ReportWorkflow
from permitclock.services.sampling_duties import SamplingDuties
from permitclock.services.upload_grants import UploadGrants


@dataclass(frozen=True)
class ApiDependencies:
    workflow: ReportWorkflow
    """Reports, members and the QISP registry: the report routes' use cases."""
    programs: ProgramFactsService
    """The program facts routes' use case (shared with uploads and the daily recompute)."""
    levels: LevelEvidence
    """A facility's Levels with the evidence the annual run kept."""
    portfolio: Portfolio
    """The caller's facilities at a glance and their obligations across facilities."""
    outlook: FacilityOutlooks
    """The in-year outlook of a facility's parameters (`GET /facilities/{wdid}/outlook`)."""
    sampling: SamplingDuties
    """Sampling events' laboratory-results dates and their 30-day reporting deadlines."""
    calendars: CalendarTokens
    """Calendar subscription tokens and the feeds they open."""
    uploads: UploadGrants
    """Presigned uploads of a facility's files (`POST /facilities/{wdid}/uploads`)."""

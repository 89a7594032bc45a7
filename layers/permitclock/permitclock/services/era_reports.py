"""Open the ERA report an obligation calls for, so the report workflow (the HTTP API) has something to act on.

The July 1 annual run opens obligations (`ObligationStore.put_new`, one per facility, parameter and ERA type);
for each new one it calls `open_era_report`. SMARTS keeps one report per facility, report type and reporting
year, listing every parameter it covers, so the report id is derived from those and nothing else:

    report id = {type code}-{reporting year}     e.g. L2TR-2025-2026 (Level 2 ERA Technical Report, 2025-2026)

| obligation type | code |
|---|---|
| Level 1 ERA Report | `L1R` |
| Level 2 ERA Action Plan | `L2AP` |
| Level 2 ERA Technical Report | `L2TR` |

The id fits the attachment upload contract (`attachments/{WDID}/{report id}/{file name}`). The first obligation
creates the report (status Future, due the obligation's due date); the next ones of the same type and year add
their parameter and obligation id. Opening is idempotent. Other obligation types (the Level 1 ERA Evaluation,
a Technical Report update, the Annual Report) open no report: an update goes through the submitted Technical
Report, the others are not SMARTS reports of this workflow.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from permitclock.domain.obligations import Obligation
from permitclock.domain.reports import REPORT_TYPES, Report, ReportType

REPORT_CODES: dict[ReportType, str] = {
    "Level 1 ERA Report": "L1R",
    "Level 2 ERA Action Plan": "L2AP",
    "Level 2 ERA Technical Report": "L2TR",
}
_REPORTING_YEAR = re.compile(r"^\d{4}-\d{4}$")


class ReportOpener(Protocol):
    """What opening needs of the store (`adapters.reports.DynamoDbReportStore.open_report`)."""

    def open_report(self, report: Report) -> str: ...


@dataclass(frozen=True)
class OpenResult:
    report_id: str | None
    outcome: str  # created | added | unchanged | submitted | no_report


def report_id_for(report_type: ReportType, reporting_year: str) -> str:
    return f"{REPORT_CODES[report_type]}-{reporting_year}"


def report_for(obligation: Obligation) -> Report | None:
    """The report `obligation` belongs to, as it looks for that obligation alone; None when it opens none
    (not a report type, not dated, closed, or a period that is not a reporting year)."""
    report_type = next((t for t in REPORT_TYPES if t == obligation.type), None)
    if (
        report_type is None
        or obligation.program != "igp"
        or obligation.due is None
        or obligation.status == "closed"
        or not _REPORTING_YEAR.match(obligation.period)
    ):
        return None
    return Report(
        wdid=obligation.facility_id,
        report_id=report_id_for(report_type, obligation.period),
        report_type=report_type,
        reporting_year=obligation.period,
        parameters=(obligation.subject,),
        due=obligation.due,
        obligation_ids=(obligation.obligation_id,),
    )


def reports_for(obligations: Iterable[Obligation]) -> list[Report]:
    """The reports a batch of obligations opens, parameters merged per report id (for a caller that writes
    them in its own transaction, e.g. with `adapters.reports.report_item` and `attribute_not_exists`)."""
    merged: dict[tuple[str, str], Report] = {}
    for report in filter(None, map(report_for, obligations)):
        key = (report.wdid, report.report_id)
        known = merged.get(key)
        merged[key] = (
            report
            if known is None
            else known.model_copy(
                update={
                    "parameters": tuple(dict.fromkeys((*known.parameters, *report.parameters))),
                    "obligation_ids": tuple(dict.fromkeys((*known.obligation_ids, *report.obligation_ids))),
                }
            )
        )
    return list(merged.values())


def open_era_report(store: ReportOpener, obligation: Obligation) -> OpenResult:
    """Create or extend the report of an ERA obligation (call after the obligation is stored)."""
    report = report_for(obligation)
    if report is None:
        return OpenResult(report_id=None, outcome="no_report")
    return OpenResult(report_id=report.report_id, outcome=store.open_report(report))

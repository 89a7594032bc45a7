"""Opening the ERA report an obligation calls for, over the fake report store."""

from __future__ import annotations

from datetime import date

from permitclock.rules.igp.obligations import (
    ANNUAL_REPORT,
    LEVEL_2_ERA_TECHNICAL_REPORT,
    annual_report_obligation,
    era_obligation,
)
from permitclock.services.era_reports import open_era_report, report_id_for, reports_for

from tests.fakes.reports import FakeReportStore

WDID = "4 19I000033"
YEAR = "2025-2026"


def test_the_first_obligation_creates_the_report_and_the_next_add_their_parameters() -> None:
    store = FakeReportStore()
    zinc = era_obligation(LEVEL_2_ERA_TECHNICAL_REPORT, WDID, "Zinc, Total (Recoverable)", YEAR, {})
    copper = era_obligation(LEVEL_2_ERA_TECHNICAL_REPORT, WDID, "Copper, Total (Recoverable)", YEAR, {})

    outcomes = [open_era_report(store, o).outcome for o in (zinc, copper, zinc)]

    assert outcomes == ["created", "added", "unchanged"]
    [report] = store.list_reports(WDID)
    assert report.report_id == report_id_for("Level 2 ERA Technical Report", YEAR) == "L2TR-2025-2026"
    assert report.obligation_ids == (zinc.obligation_id, copper.obligation_id)
    assert [r.parameters for r in reports_for([zinc, copper])] == [report.parameters]


def test_an_obligation_that_is_not_an_era_report_opens_none() -> None:
    annual = annual_report_obligation(WDID, "2024-2025")
    assert annual.type == ANNUAL_REPORT
    assert open_era_report(FakeReportStore(), annual).outcome == "no_report"
    assert reports_for([annual.model_copy(update={"due": date(2025, 7, 15)})]) == []

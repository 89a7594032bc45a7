"""ERA obligations and their due dates (era-rules "Obligations and due dates", "Extensions").

Y is the calendar year of the July 1 on which the status began. Due dates are calendar dates in
America/Los_Angeles and never roll to a business day (January 1 stays January 1).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from permitclock.domain.levels import trusted
from permitclock.domain.obligations import Obligation
from permitclock.domain.reports import Report
from permitclock.rules.igp.years import assignment_date, start_year

PROGRAM = "igp"

LEVEL_1_ERA_EVALUATION = "Level 1 ERA Evaluation"
LEVEL_1_ERA_REPORT = "Level 1 ERA Report"
LEVEL_2_ERA_ACTION_PLAN = "Level 2 ERA Action Plan"
LEVEL_2_ERA_TECHNICAL_REPORT = "Level 2 ERA Technical Report"
LEVEL_2_ERA_TECHNICAL_REPORT_UPDATE = "Level 2 ERA Technical Report Update"
ANNUAL_REPORT = "Annual Report"

SECTIONS: dict[str, str] = {
    LEVEL_1_ERA_EVALUATION: "IGP XII.C.1 (Fact Sheet [FS145])",
    LEVEL_1_ERA_REPORT: "IGP XII.C.2 (Fact Sheet [FS145])",
    LEVEL_2_ERA_ACTION_PLAN: "IGP XII.D.1 (Fact Sheet [FS146])",
    LEVEL_2_ERA_TECHNICAL_REPORT: "IGP XII.D.2 ([SJ-678])",
    LEVEL_2_ERA_TECHNICAL_REPORT_UPDATE: "IGP XII.D.3.c ([SJ-680], [CASQA-L2TR])",
    ANNUAL_REPORT: "IGP XVI.A",
}

REPORT_CODES: dict[str, str] = {
    LEVEL_1_ERA_REPORT: "L1R",
    LEVEL_2_ERA_ACTION_PLAN: "L2AP",
    LEVEL_2_ERA_TECHNICAL_REPORT: "L2TR",
}
"""The obligation types that are SMARTS reports of the workflow, and their report id codes."""


def report_id_for(report_type: str, reporting_year: str) -> str:
    """One report per facility, report type and reporting year: `{code}-{reporting year}`, e.g. `L2TR-2025-2026`
    (fits the attachment key contract `attachments/{WDID}/{report id}/{file name}`)."""
    return f"{REPORT_CODES[report_type]}-{reporting_year}"


def level_1_era_evaluation_due(level_start: date) -> date:
    """Level 1 ERA Evaluation, with a QISP: October 1 of Y (IGP XII.C.1, [FS145])."""
    return date(level_start.year, 10, 1)


def level_1_era_report_due(level_start: date) -> date:
    """Level 1 ERA Report: January 1 of Y+1 (IGP XII.C.2, [FS145])."""
    return date(level_start.year + 1, 1, 1)


def level_2_action_plan_due(level_start: date) -> date:
    """Level 2 ERA Action Plan: January 1 of Y+1 (IGP XII.D.1, [FS146])."""
    return date(level_start.year + 1, 1, 1)


def level_2_technical_report_due(level_start: date) -> date:
    """Level 2 ERA Technical Report: January 1 of Y+2, a year after the Action Plan (XII.D.2, [SJ-678])."""
    return date(level_start.year + 2, 1, 1)


def technical_report_update_due(assigned_on: date) -> date:
    """Level 2 ERA Technical Report Update: July 15 of Y, with the Annual Report (IGP XII.D.3.c,
    [CASQA-L2TR])."""
    return date(assigned_on.year, 7, 15)


def annual_report_due(reporting_year: str) -> date:
    """Annual Report: July 15 after the reporting year ends (IGP XVI.A)."""
    return date(start_year(reporting_year) + 1, 7, 15)


DUE_RULES = {
    LEVEL_1_ERA_EVALUATION: level_1_era_evaluation_due,
    LEVEL_1_ERA_REPORT: level_1_era_report_due,
    LEVEL_2_ERA_ACTION_PLAN: level_2_action_plan_due,
    LEVEL_2_ERA_TECHNICAL_REPORT: level_2_technical_report_due,
    LEVEL_2_ERA_TECHNICAL_REPORT_UPDATE: technical_report_update_due,
}


def era_obligation(
    obligation_type: str,
    wdid: str,
    parameter: str,
    reporting_year: str,
    facts: dict[str, Any],
    *,
    technical_report_id: str | None = None,
) -> Obligation:
    """An open ERA obligation of `obligation_type` for one parameter, opened by the July 1 assignment that
    follows `reporting_year` (the evaluated year, which is also the obligation's `period`). Its `report_id` is
    its own report's (`report_id_for`); a Technical Report Update belongs to the submitted Technical Report it
    updates (`technical_report_id`, None when that report was submitted outside permitclock); the Level 1 ERA
    Evaluation belongs to no report."""
    if obligation_type in REPORT_CODES:
        report_id: str | None = report_id_for(obligation_type, reporting_year)
    elif obligation_type == LEVEL_2_ERA_TECHNICAL_REPORT_UPDATE:
        report_id = technical_report_id
    else:
        report_id = None
    assigned_on = assignment_date(reporting_year)
    due = DUE_RULES[obligation_type](assigned_on)
    section = SECTIONS[obligation_type]
    # Built without validation (one per opened obligation on the Level engine's hot path): every value is typed
    # here, `due` is set so `Obligation`'s "open needs a due date" check holds, and `facts` is copied as
    # validation would. The fields set are those the validated constructor would record.
    return trusted(
        Obligation,
        {
            "program": PROGRAM,
            "type": obligation_type,
            "facility_id": wdid,
            "subject": parameter,
            "due": due,
            "window_start": None,
            "window_end": None,
            "section": section,
            "status": "open",
            "period": reporting_year,
            "amount": None,
            "facts": dict(facts),
            "report_id": report_id,
        },
        set(_ERA_FIELDS_SET) | ({"report_id"} if report_id else set()),
    )


_ERA_FIELDS_SET = frozenset(
    {"program", "type", "facility_id", "subject", "due", "section", "status", "period", "facts"}
)


def annual_report_obligation(wdid: str, reporting_year: str) -> Obligation:
    """The facility's Annual Report for `reporting_year`: every active facility, every year (IGP XVI.A).

    Facility-level, so `assign_year` does not open it; a service opens it once per facility and year."""
    return Obligation(
        program=PROGRAM,
        type=ANNUAL_REPORT,
        facility_id=wdid,
        subject="facility",
        due=annual_report_due(reporting_year),
        section=SECTIONS[ANNUAL_REPORT],
        status="open",
        period=reporting_year,
        facts={"reporting_year": reporting_year},
    )


def reports_for(obligations: Iterable[Obligation]) -> list[Report]:
    """The reports a July 1's obligations open (era-rules "Roles and report workflow"): one per facility, report
    type and reporting year, listing every parameter and obligation of it, status Future, due the obligations'
    due date. A Technical Report Update opens none (it is due on its submitted Technical Report), nor does the
    Level 1 ERA Evaluation or the Annual Report."""
    merged: dict[tuple[str, str], Report] = {}
    for o in obligations:
        if o.program != PROGRAM or o.type not in REPORT_CODES or o.report_id is None or o.due is None:
            continue
        known = merged.get((o.facility_id, o.report_id))
        merged[(o.facility_id, o.report_id)] = Report(
            wdid=o.facility_id,
            report_id=o.report_id,
            report_type=o.type,  # type: ignore[arg-type]  # a REPORT_CODES key is a ReportType
            reporting_year=o.period,
            parameters=(*known.parameters, o.subject) if known else (o.subject,),
            due=o.due,
            obligation_ids=(*known.obligation_ids, o.obligation_id) if known else (o.obligation_id,),
        )
    return list(merged.values())


def automatic_extension_due(due: date) -> date | None:
    """Where the one-time automatic six-month extension of the Level 2 ERA Technical Report moves `due`
    (era-rules "Extensions"; Fact Sheet [FS150]): January 1 to June 30 of the same reporting year. None for any
    other due date: the extension moves the January 1 the permit sets, never a date a Regional Board extension
    set."""
    return date(due.year, 6, 30) if (due.month, due.day) == (1, 1) else None


BOARD_EXTENSION_MAX_YEARS = 5
"""How far after today a Regional Board extension may set the new due date: the Board grants months, not years;
a farther date is a typing error (year 20270 once reached the sweep's date arithmetic)."""


def latest_board_extension_due(today: date) -> date:
    """The last due date a Regional Board extension recorded on `today` may set (`BOARD_EXTENSION_MAX_YEARS`; a
    February 29 counts to February 28)."""
    year = today.year + BOARD_EXTENSION_MAX_YEARS
    return today.replace(year=year, day=28) if (today.month, today.day) == (2, 29) else today.replace(year=year)

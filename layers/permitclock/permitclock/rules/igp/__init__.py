"""California Industrial General Permit (Order 2014-0057-DWQ as amended): NALs, exceedances, Level status,
ERAs.

Pure rules: no I/O beyond the packaged NAL table, no clock (dates are passed in). See docs/igp-rules.md for
every reading taken where the permit is silent.
"""

from permitclock.rules.igp.exceedances import evaluate_year
from permitclock.rules.igp.levels import assign_parameter, assign_year, transition
from permitclock.rules.igp.nals import NAL, nal_for, nal_table
from permitclock.rules.igp.obligations import (
    ANNUAL_REPORT,
    LEVEL_1_ERA_EVALUATION,
    LEVEL_1_ERA_REPORT,
    LEVEL_2_ERA_ACTION_PLAN,
    LEVEL_2_ERA_TECHNICAL_REPORT,
    LEVEL_2_ERA_TECHNICAL_REPORT_UPDATE,
    annual_report_obligation,
    automatic_extension_due,
)
from permitclock.rules.igp.years import FIRST_LEVEL_YEAR, assignment_date, is_over, reporting_year_of

__all__ = [
    "ANNUAL_REPORT",
    "FIRST_LEVEL_YEAR",
    "LEVEL_1_ERA_EVALUATION",
    "LEVEL_1_ERA_REPORT",
    "LEVEL_2_ERA_ACTION_PLAN",
    "LEVEL_2_ERA_TECHNICAL_REPORT",
    "LEVEL_2_ERA_TECHNICAL_REPORT_UPDATE",
    "NAL",
    "annual_report_obligation",
    "assign_parameter",
    "assign_year",
    "assignment_date",
    "automatic_extension_due",
    "evaluate_year",
    "is_over",
    "nal_for",
    "nal_table",
    "reporting_year_of",
    "transition",
]

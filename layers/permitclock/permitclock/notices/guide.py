"""What each obligation is called and what to do next, in plain words (the SMARTS steps of the Water Board's
Level 2 ERA Technical Report Submittal Guidance, March 2024, seed 000).

Obligation types are matched loosely (`Level 2 ERA Technical Report`, `level2_technical_report` and
`level_2_era_technical_report` are the same key); an unknown type gets a generic label and step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from permitclock.rules.igp.obligations import automatic_extension_due

_SMARTS = "SMARTS (smarts.waterboards.ca.gov)"
_TO_ERA_REPORTS = (
    f"Log in to {_SMARTS}, choose File Reports, then Industrial Exceedance Response Action Reports, and open "
    "the report by its Report ID."
)
_CERTIFY = (
    "Run the completion check on the Certify tab. The Legally Responsible Person (LRP) or a Duly Authorized "
    "Representative (DAR) with an eAuthorization on file then certifies and submits it; a Data Entry "
    "Person can only send it to them for certification."
)


@dataclass(frozen=True)
class ObligationGuide:
    """A human label for an obligation type and the next step to take."""

    label: str
    next_step: str


GUIDES: dict[str, ObligationGuide] = {
    "level1_era_evaluation": ObligationGuide(
        "Level 1 ERA Evaluation",
        "Have your QISP evaluate the industrial pollutant sources behind the exceedance and the BMPs that "
        "address them, and revise the SWPPP as needed. Keep the evaluation with your records: the Level 1 "
        "ERA Report that follows is what you upload to SMARTS.",
    ),
    "level1_era_report": ObligationGuide(
        "Level 1 ERA Report",
        f"{_TO_ERA_REPORTS} Upload the Level 1 ERA Report your QISP prepared on the Attachments tab (file "
        f'type "Level 1 ERA Report") and identify the QISP. {_CERTIFY}',
    ),
    "level2_era_action_plan": ObligationGuide(
        "Level 2 ERA Action Plan",
        f"{_TO_ERA_REPORTS} Upload the Action Plan your QISP prepared on the Attachments tab (file type "
        f'"Level 2 ERA Action Plan") and identify the QISP. {_CERTIFY}',
    ),
    "level2_era_technical_report": ObligationGuide(
        "Level 2 ERA Technical Report",
        f"{_TO_ERA_REPORTS} On General Info choose at least one demonstration for every parameter; on "
        'Attachments upload the report your QISP prepared (file type "Level 2 ERA Technical Report"); on the '
        f"QISP tab look up and select the QISP. {_CERTIFY}",
    ),
    "level2_era_technical_report_update": ObligationGuide(
        "Level 2 ERA Technical Report Update",
        f"Log in to {_SMARTS}, choose File Reports, Industrial Exceedance Response Action Reports, then View "
        "Submitted Reports and open the Technical Report. On the Update Technical Report tab choose Add New "
        "Technical Report Update, upload the revised report and give the reason for the update. The LRP "
        "or a DAR certifies and submits the update. It is due with the Annual Report.",
    ),
    "annual_report": ObligationGuide(
        "Annual Report",
        f"Log in to {_SMARTS}, choose File Reports, then Annual Reports, complete the report for the "
        "reporting year and have the LRP or a DAR certify and submit it.",
    ),
}

_ALIASES = {
    "level2_action_plan": "level2_era_action_plan",
    "level2_technical_report": "level2_era_technical_report",
    "level2_technical_report_update": "level2_era_technical_report_update",
    "level1_evaluation": "level1_era_evaluation",
    "level1_report": "level1_era_report",
}

GENERIC = ObligationGuide(
    "Compliance deadline",
    "Open this obligation in permitclock to see what the rule requires, prepare it, and have the person "
    "responsible submit it before the due date.",
)


def type_key(obligation_type: str) -> str:
    """The normalized key of an obligation type: lower-case words joined by `_`, `level_2` folded to
    `level2`."""
    key = re.sub(r"[^a-z0-9]+", "_", obligation_type.lower()).strip("_")
    key = re.sub(r"level_(\d)", r"level\1", key)
    return _ALIASES.get(key, key)


EXTENSION_TYPE = "level2_era_technical_report"
"""The obligation type (`type_key`) whose report has the one-time automatic extension."""
EXTENSION_OPEN = (
    'Need more time? Before the due date the LRP or a DAR can use "Request Extension" once for an automatic '
    "six-month extension; anything longer needs the Regional Water Board's written approval."
)
EXTENSION_CLOSED = (
    "The automatic extension can no longer be requested for this report; a later due date needs the Regional "
    "Water Board's written approval, recorded with its letter."
)


def automatic_extension_open(obligation_type: str, due: date, on: date, facts: Mapping[str, Any]) -> bool | None:
    """Whether the LRP or a DAR may still request the automatic extension on `on` (`workflow.extensions`): the
    January 1 due date the permit set (`automatic_extension_due`), never moved by an extension (`extended_from`),
    not yet passed. None for a type that has no such extension."""
    if type_key(obligation_type) != EXTENSION_TYPE:
        return None
    return on <= due and automatic_extension_due(due) is not None and not facts.get("extended_from")


def extension_step(obligation_type: str, due: date, on: date, facts: Mapping[str, Any]) -> str:
    """The reminder's sentence about more time: the offer while the extension is open, else that it is gone;
    empty for a type without one."""
    still = automatic_extension_open(obligation_type, due, on, facts)
    return "" if still is None else EXTENSION_OPEN if still else EXTENSION_CLOSED


def guide_for(obligation_type: str) -> ObligationGuide:
    """The label and next step for an obligation type (generic when the type is not known)."""
    found = GUIDES.get(type_key(obligation_type))
    if found is not None:
        return found
    readable = obligation_type.replace("_", " ").strip()
    return ObligationGuide(readable[:1].upper() + readable[1:] if readable else GENERIC.label, GENERIC.next_step)

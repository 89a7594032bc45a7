"""Who may do what to a facility's ERA reports: the permission matrix as data (seed 000 steps 9-11)."""

from __future__ import annotations

from enum import StrEnum

from permitclock.domain.members import ROLES, SIGNATORY_ROLES, Member, Role
from permitclock.errors import NotAllowed


class Action(StrEnum):
    """Every report or facility action the API exposes (program facts included)."""

    VIEW = "view"
    COMPLETION_CHECK = "completion_check"
    EDIT_DEMONSTRATIONS = "edit_demonstrations"
    SET_QISP = "set_qisp"
    SEND_TO_CERTIFIER = "send_to_certifier"
    CERTIFY = "certify"
    PREPARE_UPDATE = "prepare_update"
    CERTIFY_UPDATE = "certify_update"
    REQUEST_EXTENSION = "request_extension"
    RECORD_REGIONAL_BOARD_EXTENSION = "record_regional_board_extension"
    EDIT_REPORT_DETAILS = "edit_report_details"
    COMPLETE_OBLIGATION = "complete_obligation"
    MANAGE_MEMBERS = "manage_members"
    EDIT_PROGRAM_FACTS = "edit_program_facts"
    RECORD_LAB_RESULTS = "record_lab_results"
    ROTATE_CALENDAR_TOKEN = "rotate_calendar_token"
    UPLOAD_DOCUMENTS = "upload_documents"


_EVERYONE: frozenset[Role] = frozenset(ROLES)
_PREPARERS: frozenset[Role] = frozenset({"LRP", "DAR", "DEP", "QISP"})
_SIGNATORIES: frozenset[Role] = SIGNATORY_ROLES

PERMISSIONS: dict[Action, frozenset[Role]] = {
    # Any user with access to the report may view it and run the completion check (step 9).
    Action.VIEW: _EVERYONE,
    Action.COMPLETION_CHECK: _EVERYONE,
    # Preparing the report (steps 5-8, 13-14): the QISP prepares, a DEP enters, the signatories may too.
    Action.EDIT_DEMONSTRATIONS: _PREPARERS,
    Action.SET_QISP: _PREPARERS,
    Action.PREPARE_UPDATE: _PREPARERS,
    # The SMARTS report id and the BMP implementation date the report states: whoever prepares it.
    Action.EDIT_REPORT_DETAILS: _PREPARERS,
    # A DEP who passes the check may only send it to the LRP/DAR (step 9); the signatories may also.
    Action.SEND_TO_CERTIFIER: frozenset({"LRP", "DAR", "DEP"}),
    # Certification and extensions belong to the LRP and DARs only (steps 10, 11, 15).
    Action.CERTIFY: _SIGNATORIES,
    Action.CERTIFY_UPDATE: _SIGNATORIES,
    Action.REQUEST_EXTENSION: _SIGNATORIES,
    Action.RECORD_REGIONAL_BOARD_EXTENSION: _SIGNATORIES,
    # A duty done outside permitclock (the Annual Report certified in SMARTS, the QISP's Level 1 ERA Evaluation)
    # is recorded as done by the people who answer for the facility (issue #12).
    Action.COMPLETE_OBLIGATION: _SIGNATORIES,
    # Project decision: the LRP, who answers for the facility, decides who acts for it.
    Action.MANAGE_MEMBERS: frozenset({"LRP"}),
    # Project decision: the facts of the other programs (closure assurance mechanisms, notices received,
    # streams, loans) are recorded by the people who answer for the facility or enter data for it; the QISP's
    # remit is the IGP reports. Reading them is `view`.
    Action.EDIT_PROGRAM_FACTS: frozenset({"LRP", "DAR", "DEP"}),
    # Project decision: the date a laboratory's results were received is entered by whoever prepares the
    # facility's data (the QISP, a DEP) or answers for it; it opens the 30-day results-reporting deadline.
    Action.RECORD_LAB_RESULTS: _PREPARERS,
    # Issue 19: a facility's calendar token (its feed's subscription URL) is issued and rotated by its LRP.
    Action.ROTATE_CALENDAR_TOKEN: frozenset({"LRP"}),
    # Who prepares a report's attachments and enters its data uploads them (issue 19: presigned uploads); program
    # facts uploads take EDIT_PROGRAM_FACTS.
    Action.UPLOAD_DOCUMENTS: _PREPARERS,
}

NEEDS_EAUTHORIZATION: frozenset[Action] = frozenset({Action.CERTIFY, Action.CERTIFY_UPDATE})
"""SMARTS guide step 10: "The Legally Responsible Person/Duly Authorized Representative must have a valid
eAuthorization form on file to be able to certify" -- so an LRP needs it as much as a DAR."""


def is_allowed(role: Role, action: Action) -> bool:
    return role in PERMISSIONS[action]


def require(member: Member, action: Action) -> None:
    """Raise `NotAllowed` unless `member` may perform `action` (role, then eAuthorization: step 10)."""
    if not is_allowed(member.role, action):
        raise NotAllowed(f"the {member.role} role may not {action.value.replace('_', ' ')}", code="role_not_permitted")
    if action in NEEDS_EAUTHORIZATION and not member.eauthorization_on_file:
        raise NotAllowed("certifying needs an eAuthorization on file", code="eauthorization_required")


def permission_matrix_markdown() -> str:
    """The matrix as a Markdown table (rendered into docs/workflow.md; a test keeps the two equal)."""
    lines = ["| action | " + " | ".join(ROLES) + " |", "|---|" + "---|" * len(ROLES)]
    for action, roles in PERMISSIONS.items():
        marks = []
        for role in ROLES:
            mark = "yes" if role in roles else "-"
            if mark == "yes" and action in NEEDS_EAUTHORIZATION:
                mark = "yes (eAuthorization)"
            marks.append(mark)
        lines.append(f"| `{action.value}` | " + " | ".join(marks) + " |")
    return "\n".join(lines) + "\n"

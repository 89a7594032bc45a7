"""Due-date extensions of ERA reports (era-rules "Extensions"; SMARTS Level 2 ERA Technical Report guide,
step 11)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from permitclock.clock import Clock, today
from permitclock.domain.members import Member
from permitclock.domain.reports import SUBMITTED, TECHNICAL_REPORT, Extension, Report, ReportAttachment
from permitclock.errors import BadInput, Conflict
from permitclock.workflow.reports import ObligationEffect, ReportChange, record_change, require_in_facility
from permitclock.workflow.roles import Action, require


def end_of_reporting_year(day: date) -> date:
    """The June 30 ending the reporting year (July 1 - June 30) that contains `day` (era-rules)."""
    return date(day.year if day.month <= 6 else day.year + 1, 6, 30)


def _require_open(report: Report) -> None:
    if report.status == SUBMITTED:
        raise Conflict(f"report {report.report_id} is already submitted", code="report_submitted")


def _moved(report: Report, actor: Member, extension: Extension, action: Action, clock: Clock) -> ReportChange:
    new, item = record_change(
        report,
        actor,
        action,
        clock,
        reason=f"due {extension.previous_due.isoformat()} -> {extension.new_due.isoformat()}",
        changes={"due": extension.new_due, "extensions": (*report.extensions, extension)},
    )
    effects = tuple(
        ObligationEffect(obligation_id=o, kind="move_due", on=extension.new_due)
        for o in report.obligation_ids
    )
    return ReportChange(report=new, expected_version=report.version, history=item, obligation_effects=effects)


def request_extension(report: Report, actor: Member, clock: Clock) -> ReportChange:
    """The one-time automatic six-month extension of a Level 2 ERA Technical Report (SMARTS guide, step 11).

    LRP or DAR only; once per report; on or before the due date (inclusive). The due date moves to June 30 of
    the same reporting year (January 1, 2027 -> June 30, 2027).
    """
    require_in_facility(report, actor)
    require(actor, Action.REQUEST_EXTENSION)
    if report.report_type != TECHNICAL_REPORT:
        raise Conflict(
            f"the automatic extension applies to a {TECHNICAL_REPORT} only", code="extension_not_available"
        )
    _require_open(report)
    if any(e.kind == "automatic" for e in report.extensions):
        raise Conflict("the one-time automatic extension was already used", code="extension_already_used")
    on = today(clock)
    if on > report.due:
        raise Conflict(
            f"an extension must be requested on or before the due date {report.due.isoformat()}",
            code="extension_request_too_late",
        )
    new_due = end_of_reporting_year(report.due)
    if new_due <= report.due:
        raise Conflict(
            "the due date is already the end of the reporting year", code="extension_not_available"
        )
    extension = Extension(
        kind="automatic", recorded_by=actor.user_id, recorded_on=on, previous_due=report.due, new_due=new_due
    )
    return _moved(report, actor, extension, Action.REQUEST_EXTENSION, clock)


def record_regional_board_extension(
    report: Report,
    actor: Member,
    attachments: Iterable[ReportAttachment],
    *,
    approval_letter_attachment_id: str,
    new_due: date,
    clock: Clock,
) -> ReportChange:
    """Record a further extension the Regional Water Board approved in writing: the approval letter (an
    accepted attachment of the report) and the new due date, by an LRP or DAR (SMARTS guide, step 11)."""
    require_in_facility(report, actor)
    require(actor, Action.RECORD_REGIONAL_BOARD_EXTENSION)
    if new_due <= report.due:
        raise BadInput(
            f"the new due date must be after {report.due.isoformat()}",
            code="new_due_not_later",
            field="new_due",
        )
    letter = next((a for a in attachments if a.attachment_id == approval_letter_attachment_id), None)
    if letter is None:
        raise BadInput(
            f"attachment {approval_letter_attachment_id} is not on this report",
            code="attachment_not_found",
            field="approval_letter_attachment_id",
        )
    if letter.status != "accepted":
        raise BadInput(
            f"attachment {approval_letter_attachment_id} is {letter.status}, not accepted",
            code="approval_letter_not_accepted",
            field="approval_letter_attachment_id",
        )
    _require_open(report)
    extension = Extension(
        kind="regional_board",
        recorded_by=actor.user_id,
        recorded_on=today(clock),
        previous_due=report.due,
        new_due=new_due,
        approval_letter_attachment_id=approval_letter_attachment_id,
    )
    return _moved(report, actor, extension, Action.RECORD_REGIONAL_BOARD_EXTENSION, clock)

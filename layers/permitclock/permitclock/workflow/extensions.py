"""Due-date extensions of ERA reports (era-rules "Extensions"; SMARTS Level 2 ERA Technical Report guide,
step 11): who may record one, on which report, with which letter. The dates are the IGP rules'
(`rules.igp.obligations.automatic_extension_due`, `latest_board_extension_due`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from permitclock.clock import Clock, today
from permitclock.domain.attachments import AttachmentFileType
from permitclock.domain.members import Member
from permitclock.domain.reports import SUBMITTED, TECHNICAL_REPORT, Extension, Report, ReportAttachment
from permitclock.errors import BadInput, Conflict
from permitclock.rules.igp.obligations import (
    BOARD_EXTENSION_MAX_YEARS,
    automatic_extension_due,
    latest_board_extension_due,
)
from permitclock.workflow.reports import (
    ObligationEffect,
    ReportChange,
    record_change,
    report_changed_notice,
    require_in_facility,
)
from permitclock.workflow.roles import Action, require


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
        ObligationEffect(obligation_id=o, kind="move_due", on=extension.new_due) for o in report.obligation_ids
    )
    notice = report_changed_notice(
        new, change="due_moved", previous_due=extension.previous_due, extension=extension.kind
    )
    return ReportChange(
        report=new, expected_version=report.version, history=item, obligation_effects=effects, notices=(notice,)
    )


def request_extension(report: Report, actor: Member, clock: Clock) -> ReportChange:
    """The one-time automatic six-month extension of a Level 2 ERA Technical Report (SMARTS guide, step 11).

    LRP or DAR only; once per report; on or before the due date (inclusive); only the January 1 due date the
    permit sets, which moves to June 30 of the same reporting year (January 1, 2027 -> June 30, 2027): 409
    `regional_board_extension_recorded` once a Regional Board extension moved it.
    """
    require_in_facility(report, actor)
    require(actor, Action.REQUEST_EXTENSION)
    if report.report_type != TECHNICAL_REPORT:
        raise Conflict(f"the automatic extension applies to a {TECHNICAL_REPORT} only", code="extension_not_available")
    _require_open(report)
    if any(e.kind == "automatic" for e in report.extensions):
        raise Conflict("the one-time automatic extension was already used", code="extension_already_used")
    if any(e.kind == "regional_board" for e in report.extensions):
        raise Conflict(
            "a Regional Board extension set the due date: the automatic extension moves only the January 1 due date",
            code="regional_board_extension_recorded",
        )
    on = today(clock)
    if on > report.due:
        raise Conflict(
            f"an extension must be requested on or before the due date {report.due.isoformat()}",
            code="extension_request_too_late",
        )
    new_due = automatic_extension_due(report.due)
    if new_due is None:
        raise Conflict(
            f"the automatic extension moves a January 1 due date, not {report.due.isoformat()}",
            code="extension_not_available",
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
    """Record a further extension the Regional Water Board approved in writing, by an LRP or DAR (SMARTS guide,
    step 11): the approval letter, an accepted attachment of type `Supporting Documentation` on this report, and
    the new due date, after the current one and today and at most `BOARD_EXTENSION_MAX_YEARS` after today (400
    `new_due_not_later`, `new_due_too_far`, `attachment_not_found`, `approval_letter_not_accepted`,
    `approval_letter_wrong_type`)."""
    require_in_facility(report, actor)
    require(actor, Action.RECORD_REGIONAL_BOARD_EXTENSION)
    on = today(clock)
    if new_due <= report.due or new_due <= on:
        raise BadInput(
            f"the new due date must be after {max(report.due, on).isoformat()}",
            code="new_due_not_later",
            field="new_due",
        )
    latest = latest_board_extension_due(on)
    if new_due > latest:
        raise BadInput(
            f"the new due date must be on or before {latest.isoformat()} ({BOARD_EXTENSION_MAX_YEARS} years from "
            "today)",
            code="new_due_too_far",
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
    if letter.file_type != AttachmentFileType.SUPPORTING_DOCUMENTATION:
        raise BadInput(
            f"attachment {approval_letter_attachment_id} is a {letter.file_type}: the approval letter is attached "
            f"as {AttachmentFileType.SUPPORTING_DOCUMENTATION}",
            code="approval_letter_wrong_type",
            field="approval_letter_attachment_id",
        )
    _require_open(report)
    extension = Extension(
        kind="regional_board",
        recorded_by=actor.user_id,
        recorded_on=on,
        previous_due=report.due,
        new_due=new_due,
        approval_letter_attachment_id=approval_letter_attachment_id,
    )
    return _moved(report, actor, extension, Action.RECORD_REGIONAL_BOARD_EXTENSION, clock)

"""The completion check SMARTS runs before a report can be sent or certified (SMARTS Level 2 ERA Technical
Report guide, step 9; era-rules "Roles and report workflow")."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from permitclock.domain.reports import TECHNICAL_REPORT, Report, ReportAttachment


class CompletionProblem(BaseModel):
    """One thing to correct before submission, with a stable `code`."""

    model_config = ConfigDict(frozen=True)

    code: str
    message: str
    parameter: str | None = None
    attachment_id: str | None = None


def completion_check(report: Report, attachments: Iterable[ReportAttachment]) -> tuple[CompletionProblem, ...]:
    """Every problem at once; empty when complete.

    A report needs an accepted attachment of its own file type (the Technical Report one of type
    `Level 2 ERA Technical Report`, step 6), a QISP from the registry (steps 7-8; IGP XII.C-D require a QISP
    for every ERA document) and no rejected attachment left unreplaced: a rejection stands until an accepted
    attachment of the same file type is attached after it (the quarantined file itself can never be deleted
    by the uploader; deleted records are ignored). A Technical Report also needs at least one demonstration per
    parameter (step 5).
    """
    attachments = tuple(attachments)
    problems: list[CompletionProblem] = []
    if not any(a.file_type == report.report_type and a.status == "accepted" for a in attachments):
        code = "no_technical_report_attachment" if report.report_type == TECHNICAL_REPORT else "no_report_attachment"
        problems.append(CompletionProblem(code=code, message=f"no accepted attachment of type {report.report_type}"))
    if report.report_type == TECHNICAL_REPORT:
        problems.extend(
            CompletionProblem(
                code="parameter_without_demonstration",
                message=f"{parameter} has no demonstration",
                parameter=parameter,
            )
            for parameter in report.parameters
            if not report.demonstrations.get(parameter)
        )
    if report.qisp is None:
        problems.append(CompletionProblem(code="no_qisp", message="no QISP identified from the registry"))
    for attachment in attachments:
        if attachment.status == "rejected" and not _replaced(attachment, attachments):
            problems.append(
                CompletionProblem(
                    code="rejected_attachment_attached",
                    message=f"attachment {attachment.attachment_id} was rejected: upload a corrected file of its type",
                    attachment_id=attachment.attachment_id,
                )
            )
    return tuple(problems)


def _replaced(rejected: ReportAttachment, attachments: tuple[ReportAttachment, ...]) -> bool:
    """An accepted attachment of the same file type was attached after the rejected one."""
    return rejected.date_attached is not None and any(
        a.status == "accepted"
        and a.file_type == rejected.file_type
        and a.date_attached is not None
        and a.date_attached > rejected.date_attached
        for a in attachments
    )

"""Routes of a facility's ERA reports: the list and detail, and the workflow's commands on one report."""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools.event_handler.api_gateway import Router

from permitclock.observability import logger
from permitclock.services.report_workflow import Command, Committed
from permitclock.workflow import extensions, reports

from .dependencies import ApiDependencies
from .identity import caller
from .models import (
    CertificationBody,
    CompletionResult,
    DemonstrationsBody,
    QispSelection,
    RegionalBoardExtensionBody,
    ReportChanged,
    ReportDetail,
    ReportDetailsBody,
    ReportList,
    UpdateBody,
)

REPORT = "/facilities/<wdid>/reports/<report_id>"


def changed(wdid: str, committed: Committed) -> ReportChanged:
    """The answer to a command, logged (ids, action and statuses: never names or addresses)."""
    change = committed.change
    if not committed.published:
        logger.warning("notices left in the outbox for the relay", notices=len(change.notices))
    logger.info(
        "report changed",
        wdid=wdid,
        report_id=change.report.report_id,
        action=change.history.action,
        to_status=change.history.to_status,
        version=change.report.version,
    )
    return ReportChanged(report=change.report, history=change.history, submission=change.submission)


EXTENSION_RULE = (
    "The one-time automatic six-month extension of a Level 2 ERA Technical Report: its January 1 due date moves to "
    "June 30 of the same reporting year (LRP or DAR, on or before the due date, not after submission). 409 "
    "`extension_not_available` (another report type, or a due date that is not January 1), "
    "`extension_already_used`, `regional_board_extension_recorded` (a Regional Board extension moved the due date), "
    "`extension_request_too_late`, `report_submitted`."
)
BOARD_EXTENSION_RULE = (
    "A further extension the Regional Water Board approved in writing (LRP or DAR): the approval letter is an "
    "accepted `Supporting Documentation` attachment of this report; the new due date is after the current one and "
    "today, and at most five years after today. 400 `new_due_not_later`, `new_due_too_far`, "
    "`attachment_not_found`, `approval_letter_not_accepted`, `approval_letter_wrong_type`; 409 `report_submitted`."
)


def router(dependencies: Callable[[], ApiDependencies]) -> Router:
    routes = Router()

    def run(wdid: str, report_id: str, command: Command) -> ReportChanged:
        return changed(wdid, dependencies().workflow.run(caller(routes), wdid, report_id, command))

    @routes.get("/facilities/<wdid>/reports")
    def list_reports(wdid: str) -> ReportList:
        return ReportList(reports=dependencies().workflow.reports(caller(routes), wdid))

    @routes.get(REPORT)
    def get_report(wdid: str, report_id: str) -> ReportDetail:
        bundle = dependencies().workflow.report(caller(routes), wdid, report_id)
        return ReportDetail(report=bundle.report, history=list(bundle.history), attachments=list(bundle.attachments))

    @routes.post(f"{REPORT}/completion-check")
    def post_completion_check(wdid: str, report_id: str) -> CompletionResult:
        problems = dependencies().workflow.completion(caller(routes), wdid, report_id)
        return CompletionResult(complete=not problems, problems=list(problems))

    @routes.put(f"{REPORT}/demonstrations")
    def put_demonstrations(wdid: str, report_id: str, body: DemonstrationsBody) -> ReportChanged:
        return run(wdid, report_id, lambda r, m, _, clock: reports.set_demonstrations(r, m, body.demonstrations, clock))

    @routes.put(f"{REPORT}/details")
    def put_details(wdid: str, report_id: str, body: ReportDetailsBody) -> ReportChanged:
        details = body.model_dump(include=body.model_fields_set)
        return run(wdid, report_id, lambda r, m, _, clock: reports.set_details(r, m, details, clock))

    @routes.put(f"{REPORT}/qisp")
    def put_qisp(wdid: str, report_id: str, body: QispSelection) -> ReportChanged:
        workflow = dependencies().workflow
        return changed(wdid, workflow.select_qisp(caller(routes), wdid, report_id, body.certificate_number))

    @routes.post(f"{REPORT}/send-to-certifier")
    def post_send_to_certifier(wdid: str, report_id: str) -> ReportChanged:
        return run(wdid, report_id, reports.send_to_certifier)

    @routes.post(f"{REPORT}/certify")
    def post_certify(wdid: str, report_id: str, body: CertificationBody) -> ReportChanged:
        return run(
            wdid,
            report_id,
            lambda r, m, a, clock: reports.certify(
                r, m, a, certification_accepted=body.certification_accepted, certifier_title=body.certifier_title,
                clock=clock,
            ),
        )  # fmt: skip

    @routes.post(f"{REPORT}/updates")
    def post_update(wdid: str, report_id: str, body: UpdateBody) -> ReportChanged:
        return run(
            wdid,
            report_id,
            lambda r, m, a, clock: reports.prepare_update(
                r,
                m,
                a,
                reason=body.reason,
                attachment_id=body.attachment_id,
                clock=clock,
                bmps_implemented=body.bmps_implemented,
            ),
        )

    @routes.post(f"{REPORT}/updates/<update_id>/certify")
    def post_certify_update(wdid: str, report_id: str, update_id: str, body: CertificationBody) -> ReportChanged:
        return run(
            wdid,
            report_id,
            lambda r, m, _, clock: reports.certify_update(
                r, m, update_id, certification_accepted=body.certification_accepted,
                certifier_title=body.certifier_title, clock=clock,
            ),
        )  # fmt: skip

    @routes.post(f"{REPORT}/extension", description=EXTENSION_RULE)
    def post_extension(wdid: str, report_id: str) -> ReportChanged:
        return run(wdid, report_id, lambda r, m, _, clock: extensions.request_extension(r, m, clock))

    @routes.post(f"{REPORT}/regional-board-extension", description=BOARD_EXTENSION_RULE)
    def post_regional_board_extension(wdid: str, report_id: str, body: RegionalBoardExtensionBody) -> ReportChanged:
        return run(
            wdid,
            report_id,
            lambda r, m, a, clock: extensions.record_regional_board_extension(
                r, m, a, approval_letter_attachment_id=body.approval_letter_attachment_id, new_due=body.new_due,
                clock=clock,
            ),
        )  # fmt: skip

    return routes

"""The ERA report state machine: Future -> Not Submitted - certification required -> Submitted, and updates of
a submitted Technical Report (SMARTS Level 2 ERA Technical Report guide, steps 4-15).

Each command checks the role, then the input, then the state, and returns a `ReportChange`; illegal
transitions raise `Conflict` with a specific code. Level 1 ERA Reports and Level 2 ERA Action Plans share the
lifecycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from permitclock.clock import Clock, today
from permitclock.domain.demonstrations import DemonstrationLabel, level_demonstration
from permitclock.domain.members import Member
from permitclock.domain.notices import NoticeRequest, ReportChangedFacts, SentForCertificationFacts
from permitclock.domain.obligations import Obligation
from permitclock.domain.reports import (
    AWAITING_CERTIFICATION,
    SUBMITTED,
    TECHNICAL_REPORT,
    Certification,
    QispRecord,
    Report,
    ReportAttachment,
    ReportHistoryItem,
    ReportStatus,
    ReportUpdate,
)
from permitclock.errors import BadInput, Conflict, NotFound
from permitclock.workflow.completion import completion_check
from permitclock.workflow.roles import Action, require


class ObligationEffect(BaseModel):
    """What a change does to the report's obligations: close them on a date, move their due date, or name the
    report's SMARTS id on them (`facts.smarts_report_id`, so reminders name it)."""

    model_config = ConfigDict(frozen=True)

    obligation_id: str
    kind: Literal["close", "move_due", "name_report"]
    on: date | None = None
    smarts_report_id: str | None = None


class SubmissionFacts(BaseModel):
    """The facts the Level return-to-Baseline rule needs from a certified report (era-rules "Level status"):
    when it was submitted and which demonstrations each parameter carries."""

    model_config = ConfigDict(frozen=True)

    wdid: str
    report_id: str
    report_type: str
    reporting_year: str
    submitted_on: date
    certification_id: str
    demonstrations: dict[str, tuple[DemonstrationLabel, ...]]
    bmps_implemented: date | None = None
    update_id: str | None = None


LevelFacts = dict[str, dict[str, date | str | None]]
"""Per parameter (its Level report name), the return-to-Baseline facts to record on its status item."""


class ReportChange(BaseModel):
    """Everything one command produced: persist `report` (if still at `expected_version`) and `history`
    together, apply `obligation_effects`, then emit `notices`."""

    model_config = ConfigDict(frozen=True)

    report: Report
    expected_version: int
    history: ReportHistoryItem
    obligation_effects: tuple[ObligationEffect, ...] = ()
    notices: tuple[NoticeRequest, ...] = ()
    submission: SubmissionFacts | None = None
    level_facts: LevelFacts = Field(default_factory=dict)


def record_change(
    report: Report,
    actor: Member,
    action: Action,
    clock: Clock,
    *,
    to_status: ReportStatus | None = None,
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
) -> tuple[Report, ReportHistoryItem]:
    """The next version of `report` and the immutable history item that records who changed what, and when."""
    new_status = to_status or report.status
    new = report.model_copy(update={**(changes or {}), "status": new_status, "version": report.version + 1})
    item = ReportHistoryItem(
        wdid=report.wdid,
        report_id=report.report_id,
        seq=new.version,
        at=clock.now(),
        actor_user_id=actor.user_id,
        actor_role=actor.role,
        action=action.value,
        from_status=report.status,
        to_status=new_status,
        reason=reason,
    )
    return new, item


def apply_obligation_effect(obligation: Obligation, effect: ObligationEffect) -> Obligation:
    """The obligation after `effect`: closed on the submission date, or due on the extended date."""
    if effect.kind == "close":
        if obligation.status == "closed":
            return obligation  # closed before (completed, or an earlier certification): its record stays
        return obligation.model_copy(update={"status": "closed", "facts": {**obligation.facts, "closed_on": effect.on}})
    if effect.kind == "name_report":
        facts = {**obligation.facts, "smarts_report_id": effect.smarts_report_id}
        return obligation.model_copy(update={"facts": facts})
    return obligation.model_copy(
        update={"due": effect.on, "facts": {**obligation.facts, "extended_from": obligation.due}}
    )


def _require_editable(report: Report) -> None:
    if report.status == SUBMITTED:
        raise Conflict(
            f"report {report.report_id} is submitted: change it through a Technical Report update",
            code="report_submitted",
        )


def require_in_facility(report: Report, actor: Member) -> None:
    """A member of another facility sees no report of this one (404, never 403: existence is not leaked)."""
    if actor.wdid != report.wdid:
        raise NotFound(f"report {report.report_id} not found")


def set_demonstrations(
    report: Report,
    actor: Member,
    demonstrations: Mapping[str, Iterable[DemonstrationLabel]],
    clock: Clock,
) -> ReportChange:
    """Replace the demonstrations chosen per parameter (SMARTS Level 2 ERA Technical Report guide, step 5).

    Technical Reports only; a parameter the report does not cover is bad input; empty lists clear a parameter.
    """
    require_in_facility(report, actor)
    require(actor, Action.EDIT_DEMONSTRATIONS)
    unknown = sorted(set(demonstrations) - set(report.parameters))
    if unknown:
        raise BadInput(f"the report does not cover {', '.join(unknown)}", code="unknown_parameter")
    if report.report_type != TECHNICAL_REPORT:
        raise Conflict(f"a {report.report_type} has no demonstrations", code="demonstrations_not_applicable")
    _require_editable(report)
    chosen = {p: tuple(dict.fromkeys(d)) for p, d in demonstrations.items()}
    new, item = record_change(
        report,
        actor,
        Action.EDIT_DEMONSTRATIONS,
        clock,
        changes={"demonstrations": {p: d for p, d in chosen.items() if d}},
    )
    return ReportChange(report=new, expected_version=report.version, history=item)


def set_qisp(report: Report, actor: Member, qisp: QispRecord, clock: Clock) -> ReportChange:
    """Name the QISP who prepared the report; `qisp` must be a registry hit (SMARTS guide, steps 7-8)."""
    require_in_facility(report, actor)
    require(actor, Action.SET_QISP)
    _require_editable(report)
    new, item = record_change(report, actor, Action.SET_QISP, clock, changes={"qisp": qisp})
    return ReportChange(report=new, expected_version=report.version, history=item)


REPORT_DETAILS = ("smarts_report_id", "bmps_implemented")


def set_details(report: Report, actor: Member, details: Mapping[str, Any], clock: Clock) -> ReportChange:
    """Set what the preparer states about the report: `smarts_report_id`, the numeric id SMARTS shows for it
    (any time, also after submission: SMARTS numbers a report when it is filed there), and `bmps_implemented`,
    the date the report states its BMPs were implemented (until submitted: afterwards an update states it).
    A detail left out is unchanged; None clears it. Naming the SMARTS id writes it on the report's obligations
    too, so their reminders name it."""
    require_in_facility(report, actor)
    require(actor, Action.EDIT_REPORT_DETAILS)
    if "bmps_implemented" in details and details["bmps_implemented"] != report.bmps_implemented:
        _require_editable(report)
    changes = {k: details[k] for k in REPORT_DETAILS if k in details}
    new, item = record_change(report, actor, Action.EDIT_REPORT_DETAILS, clock, changes=changes)
    effects: tuple[ObligationEffect, ...] = ()
    if "smarts_report_id" in changes and changes["smarts_report_id"] != report.smarts_report_id:
        effects = tuple(
            ObligationEffect(obligation_id=o, kind="name_report", smarts_report_id=changes["smarts_report_id"])
            for o in (*report.obligation_ids, *report.update_obligation_ids)
        )
    return ReportChange(report=new, expected_version=report.version, history=item, obligation_effects=effects)


def report_changed_notice(new: Report, **change: Any) -> NoticeRequest:
    """The one email telling the facility's LRP and DARs that `new`'s due date moved or that it was certified
    (`ReportChangedFacts`). Its id is the report's new version: the change commits once (conditioned on the
    version before), and a redelivered outbox item or queue message sends nothing twice."""
    return NoticeRequest(
        notice_id=f"report_changed:{new.wdid}:{new.report_id}:{new.version}",
        kind="report_changed",
        wdid=new.wdid,
        include_facility_signatories=True,
        facts=ReportChangedFacts(
            report_id=new.report_id, smarts_report_id=new.smarts_report_id, report_type=new.report_type,
            reporting_year=new.reporting_year, due=new.due, **change,
        ),
    )  # fmt: skip


def _require_complete(report: Report, attachments: Iterable[ReportAttachment]) -> None:
    problems = completion_check(report, attachments)
    if problems:
        codes = ", ".join(dict.fromkeys(p.code for p in problems))
        raise Conflict(f"the completion check failed: {codes}", code="completion_check_failed")


def send_to_certifier(
    report: Report, actor: Member, attachments: Iterable[ReportAttachment], clock: Clock
) -> ReportChange:
    """After a passing completion check, mark the report `Not Submitted - certification required` and e-mail
    the LRP and DARs (SMARTS Level 2 ERA Technical Report guide, step 9)."""
    require_in_facility(report, actor)
    require(actor, Action.SEND_TO_CERTIFIER)
    _require_editable(report)
    if report.status == AWAITING_CERTIFICATION:
        raise Conflict(f"report {report.report_id} already awaits certification", code="already_sent_for_certification")
    _require_complete(report, attachments)
    new, item = record_change(report, actor, Action.SEND_TO_CERTIFIER, clock, to_status=AWAITING_CERTIFICATION)
    notice = NoticeRequest(
        notice_id=f"report_sent_for_certification:{report.wdid}:{report.report_id}:{new.version}",
        kind="report_sent_for_certification",
        wdid=report.wdid,
        include_facility_signatories=True,
        facts=SentForCertificationFacts(
            report_id=report.report_id,
            smarts_report_id=report.smarts_report_id,
            report_type=report.report_type,
            reporting_year=report.reporting_year,
            due=report.due,
        ),
    )
    return ReportChange(report=new, expected_version=report.version, history=item, notices=(notice,))


def _certification(actor: Member, title: str, on: date, certification_id: str) -> Certification:
    title = title.strip() or actor.title
    if not title:
        raise BadInput("the certifier's title is required", code="certifier_title_required", field="certifier_title")
    return Certification(
        certifier_user_id=actor.user_id,
        certifier_name=actor.name or actor.user_id,
        certifier_title=title,
        certified_on=on,
        certification_id=certification_id,
    )


def _require_statement(certification_accepted: bool) -> None:
    if not certification_accepted:
        raise BadInput(
            "the certification statement must be accepted",
            code="certification_statement_not_accepted",
            field="certification_accepted",
        )


def certify(
    report: Report,
    actor: Member,
    attachments: Iterable[ReportAttachment],
    *,
    certification_accepted: bool,
    certifier_title: str,
    clock: Clock,
) -> ReportChange:
    """Certify and submit: LRP or DAR with an eAuthorization, statement accepted, completion check passing
    (SMARTS Level 2 ERA Technical Report guide, steps 10-11). Allowed from `Future` too (step 10.b: the LRP or
    DAR opens the report directly). Closes the report's obligations and returns the `SubmissionFacts`."""
    require_in_facility(report, actor)
    require(actor, Action.CERTIFY)
    _require_statement(certification_accepted)
    _require_editable(report)
    _require_complete(report, attachments)
    on = today(clock)
    certification = _certification(actor, certifier_title, on, f"CERT-{report.report_id}-{report.version + 1}")
    new, item = record_change(
        report, actor, Action.CERTIFY, clock, to_status=SUBMITTED, changes={"certification": certification}
    )
    return ReportChange(
        report=new,
        expected_version=report.version,
        history=item,
        obligation_effects=tuple(ObligationEffect(obligation_id=o, kind="close", on=on) for o in report.obligation_ids),
        notices=(_certified_notice(new, certification),),
        submission=_submission(report, on, certification.certification_id),
        level_facts=level_facts(report, on),
    )


def _certified_notice(new: Report, certification: Certification, update_id: str | None = None) -> NoticeRequest:
    return report_changed_notice(
        new, change="certified", certified_on=certification.certified_on, certified_by=certification.certifier_name,
        certification_id=certification.certification_id, update_id=update_id,
    )  # fmt: skip


def prepare_update(
    report: Report,
    actor: Member,
    attachments: Iterable[ReportAttachment],
    *,
    reason: str,
    attachment_id: str,
    clock: Clock,
    bmps_implemented: date | None = None,
) -> ReportChange:
    """Start an update of a submitted Technical Report: a reason and a revised, accepted attachment of type
    `Level 2 ERA Technical Report` (SMARTS Level 2 ERA Technical Report guide, steps 12-14). One open at a
    time."""
    require_in_facility(report, actor)
    require(actor, Action.PREPARE_UPDATE)
    reason = reason.strip()
    if not reason:
        raise BadInput("a reason for the update is required", code="update_reason_required", field="reason")
    attachment = next((a for a in attachments if a.attachment_id == attachment_id), None)
    if attachment is None:
        raise BadInput(f"attachment {attachment_id} is not on this report", code="attachment_not_found")
    if attachment.file_type != TECHNICAL_REPORT or attachment.status != "accepted":
        raise BadInput(
            f"attachment {attachment_id} must be an accepted {TECHNICAL_REPORT}",
            code="update_attachment_not_usable",
        )
    if report.report_type != TECHNICAL_REPORT:
        raise Conflict(f"a {report.report_type} takes no updates", code="updates_only_for_technical_report")
    if report.status != SUBMITTED:
        raise Conflict(f"report {report.report_id} is not submitted yet", code="report_not_submitted")
    if any(u.certification is None for u in report.updates):
        raise Conflict("an update already awaits certification", code="update_in_progress")
    update = ReportUpdate(
        update_id=f"{report.report_id}-U{len(report.updates) + 1}",
        reason=reason,
        attachment_id=attachment_id,
        prepared_by=actor.user_id,
        prepared_on=today(clock),
        bmps_implemented=bmps_implemented,
    )
    new, item = record_change(
        report,
        actor,
        Action.PREPARE_UPDATE,
        clock,
        reason=reason,
        changes={"updates": (*report.updates, update)},
    )
    return ReportChange(report=new, expected_version=report.version, history=item)


def certify_update(
    report: Report,
    actor: Member,
    update_id: str,
    *,
    certification_accepted: bool,
    certifier_title: str,
    clock: Clock,
) -> ReportChange:
    """Certify an update the same way as the report (SMARTS Level 2 ERA Technical Report guide, step 15)."""
    require_in_facility(report, actor)
    require(actor, Action.CERTIFY_UPDATE)
    _require_statement(certification_accepted)
    index = next((i for i, u in enumerate(report.updates) if u.update_id == update_id), None)
    if index is None:
        raise NotFound(f"update {update_id} not found", code="update_not_found")
    update = report.updates[index]
    if update.certification is not None:
        raise Conflict(f"update {update_id} is already certified", code="update_already_certified")
    on = today(clock)
    certification = _certification(actor, certifier_title, on, f"CERT-{update_id}-{report.version + 1}")
    updates = list(report.updates)
    updates[index] = update.model_copy(update={"certification": certification})
    new, item = record_change(
        report, actor, Action.CERTIFY_UPDATE, clock, reason=update.reason, changes={"updates": tuple(updates)}
    )
    revised = report.model_copy(update={"bmps_implemented": update.bmps_implemented or report.bmps_implemented})
    return ReportChange(
        report=new,
        expected_version=report.version,
        history=item,
        obligation_effects=tuple(
            ObligationEffect(obligation_id=o, kind="close", on=on) for o in report.update_obligation_ids
        ),
        notices=(_certified_notice(new, certification, update_id),),
        submission=_submission(revised, on, certification.certification_id, update_id),
        level_facts=level_facts(revised, on, update=True),
    )


def level_facts(report: Report, on: date, *, update: bool = False) -> LevelFacts:
    """What certifying `report` (or, `update`, one of its updates) on `on` records on each parameter's status
    (era-rules "Level status"): a Level 1 ERA Report its submission date; a Technical Report its submission date,
    its id (later updates are due on it) and each parameter's demonstration (`level_demonstration`); an update
    the demonstrations again (its submission date stays the report's); both the BMP implementation date when the
    report states one. An Action Plan records nothing."""
    facts: dict[str, date | str | None] = {}
    if report.report_type == "Level 1 ERA Report":
        facts["level_1_report_submitted"] = on
    elif report.report_type == TECHNICAL_REPORT and not update:
        facts.update(technical_report_submitted=on, technical_report_id=report.report_id)
    elif report.report_type != TECHNICAL_REPORT:
        return {}
    if report.bmps_implemented is not None:
        facts["bmps_implemented"] = report.bmps_implemented
    out: LevelFacts = {}
    for parameter in report.parameters:
        shown = dict(facts)
        demonstration = level_demonstration(report.demonstrations.get(parameter, ()))
        if demonstration and report.report_type == TECHNICAL_REPORT:
            shown["demonstration"] = demonstration
        if shown:
            out[parameter] = dict(shown)
    return out


def _submission(report: Report, on: date, certification_id: str, update_id: str | None = None) -> SubmissionFacts:
    """What the return-to-Baseline rule needs from a certification (era-rules "Return to Baseline")."""
    return SubmissionFacts(
        wdid=report.wdid,
        report_id=report.report_id,
        report_type=report.report_type,
        reporting_year=report.reporting_year,
        submitted_on=on,
        certification_id=certification_id,
        demonstrations=dict(report.demonstrations),
        bmps_implemented=report.bmps_implemented,
        update_id=update_id,
    )

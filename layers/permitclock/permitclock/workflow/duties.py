"""Recording a duty done outside permitclock as done: the Annual Report certified in SMARTS, the QISP's Level 1
ERA Evaluation, a program's duty (issue #12, "Every duty can close"). An obligation that belongs to a report is
closed by certifying that report, never here."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from permitclock.domain.members import Member, Role
from permitclock.domain.obligations import Obligation
from permitclock.errors import BadInput, Conflict
from permitclock.workflow.roles import Action, require


class Completion(BaseModel):
    """Who recorded a duty as done, when, and on what day it was done (item `FAC#{wdid}` /
    `OBLHIST#{obligation id}#{UTC iso time}`, immutable)."""

    model_config = ConfigDict(frozen=True)

    wdid: str
    obligation_id: str
    completed_on: date
    reference: str = ""
    source: str = "api"
    actor_user_id: str
    actor_role: Role | None = None
    at: datetime


def complete(
    obligation: Obligation, actor: Member, *, completed_on: date, reference: str, today: date, at: datetime
) -> tuple[Obligation, Completion]:
    """Close `obligation` as done on `completed_on` (LRP or DAR): 400 `completed_on_in_future` for a day after
    `today`, 409 `obligation_closed` when it is closed already, 409 `closed_by_report` when a report's
    certification closes it."""
    require(actor, Action.COMPLETE_OBLIGATION)
    if completed_on > today:
        raise BadInput(
            f"completed_on {completed_on.isoformat()} is after today ({today.isoformat()})",
            code="completed_on_in_future",
            field="completed_on",
        )
    if obligation.report_id:
        raise Conflict(
            f"{obligation.type} closes when report {obligation.report_id} is certified", code="closed_by_report"
        )
    completion = Completion(
        wdid=obligation.facility_id,
        obligation_id=obligation.obligation_id,
        completed_on=completed_on,
        reference=reference.strip(),
        actor_user_id=actor.user_id,
        actor_role=actor.role,
        at=at,
    )
    return closed_by(obligation, completion), completion


def closed_by(obligation: Obligation, completion: Completion) -> Obligation:
    """The obligation closed by `completion` (409 `obligation_closed` when it is closed already)."""
    if obligation.status == "closed":
        raise Conflict(f"obligation {obligation.obligation_id} is already closed", code="obligation_closed")
    facts = {
        **obligation.facts,
        "closed_on": completion.completed_on.isoformat(),
        "completed_by": completion.actor_user_id,
        "completion_source": completion.source,
        **({"completion_reference": completion.reference} if completion.reference else {}),
    }
    return obligation.model_copy(update={"status": "closed", "facts": facts})

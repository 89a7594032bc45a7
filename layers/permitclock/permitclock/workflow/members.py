"""Assigning facility roles: the LRP decides who acts for the facility (docs/workflow.md)."""

from __future__ import annotations

from collections.abc import Iterable

from permitclock.domain.members import SIGNATORY_ROLES, Member
from permitclock.errors import BadInput, Conflict, NotFound
from permitclock.workflow.roles import Action, require


def assign_member(actor: Member, current: Iterable[Member], assigned: Member) -> Member:
    """Set `assigned`'s role at the actor's facility (LRP only), keeping the person's notice preferences. A
    change that would leave the facility without an LRP is refused: someone must stay able to certify and to
    manage roles (project decision)."""
    if actor.wdid != assigned.wdid:
        raise NotFound("facility not found")
    require(actor, Action.MANAGE_MEMBERS)
    if assigned.eauthorization_on_file and assigned.role not in SIGNATORY_ROLES:
        raise BadInput(
            "only an LRP or DAR signs an eAuthorization",
            code="eauthorization_needs_signatory",
            field="eauthorization_on_file",
        )
    members = list(current)
    remaining_lrps = [m for m in members if m.role == "LRP" and m.user_id != assigned.user_id]
    if assigned.role != "LRP" and not remaining_lrps:
        raise Conflict("the facility must keep a Legally Responsible Person", code="last_lrp")
    held = next((m for m in members if m.user_id == assigned.user_id), None)
    if held is None:
        return assigned
    return assigned.model_copy(update={"digest": held.digest, "cc_opt_in": held.cc_opt_in})

"""Assigning facility roles: the LRP decides who acts for the facility (docs/workflow.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from permitclock.domain.members import SIGNATORY_ROLES, Member
from permitclock.errors import BadInput, Conflict, NotFound
from permitclock.workflow.roles import Action, require


class Preferences(BaseModel):
    """A person's own notice preferences, the same at every facility they belong to: a daily digest instead of
    single reminders; a copy of the facility's notices (taken only where their role is QISP or DEP)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    digest: bool = False
    cc_opt_in: bool = Field(False, description="copies of the facility's notices, as QISP or DEP")

    def as_member_update(self) -> dict[str, bool]:
        return {"digest": self.digest, "cc_opt_in": self.cc_opt_in}


def remove_member(actor: Member, current: Iterable[Member], user_id: str) -> Member:
    """Take `user_id`'s role at the actor's facility away (LRP only); never the last LRP's (the facility must
    keep someone able to certify and to manage roles). Returns the member removed."""
    require(actor, Action.MANAGE_MEMBERS)
    members = list(current)
    removed = next((m for m in members if m.user_id == user_id), None)
    if removed is None:
        raise NotFound(f"member {user_id} not found")
    if removed.role == "LRP" and not [m for m in members if m.role == "LRP" and m.user_id != user_id]:
        raise Conflict("the facility must keep a Legally Responsible Person", code="last_lrp")
    return removed


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


def merged_member(current: Iterable[Member], wdid: str, user_id: str, changes: Mapping[str, Any]) -> Member:
    """The member `PUT .../members/{user_id}` asks for: the fields it sends over the ones held, every other one
    kept (a role change keeps the email, name, title and eAuthorization). A new member needs a role; moving a
    signatory to a role that signs nothing drops an eAuthorization the request left out."""
    held = next((m for m in current if m.user_id == user_id), None)
    if held is None and "role" not in changes:
        raise BadInput(f"{user_id} has no role at {wdid} yet: give one", code="role_required", field="role")
    base: dict[str, Any] = held.model_dump() if held else {}
    merged = {**base, **changes, "wdid": wdid, "user_id": user_id}
    if "eauthorization_on_file" not in changes and merged["role"] not in SIGNATORY_ROLES:
        merged["eauthorization_on_file"] = False
    return Member.model_validate(merged)

from __future__ import annotations

import pytest
from permitclock.errors import BadInput, Conflict, NotAllowed, NotFound
from permitclock.workflow.members import assign_member

from .conftest import member

TEAM = [member("LRP"), member("DAR"), member("DEP")]


def test_the_lrp_assigns_roles() -> None:
    dep = member("DEP")
    promoted = dep.model_copy(update={"role": "DAR", "eauthorization_on_file": True})
    assert assign_member(member("LRP"), TEAM, promoted) == promoted


@pytest.mark.parametrize("role", ["DAR", "DEP", "QISP", "viewer"])
def test_only_the_lrp_manages_members(role: str) -> None:
    with pytest.raises(NotAllowed):
        assign_member(member(role), TEAM, member("viewer"))  # type: ignore[arg-type]


def test_the_facility_keeps_an_lrp() -> None:
    with pytest.raises(Conflict) as err:
        assign_member(
            member("LRP"),
            TEAM,
            member("LRP").model_copy(update={"role": "viewer", "eauthorization_on_file": False}),
        )
    assert err.value.code == "last_lrp"


def test_eauthorization_only_for_signatories_and_no_cross_facility() -> None:
    with pytest.raises(BadInput):
        assign_member(member("LRP"), TEAM, member("DEP", eauth=True))
    with pytest.raises(NotFound):
        assign_member(member("LRP"), TEAM, member("DEP", wdid="OTHER"))


def test_a_reassigned_person_keeps_their_notice_preferences() -> None:
    digest_reader = member("DEP").model_copy(update={"digest": True, "cc_opt_in": True})
    team = [member("LRP"), member("DAR"), digest_reader]
    promoted = member("DEP").model_copy(update={"role": "DAR", "eauthorization_on_file": True})

    assigned = assign_member(member("LRP"), team, promoted)

    assert (assigned.role, assigned.digest, assigned.cc_opt_in) == ("DAR", True, True)
    assert "digest" not in assigned.model_dump()  # never part of the API's answer

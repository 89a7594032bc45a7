from __future__ import annotations

from pathlib import Path

import pytest
from permitclock.domain.members import ROLES
from permitclock.errors import NotAllowed
from permitclock.workflow.roles import (
    NEEDS_EAUTHORIZATION,
    PERMISSIONS,
    Action,
    permission_matrix_markdown,
    require,
)

from .conftest import member

DOCS = Path(__file__).resolve().parents[3] / "docs" / "workflow.md"


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", ROLES)
def test_require_follows_the_matrix(action: Action, role: str) -> None:
    actor = member(role, eauth=True)  # type: ignore[arg-type]
    if role in PERMISSIONS[action]:
        require(actor, action)
    else:
        with pytest.raises(NotAllowed) as err:
            require(actor, action)
        assert err.value.code == "role_not_permitted"


def test_every_action_has_a_row() -> None:
    assert set(PERMISSIONS) == set(Action)


@pytest.mark.parametrize("role", ["LRP", "DAR"])
@pytest.mark.parametrize("action", sorted(NEEDS_EAUTHORIZATION))
def test_certifying_needs_an_eauthorization_for_lrp_and_dar(role: str, action: Action) -> None:
    with pytest.raises(NotAllowed) as err:
        require(member(role, eauth=False), action)  # type: ignore[arg-type]
    assert err.value.code == "eauthorization_required"


def test_only_signatories_certify_or_extend() -> None:
    for action in (Action.CERTIFY, Action.REQUEST_EXTENSION, Action.RECORD_REGIONAL_BOARD_EXTENSION):
        assert PERMISSIONS[action] == {"LRP", "DAR"}
    assert "QISP" not in PERMISSIONS[Action.SEND_TO_CERTIFIER]
    assert PERMISSIONS[Action.COMPLETION_CHECK] == set(ROLES)


def test_docs_render_the_matrix() -> None:
    assert permission_matrix_markdown() in DOCS.read_text()

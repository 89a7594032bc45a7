"""The caller's groups as the JWT claims carry them: Cognito's `cognito:groups`, or `groups`, in every shape
API Gateway's HTTP API authorizer may hand them over."""

from __future__ import annotations

from typing import Any

import pytest
from permitclock.api.identity import groups_of
from permitclock.errors import NotAllowed
from permitclock.services.report_workflow import ADMIN_GROUP, Caller


@pytest.mark.parametrize(
    ("claims", "groups"),
    [
        ({"cognito:groups": "[permitclock-admins consultants]"}, {"permitclock-admins", "consultants"}),
        ({"cognito:groups": '["permitclock-admins", "consultants"]'}, {"permitclock-admins", "consultants"}),
        ({"groups": ["permitclock-admins"]}, {"permitclock-admins"}),
        ({"groups": "consultants, permitclock-admins"}, {"permitclock-admins", "consultants"}),
        ({"cognito:groups": "[a]", "groups": "[b]"}, {"a", "b"}),
        ({"cognito:groups": "[]"}, set()),
        ({"cognito:groups": 7, "groups": None}, set()),
        ({}, set()),
    ],
)
def test_groups_are_read_from_either_claim(claims: dict[str, Any], groups: set[str]) -> None:
    assert groups_of(claims) == groups


def test_only_the_admin_group_administers() -> None:
    Caller("u", groups=frozenset({ADMIN_GROUP})).require_admin()
    for groups in (frozenset(), frozenset({"permitclock-admins-x", "admins"})):
        with pytest.raises(NotAllowed) as refused:
            Caller("u", groups=groups).require_admin()
        assert refused.value.code == "admin_required"

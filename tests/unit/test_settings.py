"""Function settings are validated at cold start: a wrong value fails the start, it never acts as a default."""

from __future__ import annotations

import pytest
from permitclock.settings import LevelWorkerSettings, StackSettings
from pydantic import ValidationError

STACK = {"TABLE_NAME": "state", "DOCUMENTS_BUCKET": "documents", "NOTICES_QUEUE_URL": "https://sqs.example/q"}


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name, value in STACK.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


@pytest.mark.parametrize("value", ["zero", "exclude"])
def test_nd_policy_takes_the_two_documented_values(environment: pytest.MonkeyPatch, value: str) -> None:
    environment.setenv("ND_POLICY", value)
    assert LevelWorkerSettings().nd_policy == value  # type: ignore[call-arg]


@pytest.mark.parametrize("value", ["Exclude", "ZERO", "none", ""])
def test_any_other_nd_policy_fails_the_cold_start(environment: pytest.MonkeyPatch, value: str) -> None:
    environment.setenv("ND_POLICY", value)
    with pytest.raises(ValidationError) as refused:
        LevelWorkerSettings()  # type: ignore[call-arg]
    assert refused.value.errors()[0]["loc"] == ("nd_policy",)


def test_nd_policy_defaults_to_zero(environment: pytest.MonkeyPatch) -> None:
    environment.delenv("ND_POLICY", raising=False)
    assert LevelWorkerSettings().nd_policy == "zero"  # type: ignore[call-arg]


def test_a_missing_stack_setting_fails_the_cold_start(environment: pytest.MonkeyPatch) -> None:
    environment.delenv("NOTICES_QUEUE_URL")
    with pytest.raises(ValidationError, match="notices_queue_url"):
        StackSettings()  # type: ignore[call-arg]

"""Builders for the program rule-pack tests: a 725.243 payload and its obligations by (mechanism, type)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from permitclock.domain.obligations import Obligation
from permitclock.domain.programs import ILClosureFacts
from permitclock.rules import il_725_243
from permitclock.rules.programs import parse_program_facts

AS_OF = date(2024, 12, 31)


def il_payload(*mechanisms: dict[str, Any], estimates: tuple[tuple[str, Any], ...] = (("2024-01-02", 1_000_000),)):
    return {
        "facility": {"id": "ILD000000001"},
        "cost_estimates": [{"date": d, "amount": a} for d, a in estimates],
        "mechanisms": list(mechanisms),
    }


def il_facts(payload: dict[str, Any]) -> ILClosureFacts:
    facts = parse_program_facts("il_725_243", payload)
    assert isinstance(facts, ILClosureFacts)
    return facts


@pytest.fixture
def il_obligations() -> Callable[..., dict[tuple[str, str], Obligation]]:
    """Evaluate a payload; obligations keyed by (mechanism, type) (each test keeps those unique)."""

    def run(payload: dict[str, Any], as_of: date = AS_OF) -> dict[tuple[str, str], Obligation]:
        found = il_725_243.obligations(il_facts(payload), as_of)
        keyed = {(o.subject, o.type): o for o in found}
        assert len(keyed) == len(found), "a test payload should give one obligation per (mechanism, type)"
        return keyed

    return run

"""Fault injection on the API pipeline (tests/faults/scenarios.py; `make faults` prints the table)."""

from __future__ import annotations

import pytest

from tests.faults.scenarios import API, OPEN, Scenario, by_pipeline
from tests.integration.conftest import Stack

pytestmark = pytest.mark.stack


def _param(case: Scenario) -> object:
    reason = OPEN.get((case.pipeline, case.fault))
    return pytest.param(case, marks=[pytest.mark.xfail(strict=True, reason=reason)] if reason else [])


@pytest.mark.parametrize("case", [_param(s) for s in by_pipeline(API)], ids=lambda s: s.fault)
def test_fault(local: Stack, case: Scenario) -> None:
    assert case.run(local)

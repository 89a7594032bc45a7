"""Fault injection on the program recompute (tests/faults/scenarios.py; `make faults` prints the table)."""

from __future__ import annotations

import pytest

from tests.faults.scenarios import RECOMPUTE, Scenario, by_pipeline
from tests.integration.conftest import Stack

pytestmark = pytest.mark.stack


@pytest.mark.parametrize("case", by_pipeline(RECOMPUTE), ids=lambda s: s.fault)
def test_fault(local: Stack, case: Scenario) -> None:
    assert case.run(local)

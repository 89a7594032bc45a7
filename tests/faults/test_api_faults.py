"""Fault injection on the API pipeline (tests/faults/scenarios.py; `make faults` prints the table)."""

from __future__ import annotations

import pytest

from tests.faults.scenarios import API, Scenario, by_pipeline
from tests.integration.conftest import Stack

pytestmark = pytest.mark.stack


@pytest.mark.parametrize("case", by_pipeline(API), ids=lambda s: s.fault)
def test_fault(local: Stack, case: Scenario) -> None:
    assert case.run(local)

"""Every fuzzed property with a small, derandomized budget (the long run is `make fuzz`)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests.fuzz.properties import PROPERTIES, Property

SUPPRESSED = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def run_property(prop: Property, max_examples: int, *, derandomize: bool = True) -> None:
    if prop.needs is not None and not prop.needs.is_dir():
        pytest.skip(f"{prop.needs} is not present")

    @settings(
        max_examples=max_examples,
        derandomize=derandomize,
        deadline=None,
        database=None,
        suppress_health_check=SUPPRESSED,
    )
    @given(prop.strategy)
    def run(value: Any) -> None:
        prop.check(value)

    run()


@pytest.mark.parametrize("name", sorted(PROPERTIES))
def test_property_holds(name: str) -> None:
    prop = PROPERTIES[name]
    run_property(prop, prop.ci_examples)

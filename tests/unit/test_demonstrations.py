"""One Demonstration vocabulary: every SMARTS label maps to one Level-engine code, and none to a return."""

from __future__ import annotations

from typing import get_args

from permitclock.domain.demonstrations import DEMONSTRATION_OF, Demonstration, DemonstrationLabel, demonstrations_of


def test_every_smarts_label_has_exactly_one_code() -> None:
    assert set(DEMONSTRATION_OF) == set(get_args(DemonstrationLabel))
    assert set(DEMONSTRATION_OF.values()) <= set(get_args(Demonstration))


def test_no_label_alone_returns_a_parameter_to_baseline() -> None:
    assert "industrial_activity_eliminates" not in DEMONSTRATION_OF.values()


def test_a_selection_maps_to_its_codes_once_each_in_order() -> None:
    selection: list[DemonstrationLabel] = [
        "Natural Background Pollutant Source Demonstration",
        "Industrial Activity BMP Demonstration (Part 2.a.iii)",
        "Industrial Activity BMP Demonstration (Part 2.a.iv)",
    ]
    assert demonstrations_of(selection) == ("natural_background", "industrial_activity")
    assert demonstrations_of([]) == ()

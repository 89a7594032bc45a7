"""The Level 2 ERA Technical Report demonstrations, in one vocabulary, and the one mapping from SMARTS's labels.

`Demonstration` is what the Level engine reads (IGP XII.D.2; era-rules "Level status"): an Industrial Activity
BMP Demonstration stating the BMPs are expected to eliminate future exceedances (the only way back to Baseline,
with four clean QSEs), one that does not, a Non-Industrial Pollutant Source Demonstration, or a Natural
Background Pollutant Source Demonstration. Status items (`STATUS#{parameter}`) and return-to-Baseline facts
uploads (`monitoring/facts/*.json`) carry these codes.

`DemonstrationLabel` is how SMARTS's Technical Report form names them (SMARTS Level 2 ERA Technical Report
guide, step 5), and what a report's `demonstrations` and `PUT .../demonstrations` carry. `DEMONSTRATION_OF`
maps each label to its code, and is the only place that does.

Which of Part 2.a.iii and Part 2.a.iv is the demonstration "expected to eliminate future exceedances" has not
been verified against the Order's text (igp-facts marks XII.D.2.a unverified). Until it is, both map to
`industrial_activity`: a report label alone never returns a parameter to Baseline (a wrong return would close
its ERA obligations); `industrial_activity_eliminates` is only ever stated explicitly, in a facts upload.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

Demonstration = Literal[
    "industrial_activity_eliminates",
    "industrial_activity",
    "non_industrial",
    "natural_background",
]

DemonstrationLabel = Literal[
    "Industrial Activity BMP Demonstration (Part 2.a.iii)",
    "Industrial Activity BMP Demonstration (Part 2.a.iv)",
    "Non-Industrial Pollutant Source Demonstration",
    "Natural Background Pollutant Source Demonstration",
]

DEMONSTRATION_OF: dict[DemonstrationLabel, Demonstration] = {
    "Industrial Activity BMP Demonstration (Part 2.a.iii)": "industrial_activity",
    "Industrial Activity BMP Demonstration (Part 2.a.iv)": "industrial_activity",
    "Non-Industrial Pollutant Source Demonstration": "non_industrial",
    "Natural Background Pollutant Source Demonstration": "natural_background",
}


def demonstrations_of(labels: Iterable[DemonstrationLabel]) -> tuple[Demonstration, ...]:
    """The codes of a parameter's selected labels, each once, in the order first selected."""
    return tuple(dict.fromkeys(DEMONSTRATION_OF[label] for label in labels))


def level_demonstration(labels: Iterable[DemonstrationLabel]) -> Demonstration | None:
    """The one code a parameter's status records from the labels a certified Technical Report selected: an
    Industrial Activity BMP Demonstration when one was selected (the BMPs address the source), else the first
    selected (Non-Industrial or Natural Background: no further ERA); None without any."""
    codes = demonstrations_of(labels)
    if "industrial_activity" in codes:
        return "industrial_activity"
    return codes[0] if codes else None

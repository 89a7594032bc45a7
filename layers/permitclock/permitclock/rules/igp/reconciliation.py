"""Where SMARTS's Level status and permitclock's disagree, compared only where the SMARTS export speaks.

A "Current Level 1 and Level 2 Pollutant Search" export lists the (WDID, pollutant) pairs above Baseline in the
regions it was run for (`intake.level_export`). So a WDID of a covered region that is absent from it is Baseline
in SMARTS, but a WDID of another region is unknown to it and is not compared (listed in `outside_export`):
counting it as SMARTS Baseline would report every Level outside the region as a disagreement. Levels change only
on July 1 (era-rules "Level status"), so both sides must be read as of the same date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from permitclock.domain.levels import Level


@dataclass(frozen=True, slots=True)
class Disagreement:
    wdid: str
    parameter: str
    smarts_level: Level
    permitclock_level: Level


@dataclass
class Reconciliation:
    disagreements: list[Disagreement] = field(default_factory=list)
    compared_wdids: list[str] = field(default_factory=list)
    outside_export_wdids: list[str] = field(default_factory=list)
    """permitclock WDIDs of a region the export does not cover: not compared."""
    smarts_only_wdids: list[str] = field(default_factory=list)
    """WDIDs in the export that permitclock has no data for."""


def reconcile(
    smarts: Mapping[tuple[str, str], Level],
    covers: Callable[[str], bool],
    ours: Mapping[tuple[str, str], Level],
    our_wdids: Iterable[str],
) -> Reconciliation:
    """Compare every (WDID, parameter) of `our_wdids` the export `covers`; a parameter absent from a side is
    Baseline there (permitclock stores no status for a parameter never above Baseline)."""
    known = set(our_wdids)
    compared = {w for w in known if covers(w)}
    keys = {k for k in smarts if k[0] in compared} | {k for k in ours if k[0] in compared}
    out = Reconciliation(
        compared_wdids=sorted(compared),
        outside_export_wdids=sorted(known - compared),
        smarts_only_wdids=sorted({w for w, _ in smarts} - known),
    )
    for wdid, parameter in sorted(keys):
        theirs = smarts.get((wdid, parameter), "Baseline")
        mine = ours.get((wdid, parameter), "Baseline")
        if theirs != mine:
            out.disagreements.append(Disagreement(wdid, parameter, theirs, mine))
    return out

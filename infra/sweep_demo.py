"""Demo data for `permitclock run sweep`: three facilities, their people and open ERA obligations.

Seeded only when the embedded stack holds no obligations (nothing was loaded with `--monitoring`), so
`permitclock run sweep --on 2026-12-25` has reminders, a digest and calendar feeds to show.
"""

from __future__ import annotations

from typing import Any

from permitclock.adapters.facilities import FacilityDirectory
from permitclock.adapters.obligations import ObligationStore
from permitclock.domain.members import Member
from permitclock.rules.igp.obligations import (
    LEVEL_1_ERA_REPORT,
    LEVEL_2_ERA_ACTION_PLAN,
    LEVEL_2_ERA_TECHNICAL_REPORT,
    annual_report_obligation,
    era_obligation,
)

FACILITIES = [
    ("4 19I000033", "Harbor Plating Works"),
    ("5 33I000001", "Delta Foundry"),
    ("8 30I000777", "Inland Cast Products"),
]


def seed(table: Any) -> dict[str, Any]:
    """Write the demo facilities, members (one digest reader, one QISP in copy) and obligations."""
    directory = FacilityDirectory(table)
    store = ObligationStore(table)
    for n, (wdid, name) in enumerate(FACILITIES):
        directory.put_profile(wdid, name)
        directory.put_member(
            Member(wdid=wdid, user_id=f"lrp-{n}", role="LRP", email=f"lrp{n}@facility{n}.example", name=f"LRP {n}")
        )
        if n < 2:
            directory.put_member(
                Member(wdid=wdid, user_id="consultant", role="DAR", email="consultant@stormwater.example",
                       name="Morgan Consultant", digest=True),
            )  # fmt: skip
    directory.put_member(
        Member(wdid=FACILITIES[0][0], user_id="qisp-1", role="QISP", email="qisp@stormwater.example", cc_opt_in=True)
    )
    obligations = [
        era_obligation(LEVEL_2_ERA_ACTION_PLAN, FACILITIES[0][0], "Zinc, Total", "2025-2026", {"report_id": "4501"}),
        era_obligation(LEVEL_1_ERA_REPORT, FACILITIES[0][0], "Copper, Total", "2024-2025", {}),
        era_obligation(LEVEL_2_ERA_TECHNICAL_REPORT, FACILITIES[1][0], "Iron, Total", "2024-2025", {}),
        era_obligation(LEVEL_1_ERA_REPORT, FACILITIES[2][0], "pH", "2025-2026", {}),
        annual_report_obligation(FACILITIES[2][0], "2025-2026"),
    ]
    opened = sum(store.put_new(ob) for ob in obligations)
    return {"demo_facilities": len(FACILITIES), "demo_obligations": opened}

"""Shared builders for the notices tests."""

from __future__ import annotations

from datetime import date

import pytest
from permitclock.domain.obligations import Obligation

WDID = "4 19I012345"


def make_obligation(
    due: date = date(2027, 1, 1),
    *,
    type: str = "level2_era_technical_report",
    subject: str = "Zinc, Total (Recoverable)",
    facility_id: str = WDID,
    status: str = "open",
    period: str = "2025-2026",
) -> Obligation:
    return Obligation(
        program="igp",
        type=type,
        facility_id=facility_id,
        subject=subject,
        due=due,
        section="IGP XII.D.2",
        status=status,  # type: ignore[arg-type]
        period=period,
    )


@pytest.fixture
def obligation() -> Obligation:
    return make_obligation()

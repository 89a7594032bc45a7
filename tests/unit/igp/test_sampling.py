"""The half-year sampling duties (IGP XI.B.2): progress from the samples, closed at two QSEs."""

from __future__ import annotations

from datetime import date

from igp_helpers import WDID, sample
from permitclock.rules.igp.sampling import QSE_SAMPLING_JANUARY_JUNE, QSE_SAMPLING_JULY_DECEMBER, sampling_obligations


def test_progress_and_closure_per_half_year() -> None:
    samples = [
        sample("pH", "7", date(2025, 10, 1), units="SU", location="DP-1"),
        sample("Zinc, Total", "0.1", date(2025, 10, 1), location="DP-2"),  # same day, other location: one QSE
        sample("pH", "7", date(2025, 11, 5), units="SU", event_type="Non-Qualifying Storm Event"),  # not a QSE
        sample("pH", "7", date(2026, 1, 9), units="SU"),
        sample("pH", "7", date(2026, 2, 9), units="SU"),
    ]
    first, second = sampling_obligations(WDID, "2025-2026", samples)
    assert (first.type, first.due, first.status) == (QSE_SAMPLING_JULY_DECEMBER, date(2025, 12, 31), "open")
    assert first.facts["progress"] == "1 of 2 sampled, the half-year ends December 31"
    assert first.facts["qses"] == [{"date": "2025-10-01", "locations": ["DP-1", "DP-2"]}]
    assert (second.type, second.due, second.status) == (QSE_SAMPLING_JANUARY_JUNE, date(2026, 6, 30), "closed")
    assert second.facts["progress"] == "2 of 2 sampled, the half-year ends June 30"
    assert first.obligation_id == f"igp:{WDID}:facility:{QSE_SAMPLING_JULY_DECEMBER}:2025-2026 July-December"


def test_nothing_sampled_is_two_open_duties() -> None:
    duties = sampling_obligations(WDID, "2025-2026", [])
    assert [d.status for d in duties] == ["open", "open"] and [d.facts["sampled"] for d in duties] == [0, 0]

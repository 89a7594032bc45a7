"""Daily digests: grouping by urgency, one per person per day, only on days with news."""

from __future__ import annotations

from datetime import date

from permitclock.domain.members import Member
from permitclock.domain.notices import DigestEntry
from permitclock.notices.digest import build_digests, digest_entry, group_entries, urgency

from .conftest import make_obligation

TODAY = date(2026, 12, 25)


def entry(
    due: date,
    *,
    wdid: str = "4 19I000001",
    name: str = "Alpha Yard",
    subject: str = "TSS",
    step_id: str | None = None,
) -> DigestEntry:
    return digest_entry(make_obligation(due, facility_id=wdid, subject=subject), facility_name=name, step_id=step_id)


def test_urgency_boundaries() -> None:
    assert urgency(date(2026, 12, 24), TODAY) == "overdue"
    assert urgency(TODAY, TODAY) == "due within 7 days"
    assert urgency(date(2027, 1, 1), TODAY) == "due within 7 days"
    assert urgency(date(2027, 1, 2), TODAY) == "later"


def test_groups_in_urgency_order_sorted_by_due_and_deduplicated() -> None:
    late = entry(date(2026, 12, 1), subject="Zinc")
    soon_b = entry(date(2027, 1, 1), wdid="4 19I000002", name="Beta Works", subject="Copper")
    soon_a = entry(date(2026, 12, 28), subject="Iron")
    later = entry(date(2027, 2, 1), subject="TSS")
    groups = group_entries([later, soon_b, late, soon_a, soon_a], TODAY)
    assert [g.urgency for g in groups] == ["overdue", "due within 7 days", "later"]
    assert [e.parameter for e in groups[1].entries] == ["Iron", "Copper"]
    assert sum(len(g.entries) for g in groups) == 4


def test_empty_groups_are_left_out() -> None:
    groups = group_entries([entry(date(2027, 3, 1))], TODAY)
    assert [g.urgency for g in groups] == ["later"]


def test_one_digest_per_person_across_facilities_only_when_something_fires() -> None:
    ann_a = Member(wdid="4 19I000033", user_id="ann", email="ann@example.com", role="LRP", digest=True)
    ann_b = Member(wdid="4 19I000033", user_id="ann", email="ann@example.com", role="DAR", digest=True)
    bob = Member(wdid="4 19I000033", user_id="bob", email="bob@example.com", role="LRP", digest=True)
    cy = Member(wdid="4 19I000033", user_id="cy", email="cy@example.com", role="LRP", digest=False)
    items = [
        (ann_a, entry(date(2027, 1, 1), step_id="before-7")),
        (ann_b, entry(date(2027, 2, 1), wdid="4 19I000002", name="Beta Works")),
        (bob, entry(date(2027, 2, 1), wdid="4 19I000002", name="Beta Works")),
        (cy, entry(date(2027, 1, 1), step_id="before-7")),
    ]
    digests = build_digests(items, TODAY)
    assert [d.user_id for d in digests] == ["ann"]
    assert digests[0].count == 2
    assert digests[0].notice_id == "digest:ann:2026-12-25"
    assert [d.user_id for d in build_digests(items, TODAY, only_with_news=False)] == ["ann", "bob"]

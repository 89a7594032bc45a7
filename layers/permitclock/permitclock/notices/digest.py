"""Daily digests: one email per person per day listing their open items across facilities, grouped by urgency.

A digest goes out on a day only if at least one of the person's items has a reminder step that day (so a quiet
day sends nothing); it then lists every open item given, each group sorted by due date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from pydantic import BaseModel

from permitclock.domain.members import Member
from permitclock.domain.notices import URGENCIES, DigestEntry, DigestGroup, Urgency
from permitclock.domain.obligations import Obligation
from permitclock.notices.guide import guide_for
from permitclock.notices.schedule import digest_notice_id

SOON_DAYS = 7


def urgency(due: date, today: date) -> Urgency:
    """`overdue` after the due date, `due within 7 days` from the due date back to 7 days before, else
    `later`."""
    left = (due - today).days
    if left < 0:
        return "overdue"
    return "due within 7 days" if left <= SOON_DAYS else "later"


def digest_entry(
    obligation: Obligation, *, facility_name: str, step_id: str | None, report_id: str | None = None
) -> DigestEntry:
    """One open obligation as a digest lists it (labelled as the guide names its type)."""
    due = obligation.due or obligation.window_end
    if due is None:
        raise ValueError("a digest entry needs a dated obligation")
    return DigestEntry(
        obligation_id=obligation.obligation_id,
        wdid=obligation.facility_id,
        facility_name=facility_name,
        obligation_type=obligation.type,
        label=guide_for(obligation.type).label,
        parameter=obligation.subject,
        due=due,
        step_id=step_id,
        report_id=report_id,
    )


class Digest(BaseModel):
    """One person's digest for one day."""

    user_id: str
    email: str
    name: str | None = None
    day: date
    groups: list[DigestGroup]

    @property
    def notice_id(self) -> str:
        return digest_notice_id(self.user_id, self.day)

    @property
    def count(self) -> int:
        return sum(len(g.entries) for g in self.groups)


def group_entries(entries: Iterable[DigestEntry], today: date) -> list[DigestGroup]:
    """Entries grouped overdue / due within 7 days / later (empty groups left out), one per obligation,
    each group sorted by due date, facility name and obligation id."""
    unique: dict[str, DigestEntry] = {}
    for e in entries:
        held = unique.get(e.obligation_id)
        if held is None or (held.step_id is None and e.step_id is not None):
            unique[e.obligation_id] = e
    buckets: dict[Urgency, list[DigestEntry]] = {u: [] for u in URGENCIES}
    for e in unique.values():
        buckets[urgency(e.due, today)].append(e)
    return [
        DigestGroup(urgency=u, entries=sorted(buckets[u], key=lambda e: (e.due, e.facility_name, e.obligation_id)))
        for u in URGENCIES
        if buckets[u]
    ]


def build_digests(
    items: Iterable[tuple[Member, DigestEntry]], today: date, *, only_with_news: bool = True
) -> list[Digest]:
    """The digests to send today, one per person who chose a digest (`Member.digest`), ordered by user id.

    `items` pairs each member (one per facility membership) with an open obligation of that facility. With
    `only_with_news`, a person none of whose items has a step today gets no digest.
    """
    people: dict[str, Member] = {}
    entries: dict[str, list[DigestEntry]] = {}
    for member, entry in items:
        if not member.digest:
            continue
        people.setdefault(member.user_id, member)
        entries.setdefault(member.user_id, []).append(entry)
    out: list[Digest] = []
    for user_id in sorted(entries):
        mine = entries[user_id]
        if only_with_news and not any(e.step_id for e in mine):
            continue
        m = people[user_id]
        out.append(
            Digest(user_id=user_id, email=m.email, name=m.name or None, day=today, groups=group_entries(mine, today))
        )
    return out

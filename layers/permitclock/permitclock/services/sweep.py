"""The daily deadline sweep: reminders and digests through the notices queue, window events, calendar feeds.

For `today` (America/Los_Angeles) the sweep reads the sparse due-date index up to `today + horizon` (overdue
open obligations included): one query per shard, never a scan, so its cost follows what is due, not the
number of facilities. Facility profiles (reminder policy, name) and members are read once per facility that
has something in range, and cached for the run.

Per obligation, `reminder_to_send(due, today, facility policy)` decides the step. The facility's LRP and DARs
(and opted-in QISPs and DEPs, in copy) who chose single emails get one `deadline_reminder` request listing
them explicitly (`include_facility_signatories=False`, so a digest reader is never added back by the
notifier). People who chose a digest get one `daily_digest` per day across their facilities, on a day when one
of their items has news. Exactly once is the notifier's: it claims (notice id, recipient) before sending, and
the notice ids are stable (`reminder:{obligation}:{due}:{step}`, `digest:{user}:{day}`), so rerunning a day
(or the catch-up window repeating a step) sends nothing new. A closed obligation is never reminded: the sweep
leaves out any the due index still lists, and the notifier reads each one again before it sends
(`services.notifier`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from permitclock.domain.members import Member
from permitclock.domain.notices import (
    DigestEntry,
    DigestFacts,
    DigestGroup,
    DigestOutlook,
    NoticeRequest,
    Recipient,
    ReminderFacts,
)
from permitclock.domain.obligations import Obligation
from permitclock.errors import BAD_DATA, BadInput
from permitclock.notices.digest import build_digests, digest_entry
from permitclock.notices.guide import automatic_extension_open
from permitclock.notices.policy import DEFAULT_POLICY, ReminderPolicy, policy_for_facility
from permitclock.notices.recipients import as_recipient, notice_recipients, split_for_digest
from permitclock.notices.schedule import ReminderDecision, digest_notice_id, reminder_notice_id, reminder_to_send
from permitclock.observability import logger
from permitclock.services.calendars import CalendarFeeds, FacilityCache, FeedResult
from permitclock.services.outlook import FacilityOutlooks
from permitclock.services.ports import Claims, Facilities, NoticePublisher, Obligations


class SweepRequest(BaseModel):
    """The schedule's input (`{"job": "sweep"}`), a local run's `on` and `dry_run`, or a calendars job."""

    job: Literal["sweep", "calendars"] = "sweep"
    on: date | None = None
    dry_run: bool = False
    wdids: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class WindowEvent:
    """A window that opens or closes today (reported and logged; the reminders carry the deadlines)."""

    wdid: str
    obligation_id: str
    obligation_type: str
    event: Literal["opens", "closes"]
    window: str
    on: date

    def as_dict(self) -> dict[str, str]:
        return {
            "wdid": self.wdid,
            "obligation_id": self.obligation_id,
            "obligation_type": self.obligation_type,
            "event": self.event,
            "window": self.window,
            "on": self.on.isoformat(),
        }


@dataclass
class SweepReport:
    """What one sweep did (counts and ids only: no addresses)."""

    day: date
    due_through: date
    dry_run: bool = False
    obligations: int = 0
    overdue: int = 0
    facilities: int = 0
    reminders: int = 0
    reminder_recipients: int = 0
    digests: int = 0
    without_recipients: int = 0
    bad_policies: list[str] = field(default_factory=list)
    windows: list[WindowEvent] = field(default_factory=list)
    feeds_written: int = 0
    feeds_unchanged: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    """Items whose data the sweep could not use ({wdid, obligation_id or feed, error}); the rest was swept."""
    notices: list[NoticeRequest] = field(default_factory=list)

    def fail(self, error: Exception, **ids: str) -> None:
        """Record one item left out for its bad data (logged by its ids and the error's type)."""
        record = {**ids, "error": type(error).__name__}
        self.failed.append(record)
        logger.error("sweep item left out", extra=record)

    def summary(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "due_through": self.due_through.isoformat(),
            "dry_run": self.dry_run,
            "obligations": self.obligations,
            "overdue": self.overdue,
            "facilities": self.facilities,
            "reminders": self.reminders,
            "reminder_recipients": self.reminder_recipients,
            "digests": self.digests,
            "without_recipients": self.without_recipients,
            "bad_policies": self.bad_policies,
            "windows": [w.as_dict() for w in self.windows],
            "feeds_written": self.feeds_written,
            "feeds_unchanged": self.feeds_unchanged,
            "failed": self.failed,
        }


def window_events(obligation: Obligation, today: date) -> list[WindowEvent]:
    """Windows opening or closing on `today`: a rule's own window (`window_start`/`window_end`), and the
    one-time automatic extension of a Level 2 ERA Technical Report, which can be requested up to its due date
    (IGP XII.D.2, Fact Sheet [FS150])."""
    out: list[WindowEvent] = []

    def event(kind: Literal["opens", "closes"], window: str) -> WindowEvent:
        return WindowEvent(obligation.facility_id, obligation.obligation_id, obligation.type, kind, window, today)

    if obligation.window_start == today:
        out.append(event("opens", "window"))
    if obligation.window_end == today:
        out.append(event("closes", "window"))
    if obligation.due == today and automatic_extension_open(obligation.type, today, today, obligation.facts):
        out.append(event("closes", "automatic extension request"))
    return out


class DeadlineSweep:
    """The use case behind the deadline sweep function and `permitclock run sweep`."""

    def __init__(
        self,
        obligations: Obligations,
        directory: Facilities,
        claims: Claims,
        publisher: NoticePublisher,
        calendars: CalendarFeeds | None = None,
        *,
        default_policy: ReminderPolicy = DEFAULT_POLICY,
        horizon_days: int | None = None,
        outlooks: FacilityOutlooks | None = None,
    ) -> None:
        self._obligations = obligations
        self._directory = directory
        self._claims = claims
        self._publisher = publisher
        self._calendars = calendars
        self._default = default_policy
        self._horizon = max(default_policy.horizon_days, horizon_days or 0)
        self._outlooks = outlooks

    def run(self, today: date, *, dry_run: bool = False, calendars: bool = True) -> SweepReport:
        """Sweep one day. `dry_run` builds the notices (kept in the report) but queues and writes nothing."""
        last = today + timedelta(days=self._horizon)
        report = SweepReport(day=today, due_through=last, dry_run=dry_run)
        cache = FacilityCache(self._directory, self._obligations)  # fresh per run: a warm Lambda must not reuse it

        by_facility: dict[str, list[tuple[Obligation, int]]] = defaultdict(list)
        for obligation, sequence in self._obligations.due_through(last):
            if obligation.status == "closed":  # the due index is eventually consistent: a closed one may linger
                continue
            by_facility[obligation.facility_id].append((obligation, sequence))
            report.obligations += 1
        report.facilities = len(by_facility)

        digest_items: list[tuple[Member, DigestEntry, ReminderDecision | None]] = []
        for wdid in sorted(by_facility):
            try:  # one facility's bad profile or members: recorded, the other facilities swept
                policy = self._policy(wdid, cache, report)
                single, digest = split_for_digest(notice_recipients(cache.members(wdid)))
                name = cache.name(wdid)
            except BAD_DATA as err:
                report.fail(err, wdid=wdid)
                continue
            for obligation, sequence in by_facility[wdid]:
                try:  # what the obligation's data decides, built before anything counts or is queued
                    windows = window_events(obligation, today)
                    due = obligation.due or obligation.window_end
                    decision = reminder_to_send(due, today, policy) if due else None
                    entries = [
                        (a.member, digest_entry(obligation, facility_name=name, step_id=None,
                                                report_id=obligation.report_id))
                        for a in (digest if due else [])
                    ]  # fmt: skip
                    notice = (
                        self._reminder(obligation, sequence, due, today, decision, name, single_to(single))
                        if due and decision and single
                        else None
                    )
                except BAD_DATA as err:  # one bad obligation (a date past 9999, ...): recorded, the sweep goes on
                    report.fail(err, wdid=wdid, obligation_id=obligation.obligation_id)
                    continue
                report.windows += windows
                if due is None:
                    continue
                if due < today:
                    report.overdue += 1
                digest_items.extend((member, entry, decision) for member, entry in entries)
                if decision is None:
                    continue
                if not single and not digest:
                    report.without_recipients += 1
                if notice is not None:
                    self._emit(notice, report, dry_run)
                    report.reminders += 1
                    report.reminder_recipients += len(notice.recipients)

        for notice in self._digests(digest_items, today):
            self._emit(notice, report, dry_run)
            report.digests += 1

        for w in report.windows:
            logger.info("window", extra=w.as_dict())
        if calendars and self._calendars is not None and not dry_run:
            feeds = self._calendars.refresh(by_facility, cache)
            report.feeds_written, report.feeds_unchanged = len(feeds.written), feeds.unchanged
            for key, error in feeds.failed.items():
                report.fail(error, feed=key)
        return report

    def refresh_calendars(self, wdids: Iterable[str]) -> FeedResult:
        """Rewrite these facilities' calendar feeds (and their members') now, outside a sweep."""
        if self._calendars is None:
            raise RuntimeError("this sweep has no calendar feeds")
        return self._calendars.refresh(wdids, FacilityCache(self._directory, self._obligations))

    def _policy(self, wdid: str, cache: FacilityCache, report: SweepReport) -> ReminderPolicy:
        overrides = (cache.profile(wdid) or {}).get("reminder_policy")
        try:
            return policy_for_facility(overrides, self._default)
        except BadInput:
            # A broken override must not silence the facility's reminders: the default applies, and it is reported.
            report.bad_policies.append(wdid)
            return self._default

    def _reminder(
        self,
        obligation: Obligation,
        sequence: int,
        due: date,
        today: date,
        decision: ReminderDecision,
        facility_name: str,
        recipients: list[Recipient],
    ) -> NoticeRequest:
        facts = ReminderFacts.from_obligation(
            obligation,
            facility_name=facility_name,
            today=today,
            step_id=decision.step_id,
            report_id=obligation.report_id,
            ics_sequence=sequence,
        )
        return NoticeRequest(
            notice_id=reminder_notice_id(obligation.obligation_id, due, decision.step_id),
            kind="deadline_reminder",
            wdid=obligation.facility_id,
            recipients=recipients,
            include_facility_signatories=False,
            facts=facts,
        )

    def _digests(
        self, items: list[tuple[Member, DigestEntry, ReminderDecision | None]], today: date
    ) -> list[NoticeRequest]:
        """One digest per person with news today. A step is news on its own day; a step the catch-up window
        repeats is news only if no digest went to that person since the step's day (their earlier digest
        claims are read), so a quiet week after a step does not send the same digest every day."""
        told: dict[tuple[str, date], bool] = {}

        def already_told(member: Member, since: date) -> bool:
            key = (member.user_id, since)
            if key not in told:
                day, found = since, False
                while day < today and not found:
                    found = self._claims.status(digest_notice_id(member.user_id, day), member.email) is not None
                    day += timedelta(days=1)
                told[key] = found
            return told[key]

        pairs: list[tuple[Member, DigestEntry]] = []
        for member, entry, decision in items:
            news = decision is not None and (decision.days_late == 0 or not already_told(member, decision.fires_on))
            if news and decision is not None:
                entry = entry.model_copy(update={"step_id": decision.step_id})
            pairs.append((member, entry))
        notices = []
        outlooks: dict[str, list[DigestOutlook]] = {}
        for digest in build_digests(pairs, today):
            first = digest.groups[0].entries[0]
            member = next(m for m, _ in pairs if m.user_id == digest.user_id)
            notices.append(
                NoticeRequest(
                    notice_id=digest.notice_id,
                    kind="daily_digest",
                    wdid=first.wdid,
                    recipients=[Recipient(email=digest.email, user_id=digest.user_id, role=member.role)],
                    include_facility_signatories=False,
                    facts=DigestFacts(
                        day=today,
                        recipient_name=digest.name,
                        groups=digest.groups,
                        outlooks=self._digest_outlooks(digest.groups, today, outlooks),
                    ),
                )
            )
        return notices

    def _digest_outlooks(
        self, groups: list[DigestGroup], today: date, cache: dict[str, list[DigestOutlook]]
    ) -> list[DigestOutlook]:
        """The in-year outlook of the digest's facilities, the parameters not on track (one read per facility
        per run)."""
        if self._outlooks is None:
            return []
        names = {e.wdid: e.facility_name for g in groups for e in g.entries}
        out: list[DigestOutlook] = []
        for wdid in sorted(names):
            if wdid not in cache:
                cache[wdid] = [
                    DigestOutlook(
                        wdid=wdid, facility_name=names[wdid], parameter=o.parameter, reporting_year=o.reporting_year,
                        state=o.state, reason=o.reason, max_remaining_average=o.max_remaining_average,
                    )
                    for o in self._outlooks.facility(wdid, today).parameters
                    if o.state != "on_track"
                ]  # fmt: skip
            out.extend(cache[wdid])
        return out

    def _emit(self, notice: NoticeRequest, report: SweepReport, dry_run: bool) -> None:
        report.notices.append(notice)
        if not dry_run:
            self._publisher.publish(notice)


def single_to(addressees: list[Any]) -> list[Recipient]:
    return [as_recipient(a) for a in addressees]

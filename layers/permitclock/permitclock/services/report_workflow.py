"""The report workflow behind the HTTP API: every read scoped to the caller's facilities, every command as one
use case: load the report, decide (`permitclock.workflow`), commit (one transaction, its notices in the
outbox), publish the notices.

The caller is who the identity provider says (`Caller`, from the JWT); their membership of the facility is
looked up per request, and another facility's ids give `NotFound`, never `NotAllowed`, so existence never
leaks. Requests and decisions are in docs/workflow.md; the store's request plan in docs/data-model.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from permitclock.clock import Clock, today
from permitclock.domain.members import Member
from permitclock.domain.notices import NoticeRequest, calendar_update
from permitclock.domain.obligations import Obligation
from permitclock.domain.reports import QispRecord, Report, ReportAttachment, ReportBundle
from permitclock.errors import BadInput, NotAllowed, NotFound
from permitclock.services.notice_relay import publish_committed
from permitclock.services.ports import NoticePublisher
from permitclock.workflow import reports
from permitclock.workflow.completion import CompletionProblem, completion_check
from permitclock.workflow.duties import Completion, complete
from permitclock.workflow.members import Preferences, assign_member, merged_member, remove_member
from permitclock.workflow.qisp import QispQuery
from permitclock.workflow.reports import ReportChange
from permitclock.workflow.roles import Action, require

Command = Callable[[Report, Member, tuple[ReportAttachment, ...], Clock], ReportChange]
"""A workflow decision on one loaded report by one member at the clock's time (`workflow.reports`,
`workflow.extensions`)."""


class ReportStore(Protocol):
    """Facility-scoped persistence of members, reports and obligations, and the QISP registry
    (`adapters.reports.DynamoDbReportStore`). Each list or detail call is one request on the facility's
    partition `FAC#{wdid}`; each commit one `TransactWriteItems`."""

    def memberships(self, user_id: str) -> list[Member]:
        """A user's roles in every facility, by WDID."""
        ...

    def get_member(self, wdid: str, user_id: str) -> Member | None: ...

    def list_members(self, wdid: str) -> list[Member]: ...

    def put_member(self, member: Member) -> None: ...

    def delete_member(self, wdid: str, user_id: str) -> None: ...

    def create_facility(self, wdid: str, name: str, attributes: dict[str, Any], lrp: Member) -> None:
        """The profile (`FAC#{wdid}` / `PROFILE`, in the planner's facility index) and its LRP, in one
        transaction; `Conflict("facility_exists")` when the profile exists."""
        ...

    def list_reports(self, wdid: str) -> list[Report]:
        """The facility's reports by id (an index of report items only: no history or attachment read)."""
        ...

    def get_report(self, wdid: str, report_id: str) -> ReportBundle | None:
        """The report, its history (oldest first) and its attachments in one read; None without the report."""
        ...

    def list_obligations(self, wdid: str) -> list[Obligation]: ...

    def get_obligation(self, wdid: str, obligation_id: str) -> tuple[Obligation, int] | None:
        """The obligation and its calendar SEQUENCE."""
        ...

    def complete_obligation(
        self,
        obligation: Obligation,
        *,
        ics_sequence: int,
        completion: Completion,
        notices: Sequence[NoticeRequest] = (),
    ) -> None:
        """The closed obligation (if still open at `ics_sequence`; its SEQUENCE one more), its completion record
        and `notices` as outbox items, in one transaction (`Conflict` `obligation_closed` or `concurrent_update`
        otherwise)."""
        ...

    def commit(self, change: ReportChange) -> None:
        """The report if still at `change.expected_version`, its history item (write once), each affected
        obligation (a moved due date bumps its calendar SEQUENCE) and each notice as an outbox item, in one
        transaction; any failed condition is `Conflict(code="concurrent_update")`."""
        ...

    def notices_published(self, notices: Sequence[NoticeRequest]) -> None:
        """Clear the outbox items of notices that reached the notices queue."""
        ...

    def get_qisp(self, certificate_number: str) -> QispRecord | None: ...

    def search_qisps(self, query: QispQuery) -> list[QispRecord]:
        """One request chosen by the most selective criterion; the other criteria filter its hits."""
        ...


ADMIN_GROUP = "permitclock-admins"
"""The identity provider's group whose members administer permitclock (create facilities)."""


@dataclass(frozen=True)
class Caller:
    """Who the request is from: the identity provider's subject, the name it gives (shown in history) and the
    groups it puts the caller in (`cognito:groups` or `groups`)."""

    user_id: str
    name: str | None = None
    groups: frozenset[str] = frozenset()

    @property
    def is_admin(self) -> bool:
        return ADMIN_GROUP in self.groups

    def require_admin(self) -> None:
        """`NotAllowed` unless the caller is in `ADMIN_GROUP`."""
        if not self.is_admin:
            raise NotAllowed(f"only a member of the {ADMIN_GROUP} group may do this", code="admin_required")


@dataclass(frozen=True)
class Committed:
    """A committed change, and whether its notices reached the queue (else the relay sends them)."""

    change: ReportChange
    published: bool


class ReportWorkflow:
    """The use cases behind the report, member and QISP routes."""

    def __init__(self, store: ReportStore, publisher: NoticePublisher, clock: Clock) -> None:
        self._store = store
        self._publisher = publisher
        self.clock = clock

    # ------------------------------------------------------------------ who
    def facilities(self, caller: Caller) -> list[Member]:
        return self._store.memberships(caller.user_id)

    def member(self, caller: Caller, wdid: str, action: Action | None = None) -> Member:
        """The caller's membership of `wdid`, named as the identity provider names them (`NotFound` if none),
        allowed `action` (`NotAllowed` otherwise)."""
        member = self._store.get_member(wdid, caller.user_id)
        if member is None:
            raise NotFound(f"facility {wdid} not found")
        if caller.name:
            member = member.model_copy(update={"name": caller.name})
        if action is not None:
            require(member, action)
        return member

    def assign(self, caller: Caller, wdid: str, user_id: str, changes: Mapping[str, Any]) -> Member:
        """Set `user_id`'s role and details at the facility from the fields `changes` sends, the others kept
        (`merged_member`; the LRP decides; the facility keeps an LRP)."""
        actor = self.member(caller, wdid, Action.MANAGE_MEMBERS)
        current = self._store.list_members(wdid)
        member = assign_member(actor, current, merged_member(current, wdid, user_id, changes))
        self._store.put_member(member)
        return member

    def members(self, caller: Caller, wdid: str) -> list[Member]:
        """Everyone with a role at the facility (the LRP manages them)."""
        require(self.member(caller, wdid), Action.MANAGE_MEMBERS)
        return self._store.list_members(wdid)

    def remove(self, caller: Caller, wdid: str, user_id: str) -> Member:
        """Take away `user_id`'s role (the LRP decides; the facility keeps an LRP)."""
        actor = self.member(caller, wdid)
        removed = remove_member(actor, self._store.list_members(wdid), user_id)
        self._store.delete_member(wdid, user_id)
        return removed

    def preferences(self, caller: Caller) -> Preferences:
        """The caller's notice preferences (kept on each of their member items; defaults without any)."""
        held = self._store.memberships(caller.user_id)
        return Preferences(digest=any(m.digest for m in held), cc_opt_in=any(m.cc_opt_in for m in held))

    def set_preferences(self, caller: Caller, preferences: Preferences) -> Preferences:
        """Set the caller's preferences at every facility they belong to (one write each)."""
        for held in self._store.memberships(caller.user_id):
            current = self._store.get_member(held.wdid, caller.user_id) or held
            self._store.put_member(current.model_copy(update=preferences.as_member_update()))
        return preferences

    def create_facility(self, caller: Caller, wdid: str, name: str, attributes: dict[str, Any], lrp: Member) -> None:
        """A new facility and its LRP, by an administrator (`ADMIN_GROUP`): from then on the July 1 run
        evaluates it, and its LRP manages its members."""
        caller.require_admin()
        if lrp.role != "LRP" or lrp.wdid != wdid:
            raise BadInput("the facility's first member is its LRP", field="lrp")
        self._store.create_facility(wdid, name, attributes, lrp)

    # ------------------------------------------------------------------ reads
    def reports(self, caller: Caller, wdid: str) -> list[Report]:
        self.member(caller, wdid, Action.VIEW)
        return self._store.list_reports(wdid)

    def obligations(self, caller: Caller, wdid: str) -> list[Obligation]:
        self.member(caller, wdid, Action.VIEW)
        return self._store.list_obligations(wdid)

    def report(self, caller: Caller, wdid: str, report_id: str) -> ReportBundle:
        self.member(caller, wdid, Action.VIEW)
        return self._load(wdid, report_id)

    def completion(self, caller: Caller, wdid: str, report_id: str) -> tuple[CompletionProblem, ...]:
        self.member(caller, wdid, Action.COMPLETION_CHECK)
        bundle = self._load(wdid, report_id)
        return completion_check(bundle.report, bundle.attachments)

    def complete_obligation(
        self, caller: Caller, wdid: str, obligation_id: str, *, completed_on: date, reference: str = ""
    ) -> Obligation:
        """Record a duty done outside permitclock as done (`workflow.duties.complete`; LRP or DAR)."""
        actor = self.member(caller, wdid, Action.COMPLETE_OBLIGATION)
        found = self._store.get_obligation(wdid, obligation_id)
        if found is None:
            raise NotFound(f"obligation {obligation_id} not found")
        obligation, sequence = found
        closed, completion = complete(
            obligation, actor, completed_on=completed_on, reference=reference, today=today(self.clock),
            at=self.clock.now(),
        )  # fmt: skip
        feeds = calendar_update(wdid, "completion", [obligation_id], completion.at)
        self._store.complete_obligation(closed, ics_sequence=sequence, completion=completion, notices=[feeds])
        self._publish([feeds])
        return closed

    def search_qisps(self, query: QispQuery) -> list[QispRecord]:
        query.criteria()  # BadInput without any criterion
        return self._store.search_qisps(query)

    # ------------------------------------------------------------------ commands
    def run(self, caller: Caller, wdid: str, report_id: str, command: Command) -> Committed:
        """Load, decide, commit, publish. The notices are in the outbox from the commit on: a failed publish
        is not the caller's error (the change is made), the relay sends them (`services.notice_relay`)."""
        member = self.member(caller, wdid)
        bundle = self._load(wdid, report_id)
        change = with_calendar_update(command(bundle.report, member, bundle.attachments, self.clock))
        self._store.commit(change)
        return Committed(change, self._publish(change.notices))

    def select_qisp(self, caller: Caller, wdid: str, report_id: str, certificate_number: str) -> Committed:
        """Set the report's QISP to a registry entry, found by certificate number."""

        def command(report: Report, member: Member, _: tuple[ReportAttachment, ...], clock: Clock) -> ReportChange:
            require(member, Action.SET_QISP)
            record = self._store.get_qisp(certificate_number)
            if record is None:
                raise BadInput(
                    f"certificate {certificate_number} is not in the QISP registry",
                    code="qisp_not_in_registry",
                    field="certificate_number",
                )
            return reports.set_qisp(report, member, record, clock)

        return self.run(caller, wdid, report_id, command)

    def _load(self, wdid: str, report_id: str) -> ReportBundle:
        bundle = self._store.get_report(wdid, report_id)
        if bundle is None:
            raise NotFound(f"report {report_id} not found")
        return bundle

    def _publish(self, notices: Sequence[NoticeRequest]) -> bool:
        return publish_committed(notices, self._publisher, self._store.notices_published)


def with_calendar_update(change: ReportChange) -> ReportChange:
    """The change with its calendar feeds' notice when it moves or closes obligations (an extension, a
    certification): committed in its transaction, so the feeds follow at once (or through the relay)."""
    if not change.obligation_effects:
        return change
    ids = [e.obligation_id for e in change.obligation_effects]
    feeds = calendar_update(change.report.wdid, "report", ids, change.history.at)
    return change.model_copy(update={"notices": (*change.notices, feeds)})

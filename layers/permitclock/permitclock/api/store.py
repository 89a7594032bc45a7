"""The ports the API routes use. Each list or detail call is ONE DynamoDB request on the facility's partition
`FAC#{wdid}` (docs/data-model.md); each command is one `TransactWriteItems`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from permitclock.clock import Clock
from permitclock.domain.members import Member
from permitclock.domain.notices import NoticeRequest
from permitclock.domain.obligations import Obligation
from permitclock.domain.program_facts import ProgramFactsRecord
from permitclock.domain.reports import QispRecord, Report, ReportBundle
from permitclock.services.ports import NoticePublisher
from permitclock.services.program_intake import ProgramChange
from permitclock.workflow.qisp import QispQuery
from permitclock.workflow.reports import ReportChange


class ReportStore(Protocol):
    """Facility-scoped persistence of members, reports and obligations, and the QISP registry."""

    def memberships(self, user_id: str) -> list[Member]:
        """A user's roles in every facility: Query GSI1 `gsi1pk = USER#{user_id}` (member items
        `FAC#{wdid}` / `MEMBER#{user_id}`, GSI1 sort key `FAC#{wdid}`)."""
        ...

    def get_member(self, wdid: str, user_id: str) -> Member | None:
        """GetItem `pk = FAC#{wdid}`, `sk = MEMBER#{user_id}`; None when the user has no role there."""
        ...

    def list_members(self, wdid: str) -> list[Member]:
        """Query `pk = FAC#{wdid}` and `begins_with(sk, "MEMBER#")`."""
        ...

    def put_member(self, member: Member) -> None:
        """PutItem `FAC#{wdid}` / `MEMBER#{user_id}` with GSI1 `USER#{user_id}` / `FAC#{wdid}`."""
        ...

    def list_reports(self, wdid: str) -> list[Report]:
        """Query GSI1 `REPORTS#{wdid}`: only report items carry that entry, so history and attachment items
        (which share the `REPORT#` sort-key prefix) are never read."""
        ...

    def get_report(self, wdid: str, report_id: str) -> ReportBundle | None:
        """Query `pk = FAC#{wdid}` and `sk BETWEEN "REPORT#{report_id}" AND "REPORT#{report_id}$"`: the report
        item, its `#HIST#{iso time}#{seq}` items and its `#ATT#{attachment id}` items ("$" sorts right after
        "#", so a report whose id merely starts with this one is excluded). None without the report item."""
        ...

    def list_obligations(self, wdid: str) -> list[Obligation]:
        """Query `pk = FAC#{wdid}` and `begins_with(sk, "OBL#")`."""
        ...

    def commit(self, change: ReportChange) -> None:
        """One TransactWriteItems: Put `REPORT#{id}` conditioned on `version = change.expected_version`; Put
        `REPORT#{id}#HIST#{at}#{seq}` with `attribute_not_exists(sk)`; per obligation effect an Update of
        `OBL#{obligation id}` written through `adapters.obligations.obligation_item` (closing drops the sparse GSI2
        keys; a moved due date rewrites GSI2 `DUE#{shard}` / `{due}#{wdid}#{obligation id}` and bumps the
        calendar SEQUENCE); and each of `change.notices` as an outbox item `OUTBOX` / `{notice id}`
        (`adapters.notice_outbox`), so a crash before they are published cannot lose them. A failed condition
        raises `Conflict(code="concurrent_update")`."""
        ...

    def notices_published(self, notices: Sequence[NoticeRequest]) -> None:
        """Clear the outbox items of notices that reached the notices queue (one BatchWriteItem)."""
        ...

    def get_qisp(self, certificate_number: str) -> QispRecord | None:
        """GetItem `pk = QISP#{certificate}`, `sk = PROFILE` (certificate in `qisp.search_key` form)."""
        ...

    def search_qisps(self, query: QispQuery) -> list[QispRecord]:
        """One request chosen by the most selective criterion (keys in `qisp.search_key` form): certificate ->
        GetItem `QISP#{certificate}`; last name -> Query GSI3 `QISPLAST#{last}` (and `begins_with(gsi3sk,
        "{first}#")` when a first name is given); zip -> Query GSI1 `QISPZIP#{zip}`; first name alone -> Query
        GSI2 `QISPFIRST#{first}`; the remaining criteria filter the hits."""
        ...


class ProgramFacts(Protocol):
    """The program facts use case (`services.program_intake.ProgramFactsService`): `FAC#{wdid}` / `PROGRAM#{program}`
    items (one Query) and the facility's obligations of that program (one Query, then one write per change)."""

    def list_facts(self, facility_id: str) -> list[ProgramFactsRecord]: ...

    def record(
        self, facility_id: str, program: str, payload: Any, *, document: str, source: dict[str, str]
    ) -> ProgramChange: ...


@dataclass(frozen=True)
class Dependencies:
    """What the routes need, built once per container by the handler."""

    store: ReportStore
    publisher: NoticePublisher
    """Where a committed change's notices go (the notices queue)."""
    clock: Clock
    programs: ProgramFacts | None = None
    """The program facts routes' use case; None where they are not served (they answer 500 then)."""

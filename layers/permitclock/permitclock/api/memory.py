"""In-memory `ReportStore` and `NoticeOutbox` for unit tests: the same keys and semantics as the table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from permitclock.domain.members import Member
from permitclock.domain.notices import NoticeRequest
from permitclock.domain.obligations import Obligation
from permitclock.domain.program_facts import ProgramFactsRecord
from permitclock.domain.reports import QispRecord, Report, ReportAttachment, ReportHistoryItem
from permitclock.errors import Conflict
from permitclock.workflow import qisp
from permitclock.workflow.reports import ReportChange, apply_obligation_effect

from .store import ReportBundle


class InMemoryReportStore:
    """Dicts keyed like the table's items; `add_*` seed what other services (level engine, uploads) write."""

    def __init__(self) -> None:
        self.members: dict[tuple[str, str], Member] = {}
        self.reports: dict[tuple[str, str], Report] = {}
        self.history: dict[tuple[str, str], list[ReportHistoryItem]] = {}
        self.attachments: dict[tuple[str, str], dict[str, ReportAttachment]] = {}
        self.obligations: dict[tuple[str, str], Obligation] = {}
        self.qisps: dict[str, QispRecord] = {}
        self.outbox: dict[str, NoticeRequest] = {}

    def add_report(self, report: Report) -> None:
        self.reports[(report.wdid, report.report_id)] = report

    def add_attachment(self, wdid: str, report_id: str, attachment: ReportAttachment) -> None:
        self.attachments.setdefault((wdid, report_id), {})[attachment.attachment_id] = attachment

    def add_obligation(self, obligation: Obligation) -> None:
        self.obligations[(obligation.facility_id, obligation.obligation_id)] = obligation

    def add_qisps(self, records: Iterable[QispRecord]) -> None:
        for record in records:
            self.qisps[qisp.search_key(record.certificate_number)] = record

    def memberships(self, user_id: str) -> list[Member]:
        return sorted((m for m in self.members.values() if m.user_id == user_id), key=lambda m: m.wdid)

    def get_member(self, wdid: str, user_id: str) -> Member | None:
        return self.members.get((wdid, user_id))

    def list_members(self, wdid: str) -> list[Member]:
        return [m for (w, _), m in sorted(self.members.items()) if w == wdid]

    def put_member(self, member: Member) -> None:
        self.members[(member.wdid, member.user_id)] = member

    def list_reports(self, wdid: str) -> list[Report]:
        return [r for (w, _), r in sorted(self.reports.items()) if w == wdid]

    def get_report(self, wdid: str, report_id: str) -> ReportBundle | None:
        report = self.reports.get((wdid, report_id))
        if report is None:
            return None
        return ReportBundle(
            report=report,
            history=tuple(self.history.get((wdid, report_id), ())),
            attachments=tuple(self.attachments.get((wdid, report_id), {}).values()),
        )

    def list_obligations(self, wdid: str) -> list[Obligation]:
        return [o for (w, _), o in sorted(self.obligations.items()) if w == wdid]

    def commit(self, change: ReportChange) -> None:
        key = (change.report.wdid, change.report.report_id)
        stored = self.reports.get(key)
        if stored is None or stored.version != change.expected_version:
            raise Conflict("the report changed meanwhile: reload and retry", code="concurrent_update")
        self.reports[key] = change.report
        self.history.setdefault(key, []).append(change.history)
        for effect in change.obligation_effects:
            obligation_key = (change.report.wdid, effect.obligation_id)
            if obligation_key in self.obligations:
                self.obligations[obligation_key] = apply_obligation_effect(
                    self.obligations[obligation_key], effect
                )
        self.outbox.update((notice.notice_id, notice) for notice in change.notices)

    def notices_published(self, notices: Sequence[NoticeRequest]) -> None:
        for notice in notices:
            self.outbox.pop(notice.notice_id, None)

    def get_qisp(self, certificate_number: str) -> QispRecord | None:
        return self.qisps.get(qisp.search_key(certificate_number))

    def search_qisps(self, query: qisp.QispQuery) -> list[QispRecord]:
        return qisp.search(self.qisps.values(), query)


class InMemoryObligations:
    """`adapters.obligations.ObligationStore` over an `InMemoryReportStore`'s obligations (so the facility's
    obligation list shows what the program facts routes write), with the calendar SEQUENCE beside them."""

    def __init__(self, store: InMemoryReportStore) -> None:
        self._store = store
        self.sequences: dict[tuple[str, str], int] = {}

    def put_new(self, obligation: Obligation) -> bool:
        if (obligation.facility_id, obligation.obligation_id) in self._store.obligations:
            return False
        self._store.add_obligation(obligation)
        return True

    def get(self, wdid: str, obligation_id: str) -> tuple[Obligation, int] | None:
        found = self._store.obligations.get((wdid, obligation_id))
        return (found, self.sequences.get((wdid, obligation_id), 0)) if found else None

    def replace(self, obligation: Obligation, *, ics_sequence: int) -> None:
        self._store.add_obligation(obligation)
        self.sequences[(obligation.facility_id, obligation.obligation_id)] = ics_sequence

    def for_facility_with_sequence(self, wdid: str) -> list[tuple[Obligation, int]]:
        return [(o, self.sequences.get((wdid, o.obligation_id), 0)) for o in self._store.list_obligations(wdid)]


class InMemoryProgramFacts:
    """`adapters.programs.ProgramFactsStore` in a dict keyed (facility id, program)."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], ProgramFactsRecord] = {}

    def put(self, record: ProgramFactsRecord) -> None:
        self.records[(record.facility_id, record.program)] = record

    def for_facility(self, facility_id: str) -> list[ProgramFactsRecord]:
        return [r for (f, _), r in sorted(self.records.items()) if f == facility_id]


class InMemoryOutbox:
    """Collects published notices so tests can assert on what would be sent."""

    def __init__(self) -> None:
        self.sent: list[NoticeRequest] = []

    def publish(self, notice: NoticeRequest) -> None:
        self.sent.append(notice)

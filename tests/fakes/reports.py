"""Fakes of the report workflow's store, the notice outbox and the QISP registry."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from permitclock.domain.members import Member
from permitclock.domain.notices import NoticeRequest
from permitclock.domain.obligations import Obligation
from permitclock.domain.reports import QispRecord, Report, ReportBundle, ReportHistoryItem
from permitclock.domain.uploads import AttachmentRecord
from permitclock.errors import Conflict
from permitclock.notices.ics import next_sequence
from permitclock.workflow import qisp
from permitclock.workflow.duties import Completion
from permitclock.workflow.reports import ReportChange, apply_obligation_effect

from tests.fakes.pipelines import FakeAttachmentRecords, FakeLevels
from tests.fakes.ports import FakeFacilities, FakeObligations


class FakeQispRegistry:
    """The registry by certificate number (in `qisp.search_key` form)."""

    def __init__(self) -> None:
        self.records: dict[str, QispRecord] = {}

    def put_all(self, records: Iterable[QispRecord]) -> int:
        count = 0
        for record in records:
            self.records[qisp.search_key(record.certificate_number)] = record
            count += 1
        return count

    def get(self, certificate_number: str) -> QispRecord | None:
        return self.records.get(qisp.search_key(certificate_number))

    def search(self, query: qisp.QispQuery) -> list[QispRecord]:
        query.criteria()
        return qisp.search(self.records.values(), query)


class FakeReportStore:
    """Reports with their history, and the outbox items commits write; members, obligations, attachment records
    and the QISP registry are the fakes of their own ports, shared as the adapters share the table (so what the
    program facts use case or the attachment pipeline writes shows here)."""

    def __init__(
        self,
        obligations: FakeObligations | None = None,
        registry: FakeQispRegistry | None = None,
        attachments: FakeAttachmentRecords | None = None,
        facilities: FakeFacilities | None = None,
        levels: FakeLevels | None = None,
    ) -> None:
        self.facilities = facilities or FakeFacilities()
        self.obligations = obligations or (levels.obligations if levels else FakeObligations())
        self.levels = levels or FakeLevels(obligations=self.obligations)
        """The parameter statuses a certification records facts on; its `reports` are this store's."""
        self.registry = registry or FakeQispRegistry()
        self.attachments = attachments or FakeAttachmentRecords()
        self.reports = self.levels.reports
        self.history: dict[tuple[str, str], list[ReportHistoryItem]] = {}
        self.outbox: dict[str, tuple[datetime, NoticeRequest]] = {}
        self.completions: list[Completion] = []

    # ------------------------------------------------------------------ what other pipelines write
    def add_report(self, report: Report) -> None:
        self.reports[(report.wdid, report.report_id)] = report

    def add_attachment(self, wdid: str, report_id: str, record: AttachmentRecord) -> None:
        """An attachment record of the report, as the attachment pipeline writes it."""
        key = f"attachments/{wdid}/{report_id}/{record.file_name or record.attachment_id}"
        self.attachments.put_new(record.model_copy(update={"wdid": wdid, "report_id": report_id, "key": key}))

    def add_obligation(self, obligation: Obligation) -> None:
        self.obligations.put_new(obligation)

    # ------------------------------------------------------------------ the port
    def memberships(self, user_id: str) -> list[Member]:
        return self.facilities.memberships(user_id)

    def get_member(self, wdid: str, user_id: str) -> Member | None:
        return self.facilities.get_member(wdid, user_id)

    def list_members(self, wdid: str) -> list[Member]:
        return self.facilities.members(wdid)

    def put_member(self, member: Member) -> None:
        self.facilities.put_member(member)

    def delete_member(self, wdid: str, user_id: str) -> None:
        self.facilities.roles.pop((wdid, user_id), None)

    def list_reports(self, wdid: str) -> list[Report]:
        return [r for (w, _), r in sorted(self.reports.items()) if w == wdid]

    def get_report(self, wdid: str, report_id: str) -> ReportBundle | None:
        report = self.reports.get((wdid, report_id))
        if report is None:
            return None
        return ReportBundle(
            report=report,
            history=tuple(sorted(self.history.get((wdid, report_id), ()), key=lambda h: h.seq)),
            attachments=tuple(r.report_attachment() for r in self.attachments.of_report(wdid, report_id)),
        )

    def list_obligations(self, wdid: str) -> list[Obligation]:
        return self.obligations.for_facility(wdid)

    def get_obligation(self, wdid: str, obligation_id: str) -> tuple[Obligation, int] | None:
        return self.obligations.get(wdid, obligation_id)

    def complete_obligation(
        self,
        obligation: Obligation,
        *,
        ics_sequence: int,
        completion: Completion,
        notices: Sequence[NoticeRequest] = (),
    ) -> None:
        self.obligations.complete(obligation, ics_sequence=ics_sequence, completion=completion)
        self.completions.append(completion)
        self.outbox.update((n.notice_id, (completion.at, n)) for n in notices)

    def create_facility(self, wdid: str, name: str, attributes: dict[str, Any], lrp: Member) -> None:
        if wdid in self.facilities.profiles:
            raise Conflict(f"facility {wdid} already exists", code="facility_exists")
        self.facilities.profiles[wdid] = {"wdid": wdid, "name": name, **attributes}
        self.facilities.put_member(lrp)

    def commit(self, change: ReportChange) -> None:
        key = (change.report.wdid, change.report.report_id)
        stored = self.reports.get(key)
        if stored is None or stored.version != change.expected_version:
            raise Conflict("the report changed meanwhile: reload and retry", code="concurrent_update")
        self.reports[key] = change.report
        self.history.setdefault(key, []).append(change.history)
        for effect in change.obligation_effects:
            found = self.obligations.get(change.report.wdid, effect.obligation_id)
            if found is None:
                continue
            before, sequence = found
            after = apply_obligation_effect(before, effect)
            self.obligations.replace(after, ics_sequence=next_sequence(sequence, before, after))
        for parameter, facts in change.level_facts.items():
            self.levels.set_facts(change.report.wdid, parameter, facts)
        self.outbox.update((n.notice_id, (change.history.at, n)) for n in change.notices)

    def notices_published(self, notices: Sequence[NoticeRequest]) -> None:
        for notice in notices:
            self.outbox.pop(notice.notice_id, None)

    def get_qisp(self, certificate_number: str) -> QispRecord | None:
        return self.registry.get(certificate_number)

    def search_qisps(self, query: qisp.QispQuery) -> list[QispRecord]:
        return self.registry.search(query)


class FakeNoticeOutbox:
    """The outbox items a `FakeReportStore`'s commits wrote."""

    def __init__(self, store: FakeReportStore) -> None:
        self._store = store

    def leftovers(self, created_before: datetime) -> list[NoticeRequest]:
        return [n for _, (at, n) in sorted(self._store.outbox.items()) if at < created_before]

    def clear(self, notices: Sequence[NoticeRequest]) -> None:
        self._store.notices_published(notices)

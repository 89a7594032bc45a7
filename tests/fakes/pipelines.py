"""Fakes of the ports one use case needs: attachments, samples and levels, the annual run's queue and summary,
program facts documents, calendar feeds, the mailer."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from permitclock.domain.level_disagreements import StoredDisagreement
from permitclock.domain.levels import Assignment, FacilityYear, LevelRecord, ParameterStatus, WriteOutcome
from permitclock.domain.notices import NoticeRequest
from permitclock.domain.obligations import Obligation
from permitclock.domain.program_facts import ProgramFactsRecord
from permitclock.domain.reports import Report
from permitclock.domain.samples import Sample, WriteCounts
from permitclock.domain.uploads import QUARANTINE_PREFIX, AttachmentRecord, ObjectHead
from permitclock.rules.igp.obligations import LEVEL_2_ERA_TECHNICAL_REPORT_UPDATE, reports_for

from tests.fakes.ports import FakeObligations


# ---------------------------------------------------------------------------------------------- attachments
@dataclass
class StoredObject:
    body: bytes
    metadata: dict[str, str] = field(default_factory=dict)
    tags: str = ""


class FakeDocuments:
    """The documents bucket: object versions by (bucket, key, version id); a delete hides the key."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, str | None], StoredObject] = {}
        self.deleted: set[tuple[str, str]] = set()

    def add(self, bucket: str, key: str, body: bytes, metadata: dict[str, str], version_id: str | None = None) -> None:
        self.objects[(bucket, key, version_id)] = StoredObject(body, metadata)

    def head(self, bucket: str, key: str, version_id: str | None) -> ObjectHead | None:
        found = self.objects.get((bucket, key, version_id))
        if found is None or (version_id is None and (bucket, key) in self.deleted):
            return None
        return ObjectHead(size=len(found.body), version_id=version_id, metadata=dict(found.metadata))

    def read(self, bucket: str, key: str, version_id: str | None, max_bytes: int) -> bytes:
        return self.objects[(bucket, key, version_id)].body[: max_bytes + 1]

    def quarantine(self, bucket: str, key: str, version_id: str | None, name: str, codes: list[str]) -> str:
        source = self.objects[(bucket, key, version_id)]
        target = f"{QUARANTINE_PREFIX}{name}"
        self.objects[(bucket, target, None)] = StoredObject(source.body, source.metadata, " ".join(codes))
        self.deleted.add((bucket, key))
        return target


class FakeAttachmentRecords:
    """Write-once attachment records, filed as the table files them (under the report the key named, else
    under the upload); deletes mark accepted ones `deleted`, ordered by S3's sequencer."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, ...], AttachmentRecord] = {}
        self.removed: dict[tuple[str, str], str] = {}  # (bucket, key) -> newest delete marker's sequencer

    def get(
        self, bucket: str, key: str, attachment_id: str, wdid: str | None, report_id: str | None
    ) -> AttachmentRecord | None:
        return self.records.get(_filed(bucket, key, attachment_id, wdid, report_id))

    def put_new(self, record: AttachmentRecord) -> bool:
        where = _filed(record.bucket, record.key, record.attachment_id, record.wdid, record.report_id)
        if where in self.records:
            return False
        self.records[where] = record
        return True

    def of_report(self, wdid: str, report_id: str) -> list[AttachmentRecord]:
        return [r for where, r in sorted(self.records.items()) if where[:3] == ("FAC", wdid, report_id)]

    def mark_removed(
        self,
        bucket: str,
        key: str,
        version_id: str | None,
        at: datetime,
        sequencer: str | None = None,
        *,
        marker: bool = False,
    ) -> int:
        of_key = [(where, r) for where, r in self.records.items() if (r.bucket, r.key) == (bucket, key)]
        everything = marker or version_id not in {r.version_id for _, r in of_key}
        order = _order(sequencer)
        if everything and order and order > self.removed.get((bucket, key), ""):
            self.removed[(bucket, key)] = order

        def hidden(r: AttachmentRecord) -> bool:
            this_version = not marker and r.version_id == version_id
            uploaded_before = everything and not (order and _order(r.sequencer) > order)
            return r.status == "accepted" and (this_version or uploaded_before)

        hit = [(where, r) for where, r in of_key if hidden(r)]
        for where, r in hit:
            self.records[where] = r.model_copy(update={"status": "deleted", "deleted_at": at})
        return len(hit)

    def removed_after(self, bucket: str, key: str, sequencer: str | None) -> bool:
        order = _order(sequencer)
        return bool(order) and self.removed.get((bucket, key), "") > order


def _filed(bucket: str, key: str, attachment_id: str, wdid: str | None, report_id: str | None) -> tuple[str, ...]:
    return ("FAC", wdid, report_id, attachment_id) if wdid and report_id else ("UPLOAD", bucket, key, attachment_id)


def _order(sequencer: str | None) -> str:
    return (sequencer or "").strip().upper().rjust(40, "0") if sequencer else ""


# ---------------------------------------------------------------------------------------------- samples, levels
class FakeSamples:
    """Samples by their duplicate key: a re-upload stores nothing twice."""

    def __init__(self) -> None:
        self.samples: dict[tuple[object, ...], Sample] = {}

    def put_new(self, samples: Iterable[Sample], *, upload: str = "") -> WriteCounts:
        counts = WriteCounts()
        for key, sample in {s.duplicate_key: s for s in samples}.items():  # duplicates within the batch once
            if key in self.samples:
                counts.existing += 1
            else:
                self.samples[key] = sample
                counts.stored += 1
        return counts


class FakeLevels:
    """Parameter statuses (with their version), the annual-run markers and the obligations the assignments
    opened, over the samples of a `FakeSamples` (shared, as the adapters share the table); `set_facts` records
    return-to-Baseline facts on the status."""

    def __init__(
        self,
        samples: FakeSamples | None = None,
        *,
        obligations: FakeObligations | None = None,
        reports: dict[tuple[str, str], Report] | None = None,
    ) -> None:
        self.statuses: dict[tuple[str, str], ParameterStatus] = {}
        self.reports = {} if reports is None else reports
        """The reports the assignments opened, by (WDID, report id): a `FakeReportStore`'s, when shared."""
        self.samples = samples or FakeSamples()
        self.markers: set[tuple[str, str]] = set()
        self.history: dict[tuple[str, str, str], Assignment] = {}
        self.obligations = obligations or FakeObligations()
        self.outbox: list[NoticeRequest] = []
        """The notices the assignments wrote with them (their outbox items)."""

    def facility_year(self, wdid: str, reporting_year: str) -> FacilityYear:
        return FacilityYear(
            wdid=wdid,
            reporting_year=reporting_year,
            statuses={p: s for (w, p), s in self.statuses.items() if w == wdid},
            samples=[s for s in self.samples.samples.values() if s.wdid == wdid and s.reporting_year == reporting_year],
            history={p for (w, p, y) in self.history if w == wdid and y == reporting_year},
            done=(wdid, reporting_year) in self.markers,
            requests=1,
        )

    def write_assignments(
        self,
        wdid: str,
        reporting_year: str,
        assignments: Sequence[Assignment],
        previous: dict[str, ParameterStatus],
        facility_obligations: Sequence[Obligation],
        *,
        run_id: str,
        notices: Sequence[NoticeRequest] = (),
        now: datetime | None = None,
    ) -> WriteOutcome:
        if (wdid, reporting_year) in self.markers:
            return WriteOutcome(written=False, already_done=True, transactions=1)
        existing = 0
        for a in assignments:
            prior = previous.get(a.parameter)
            version = (prior.version if prior else 0) + 1
            self.statuses[(wdid, a.parameter)] = a.status.model_copy(update={"version": version})
            self.history[(wdid, a.parameter, a.reporting_year)] = a
        for o in [o for a in assignments for o in a.obligations] + list(facility_obligations):
            if not self.obligations.put_new(o):
                existing += 1
        opened = [o for a in assignments for o in a.obligations]
        for report in reports_for(opened):
            known = self.reports.get((wdid, report.report_id))
            self.reports[(wdid, report.report_id)] = (
                report.model_copy(update={"version": 1})
                if known is None
                else known.model_copy(
                    update={
                        "parameters": (*known.parameters, *report.parameters),
                        "obligation_ids": (*known.obligation_ids, *report.obligation_ids),
                        "version": known.version + 1,
                    }
                )
            )
        for o in opened:
            known = self.reports.get((wdid, o.report_id or ""))
            if o.type == LEVEL_2_ERA_TECHNICAL_REPORT_UPDATE and known is not None:
                self.reports[(wdid, known.report_id)] = known.model_copy(
                    update={
                        "update_obligation_ids": (*known.update_obligation_ids, o.obligation_id),
                        "version": known.version + 1,
                    }
                )
        self.outbox.extend(notices)
        self.markers.add((wdid, reporting_year))
        return WriteOutcome(written=True, already_done=False, transactions=1, obligations_existing=existing)

    def levels(self, wdid: str) -> tuple[dict[str, ParameterStatus], list[LevelRecord]]:
        statuses = {p: s for (w, p), s in sorted(self.statuses.items()) if w == wdid}
        records = [_record(a) for (w, _, _), a in sorted(self.history.items()) if w == wdid]
        return statuses, records

    def record(self, wdid: str, parameter: str, reporting_year: str) -> LevelRecord | None:
        found = self.history.get((wdid, parameter, reporting_year))
        return _record(found) if found else None

    def set_facts(self, wdid: str, parameter: str, facts: dict[str, date | str | None]) -> None:
        status = self.statuses.get((wdid, parameter)) or ParameterStatus(parameter=parameter)
        self.statuses[(wdid, parameter)] = status.model_copy(update={**facts, "version": status.version + 1})


def _record(a: Assignment) -> LevelRecord:
    """The history item's content, as `LevelStore` writes and reads it."""
    return LevelRecord(
        parameter=a.parameter, reporting_year=a.reporting_year, assigned_on=a.assigned_on, prior_level=a.prior_level,
        level=a.level, rule=a.rule, evaluation=a.evaluation,
        obligation_ids=tuple(o.obligation_id for o in a.obligations),
    )  # fmt: skip


class FakeRunSummaries:
    def __init__(self) -> None:
        self.summaries: dict[str, dict[str, Any]] = {}

    def create(self, run_id: str, attributes: dict[str, Any]) -> None:
        if run_id in self.summaries:
            raise ValueError(f"run {run_id} exists")
        self.summaries[run_id] = {"run_id": run_id, **attributes}

    def set(self, run_id: str, attributes: dict[str, Any]) -> None:
        self.summaries[run_id].update(attributes)

    def add(self, run_id: str, counters: dict[str, int]) -> None:
        summary = self.summaries.setdefault(run_id, {"run_id": run_id})
        for name, value in counters.items():
            if value:
                summary[name] = summary.get(name, 0) + value

    def get(self, run_id: str) -> dict[str, Any] | None:
        return self.summaries.get(run_id)


class FakeWorkQueue:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send(self, bodies: Sequence[str]) -> None:
        self.bodies.extend(bodies)


# ---------------------------------------------------------------------------------------------- programs, feeds
class FakeFactsDocuments:
    """Program facts documents by (facility id, program)."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], ProgramFactsRecord] = {}

    def put(self, record: ProgramFactsRecord) -> None:
        self.records[(record.facility_id, record.program)] = record

    def get(self, facility_id: str, program: str) -> ProgramFactsRecord | None:
        return self.records.get((facility_id, program))

    def for_facility(self, facility_id: str) -> list[ProgramFactsRecord]:
        return [r for (f, _), r in sorted(self.records.items()) if f == facility_id]

    def all_records(self) -> list[ProgramFactsRecord]:
        return [r for _, r in sorted(self.records.items())]


class FakeFeedStore:
    """Calendar feeds by key, each with its content hash; counts the writes."""

    def __init__(self) -> None:
        self.feeds: dict[str, tuple[bytes, str]] = {}
        self.writes: Counter[str] = Counter()

    def content_hash(self, key: str) -> str | None:
        found = self.feeds.get(key)
        return found[1] if found else None

    def write(self, key: str, body: bytes, content_hash: str) -> None:
        self.feeds[key] = (body, content_hash)
        self.writes[key] += 1


# ---------------------------------------------------------------------------------------------- the mailer
@dataclass(frozen=True)
class FakeSendResult:
    status: str
    message_id: str | None = None
    error_code: str | None = None

    @property
    def sent(self) -> bool:
        return self.status == "sent"


class FakeMailer:
    """Records every send; `outcomes` scripts the next ones (`sent`, `throttled_exhausted`, `rejected:Code`)."""

    from_address = "notices@permitclock.example"

    def __init__(self, *outcomes: str) -> None:
        self.outcomes = list(outcomes)
        self.sent: list[tuple[str, bytes]] = []

    def send(self, raw_bytes: bytes, to: str) -> FakeSendResult:
        outcome = self.outcomes.pop(0) if self.outcomes else "sent"
        if outcome == "sent":
            self.sent.append((to, raw_bytes))
            return FakeSendResult("sent", message_id=hashlib.sha256(raw_bytes).hexdigest()[:16])
        status, _, code = outcome.partition(":")
        return FakeSendResult(status, error_code=code or "Throttling")


class FakeDisagreements:
    """Stored Level disagreements by (WDID, parameter), and the notices committed with them."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], StoredDisagreement] = {}
        self.outbox: list[NoticeRequest] = []

    def for_facility(self, wdid: str) -> list[StoredDisagreement]:
        return [d for (w, _), d in sorted(self.items.items()) if w == wdid]

    def commit(self, changed: Sequence[StoredDisagreement], notice: NoticeRequest | None, now: datetime) -> None:
        for d in changed:
            self.items[(d.wdid, d.parameter)] = d
        if notice is not None:
            self.outbox.append(notice)

    def notices_published(self, notices: Sequence[NoticeRequest]) -> None:
        self.outbox = [n for n in self.outbox if n not in notices]

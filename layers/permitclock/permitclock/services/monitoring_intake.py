"""Monitoring intake: a SMARTS download (or a return-to-Baseline facts file) uploaded under `monitoring/`.

- `monitoring/facts/*.json`: return-to-Baseline facts per (WDID, parameter) (IGP XII.C.2.b, XII.D.2.c),
  recorded on the status item `FAC#{wdid}` / `STATUS#{parameter}`.
- `monitoring/**/*.errors.csv`: our own error reports: ignored, so a report never triggers itself.
- anything else under `monitoring/`: a SMARTS "Industrial Ad Hoc Reports - Parameter Data" download (raw
  tab-separated or the data.ca.gov CSV), parsed as a stream; every valid sample of a registered facility (one
  in the facility index, read once per file) is stored idempotently (also parameters without an NAL: era-rules
  keeps them as samples), the rows of other facilities are skipped unread and counted (`skipped_unregistered`),
  bad rows go to `{key}.errors.csv` with their line numbers, and the upload record gets the counts. An object with
  the metadata `permitclock-store: all` stores every facility's rows. A wrong-format file gets one error naming
  the missing columns. Under `monitoring/facilities/{wdid}/` (the upload API's key, `POST
  /facilities/{wdid}/uploads`) a row of any other WDID is rejected: a facility's uploader writes only that
  facility's samples.
The uploaded object is never modified or deleted.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any, Protocol

from permitclock.clock import Clock, today
from permitclock.domain.samples import RejectedRow, Sample, WriteCounts
from permitclock.domain.uploads import WDID_PATTERN, UploadOutcome
from permitclock.errors import BadInput, DomainError
from permitclock.events import ObjectEvent
from permitclock.intake.facts import read_facts
from permitclock.intake.smarts import SmartsReader
from permitclock.rules.igp.years import reporting_year_of
from permitclock.services.ports import UploadObjectsWithMetadata as UploadObjects
from permitclock.services.ports import Uploads

MONITORING_PREFIX = "monitoring/"
FACTS_PREFIX = "monitoring/facts/"
FACILITY_UPLOADS_PREFIX = "monitoring/facilities/"
"""Where the upload API puts a facility's monitoring file: `monitoring/facilities/{wdid}/{file name}`."""
ERRORS_SUFFIX = ".errors.csv"
STORE_METADATA = "permitclock-store"
"""Object metadata choosing which rows a SMARTS download stores: `registered` (the default) or `all`."""
STORE_CHOICES = ("registered", "all")
RECORD_STATUS = {"accepted": "processed", "rejected": "failed"}
"""The upload record's documented status of each outcome (docs/uploads.md)."""
WRITE_BATCH = 500
DATA_FAILURES: tuple[type[Exception], ...] = (DomainError, ArithmeticError, ValueError, TypeError, LookupError)
"""Failures of the file itself (an encoding error midway, a value the table refuses) or of our code on it: the
upload is `failed` with the reason and the error report. Anything else (the AWS SDK's throttling, a network
error, the runtime dying) propagates, so the queue redelivers the event and the idempotent writes resume."""


class Samples(Protocol):
    """Monitoring samples, each stored once (`adapters.samples.SampleStore`)."""

    def put_new(self, samples: Iterable[Sample], *, upload: str = "") -> WriteCounts:
        """Write the samples not stored yet (duplicates within the batch once)."""
        ...


class StatusFacts(Protocol):
    """Return-to-Baseline facts on the parameter status item (`adapters.levels.LevelStore`)."""

    def set_facts(self, wdid: str, parameter: str, facts: dict[str, date | str | None]) -> None:
        """Set (a value) or clear (None) each fact given; the others are unchanged."""
        ...


class YearWatch(Protocol):
    """Reacts to new results of the reporting year in progress: the outlook emails
    (`services.outlook.OutlookWatch`), the sampling duties (`services.sampling_duties.SamplingDuties`)."""

    def watch(self, wdids: Iterable[str]) -> list[Any]: ...


@dataclass
class IntakeResult:
    outcome: UploadOutcome
    kind: str = ""
    rows_read: int = 0
    stored: int = 0
    existing: int = 0
    rejected: int = 0
    warnings: int = 0
    skipped_unregistered: int = 0
    """Rows of facilities not registered, left unread (`store` `registered`)."""
    store: str = "registered"
    error_report_key: str | None = None
    error: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    current_year_wdids: set[str] = field(default_factory=set)
    """Facilities with a result of the reporting year in progress in this upload (their outlook is checked)."""


def facility_of_key(key: str) -> str | None:
    """The facility an upload under `monitoring/facilities/{wdid}/` is for (the upload API's key): its rows of
    any other WDID are rejected. None for any other key (an operator's upload may hold any facility's rows)."""
    if not key.startswith(FACILITY_UPLOADS_PREFIX):
        return None
    wdid = key[len(FACILITY_UPLOADS_PREFIX) :].partition("/")[0]
    return wdid if WDID_PATTERN.fullmatch(wdid) else ""


def error_report_key(key: str) -> str:
    return key + ERRORS_SUFFIX


class MonitoringIntake:
    """Accepts one uploaded object version under `monitoring/`."""

    def __init__(
        self,
        *,
        objects: UploadObjects,
        samples: Samples,
        uploads: Uploads,
        levels: StatusFacts,
        facility_pages: Callable[[], Iterable[list[str]]],
        clock: Clock,
        progress_every: int = 50_000,
        progress: Callable[[dict[str, Any]], None] | None = None,
        watchers: Sequence[YearWatch] = (),
    ) -> None:
        self._objects = objects
        self._samples = samples
        self._uploads = uploads
        self._levels = levels
        self._facility_pages = facility_pages
        self._clock = clock
        self._progress_every = progress_every
        self._progress = progress
        self._watchers = watchers

    def handle(self, event: ObjectEvent) -> IntakeResult:
        key = event.key
        if event.kind != "created" or not key.startswith(MONITORING_PREFIX) or key.endswith(ERRORS_SUFFIX):
            return IntakeResult(outcome="ignored")
        kind = "facts" if key.startswith(FACTS_PREFIX) and key.lower().endswith(".json") else "smarts"
        claimed = self._uploads.start(
            event.bucket,
            key,
            event.version_id,
            {"key": key, "bucket": event.bucket, "version_id": event.version_id, "kind": kind, "size": event.size,
             "started_at": self._clock.now().isoformat()},
        )  # fmt: skip
        if not claimed:
            return IntakeResult(outcome="duplicate", kind=kind)
        if kind == "facts":
            return self._facts(event)
        return self._smarts(event)

    # ------------------------------------------------------------------ SMARTS downloads
    def _smarts(self, event: ObjectEvent) -> IntakeResult:
        result = IntakeResult(outcome="accepted", kind="smarts")
        stream = self._objects.open(event.bucket, event.key, event.version_id)
        with tempfile.SpooledTemporaryFile(max_size=8 << 20) as raw_report:
            report = io.TextIOWrapper(raw_report, encoding="utf-8", newline="")
            writer = csv.writer(report)
            writer.writerow(["line", "reason", "kept"])
            layout = None
            try:
                result.store = self._store_choice(event)
                reader = SmartsReader(stream, as_of=today(self._clock), name=event.key)
            except DomainError as err:
                stream.close()
                result.outcome = "rejected"
                result.error = err.message
                result.rejected = 1
                writer.writerow([0, err.message, "false"])
            else:
                layout = reader.layout
                try:
                    self._read(reader, event, writer, result)
                except DATA_FAILURES as err:
                    reason = err.message if isinstance(err, DomainError) else f"the file could not be read: {err!r}"
                    result.outcome = "rejected"
                    result.error = f"{reason} (after {result.rows_read} rows; {result.stored} stored)"
                    result.rejected += 1
                    writer.writerow([0, result.error, "false"])
                finally:
                    stream.close()
                for watcher in self._watchers if result.current_year_wdids else ():
                    # before the record is finished: a failure here is retried with the whole upload
                    watcher.watch(result.current_year_wdids)
            report.flush()
            report.detach()  # the wrapper must not close the spooled file
            if result.rejected or result.warnings:
                raw_report.seek(0)
                result.error_report_key = error_report_key(event.key)
                self._objects.put_report(event.bucket, result.error_report_key, raw_report)
        self._uploads.finish(
            event.bucket,
            event.key,
            event.version_id,
            {
                "status": RECORD_STATUS[result.outcome],
                "layout": layout,
                "rows_read": result.rows_read,
                "stored": result.stored,
                "already_stored": result.existing,
                "rejected": result.rejected,
                "warnings": result.warnings,
                "skipped_unregistered": result.skipped_unregistered,
                "store": result.store,
                "error_report_key": result.error_report_key,
                "error": result.error,
                "finished_at": self._clock.now().isoformat(),
            },
        )
        return result

    def _store_choice(self, event: ObjectEvent) -> str:
        """Which rows the upload stores: its `permitclock-store` metadata, `registered` when absent."""
        metadata = {k.lower(): v for k, v in self._objects.metadata(event.bucket, event.key, event.version_id).items()}
        choice = metadata.get(STORE_METADATA, STORE_CHOICES[0]).strip().lower()
        if choice not in STORE_CHOICES:
            raise BadInput(
                f"metadata {STORE_METADATA} {choice[:40]!r}: 'registered' (the default: the registered facilities' "
                "rows) or 'all' (every facility's rows)",
                code="bad_metadata",
            )
        return choice

    def _registered(self) -> frozenset[str]:
        """The WDIDs of the facility index (one paged Query), read once per file."""
        return frozenset(wdid for page in self._facility_pages() for wdid in page)

    def _read(self, reader: SmartsReader, event: ObjectEvent, writer: Any, result: IntakeResult) -> None:
        pending: list[Sample] = []
        with reader:
            try:
                self._rows(reader, event, writer, result, pending)
            except DATA_FAILURES:
                self._flush(pending, event, result)  # the good rows read before the failure are kept
                raise
        self._flush(pending, event, result)

    def _rows(
        self, reader: SmartsReader, event: ObjectEvent, writer: Any, result: IntakeResult, pending: list[Sample]
    ) -> None:
        """Every row of the file: rejected ones to the report, samples written in batches of `WRITE_BATCH`; the
        facilities with a result of the reporting year in progress noted (`current_year_wdids`). Unless the
        upload stores all, the rows of unregistered facilities are skipped by the reader before they are read
        (a registered facility's own upload is read whole: its rows of other WDIDs are rejected, not skipped)."""
        next_progress = self._progress_every
        current_year = reporting_year_of(today(self._clock))
        current = result.current_year_wdids
        only = facility_of_key(event.key)
        registered = None if result.store == "all" else self._registered()
        if registered is not None and only in registered:
            registered = None  # a registered facility's own upload: its rows of other WDIDs are rejected below
        try:
            for row in reader.rows(registered):
                if only is not None and isinstance(row, Sample) and row.wdid != only:
                    reason = f"WDID {row.wdid} is not {only}, the facility this upload is for"
                    row = RejectedRow(row.file, row.line, reason)
                if isinstance(row, RejectedRow):
                    writer.writerow([row.line, row.reason, "true" if row.kept else "false"])
                    if row.kept:
                        result.warnings += 1
                        continue
                    result.rejected += 1
                else:
                    pending.append(row)
                    if row.reporting_year == current_year and row.nal is not None:
                        current.add(row.wdid)
                result.rows_read += 1
                if len(pending) >= WRITE_BATCH:
                    self._flush(pending, event, result)
                if self._progress and result.rows_read >= next_progress:
                    next_progress += self._progress_every
                    self._progress({"key": event.key, "rows_read": result.rows_read, "stored": result.stored,
                                    "rejected": result.rejected})  # fmt: skip
        finally:
            result.skipped_unregistered += reader.skipped  # also when the file fails midway

    def _flush(self, pending: list[Sample], event: ObjectEvent, result: IntakeResult) -> None:
        if not pending:
            return
        counts = self._samples.put_new(pending, upload=f"{event.key}#{event.version_id or 'null'}")
        result.stored += counts.stored
        result.existing += len(pending) - counts.stored
        pending.clear()

    # ------------------------------------------------------------------ facts
    def _facts(self, event: ObjectEvent) -> IntakeResult:
        result = IntakeResult(outcome="accepted", kind="facts")
        stream = self._objects.open(event.bucket, event.key, event.version_id)
        try:
            read = read_facts(stream)
        finally:
            stream.close()
        problems = read.problems
        if read.error:
            result.outcome = "rejected"
            result.error = read.error
        result.rows_read = read.count
        for entry in read.entries:
            self._levels.set_facts(entry.wdid, entry.parameter, entry.facts)
            result.stored += 1
        result.rejected = len(problems)
        if problems:
            result.error_report_key = error_report_key(event.key)
            self._objects.put_report(event.bucket, result.error_report_key, error_report(problems))
        self._uploads.finish(
            event.bucket,
            event.key,
            event.version_id,
            {
                "status": RECORD_STATUS[result.outcome],
                "layout": "facts_json",
                "rows_read": result.rows_read,
                "stored": result.stored,
                "rejected": result.rejected,
                "error_report_key": result.error_report_key,
                "error": result.error,
                "finished_at": self._clock.now().isoformat(),
            },
        )
        return result


def error_report(rows: Iterable[tuple[int, str] | tuple[int, str, bool]]) -> IO[bytes]:
    """An error report (`line,reason,kept`) of rejected rows (and of rows used but reported: `kept` true), as
    written beside an upload."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["line", "reason", "kept"])
    for line, reason, *kept in rows:
        writer.writerow([line, reason, "true" if kept and kept[0] else "false"])
    return io.BytesIO(text.getvalue().encode())

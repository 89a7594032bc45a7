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
A download the invocation cannot finish is read in parts: with too little time left, the record gets a
checkpoint (the line and byte the next part starts at, the counts and the error report so far) and a resume
message goes to the intake's own queue; the next part reads from that byte (docs/uploads.md, "Reading in parts").
The uploaded object is never modified or deleted.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any, Protocol

from permitclock.clock import Clock, today
from permitclock.domain.samples import RejectedRow, Sample, WriteCounts
from permitclock.domain.uploads import WDID_PATTERN, UploadOutcome
from permitclock.errors import BadInput, DomainError
from permitclock.events import ObjectEvent, resume_message
from permitclock.intake.facts import read_facts
from permitclock.intake.records import Resume
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
COUNTS = ("rows_read", "stored", "already_stored", "rejected", "warnings", "skipped_unregistered")
"""The upload record's counters, carried from part to part."""
DATA_FAILURES: tuple[type[Exception], ...] = (DomainError, ArithmeticError, ValueError, TypeError, LookupError)
"""Failures of the file itself (an encoding error midway, a value the table refuses) or of our code on it: the
upload is `failed` with the reason and the error report. Anything else (the AWS SDK's throttling, a network
error, the runtime dying) propagates, so the queue redelivers the event and the idempotent writes resume."""


class UploadRecords(Uploads, Protocol):
    """The upload records, read and moved on part by part (`adapters.uploads.UploadRecords`)."""

    def get(self, bucket: str, key: str, version_id: str | None) -> dict[str, Any] | None: ...

    def advance(self, bucket: str, key: str, version_id: str | None, resumes: int, attributes: dict[str, Any]) -> bool:
        """Set `attributes` on the `processing` record whose `resumes` is still `resumes`; False when another
        delivery moved it on (or finished it) first."""
        ...


class Requeue(Protocol):
    """The intake's own queue (`adapters.publisher.SqsMessages`): where a checkpointed upload's next part goes."""

    def send(self, bodies: Sequence[str]) -> None: ...


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
    resumes: int = 0
    """Checkpoints the upload's reading has taken so far (parts read after the first)."""
    resume_line: int | None = None
    """Where the next part starts (`checkpointed`)."""
    stored_before: int = 0
    rejected_before: int = 0
    """What the parts before this one stored and rejected (the counts above include them)."""
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
        uploads: UploadRecords,
        levels: StatusFacts,
        facility_pages: Callable[[], Iterable[list[str]]],
        requeue: Requeue,
        clock: Clock,
        margin_ms: int = 60_000,
        progress_every: int = 50_000,
        progress: Callable[[dict[str, Any]], None] | None = None,
        watchers: Sequence[YearWatch] = (),
    ) -> None:
        self._objects = objects
        self._samples = samples
        self._uploads = uploads
        self._levels = levels
        self._facility_pages = facility_pages
        self._requeue = requeue
        self._margin_ms = margin_ms
        self._clock = clock
        self._progress_every = progress_every
        self._progress = progress
        self._watchers = watchers

    def handle(self, event: ObjectEvent, *, time_left: Callable[[], int] | None = None) -> IntakeResult:
        """Take one object event. With `time_left` (the milliseconds the invocation has left), a SMARTS download
        still being read when fewer than the margin remain is checkpointed and continued by a later invocation."""
        key = event.key
        if event.kind != "created" or not key.startswith(MONITORING_PREFIX) or key.endswith(ERRORS_SUFFIX):
            return IntakeResult(outcome="ignored")
        kind = "facts" if key.startswith(FACTS_PREFIX) and key.lower().endswith(".json") else "smarts"
        if kind == "smarts":
            held = self._uploads.get(event.bucket, key, event.version_id)
            if held is not None and held.get("status") == "processing" and held.get("checkpoint"):
                return self._smarts(event, held, time_left)
        claimed = self._uploads.start(
            event.bucket,
            key,
            event.version_id,
            {"key": key, "bucket": event.bucket, "version_id": event.version_id, "kind": kind, "size": event.size,
             "started_at": self._clock.now().isoformat(), **({"resumes": 0} if kind == "smarts" else {})},
        )  # fmt: skip
        if not claimed:
            return IntakeResult(outcome="duplicate", kind=kind)
        if kind == "facts":
            return self._facts(event)
        return self._smarts(event, None, time_left)

    # ------------------------------------------------------------------ SMARTS downloads
    def _smarts(
        self, event: ObjectEvent, held: dict[str, Any] | None, time_left: Callable[[], int] | None
    ) -> IntakeResult:
        """Read the download, from its first row or from the checkpoint of the record `held`, to its end (the
        record finished) or until `time_left` runs low (the record checkpointed, the next part queued)."""
        result = IntakeResult(outcome="accepted", kind="smarts")
        resume, report_version = None, None
        if held is not None:
            result.resumes = int(held["resumes"])
            result.store = str(held["store"])
            counts = [int(held.get(name) or 0) for name in COUNTS]
            (result.rows_read, result.stored, result.existing, result.rejected, result.warnings,
             result.skipped_unregistered) = counts  # fmt: skip
            result.stored_before, result.rejected_before = result.stored, result.rejected
            point = held["checkpoint"]
            resume = Resume(int(point["line"]), int(point["offset"]), str(point["encoding"]))
            report_version = point.get("report_version")
        stopped: Resume | None = None
        layout = None
        stream = self._objects.open(event.bucket, event.key, event.version_id)
        with tempfile.SpooledTemporaryFile(max_size=8 << 20) as raw_report:
            if report_version is not None:  # the report of the parts before: this part's rows follow it
                earlier = self._objects.open(event.bucket, error_report_key(event.key), str(report_version))
                with earlier:
                    shutil.copyfileobj(earlier, raw_report)
            report = io.TextIOWrapper(raw_report, encoding="utf-8", newline="")
            writer = csv.writer(report)
            if report_version is None:
                writer.writerow(["line", "reason", "kept"])
            try:
                if resume is None:
                    result.store = self._store_choice(event)
                reader = SmartsReader(stream, as_of=today(self._clock), name=event.key, positions=bool(time_left))
            except DomainError as err:
                stream.close()
                result.outcome = "rejected"
                result.error = err.message
                result.rejected += 1
                writer.writerow([0, err.message, "false"])
            else:
                layout = reader.layout
                try:
                    if resume is not None:  # the header is read; the rows go on at the checkpoint's byte
                        stream.close()
                        stream = self._objects.open(event.bucket, event.key, event.version_id, start=resume.offset)
                        reader.continue_at(stream, resume)
                    stopped = self._read(reader, event, writer, result, time_left)
                except DATA_FAILURES as err:
                    reason = err.message if isinstance(err, DomainError) else f"the file could not be read: {err!r}"
                    result.outcome = "rejected"
                    result.error = f"{reason} (after {result.rows_read} rows; {result.stored} stored)"
                    result.rejected += 1
                    writer.writerow([0, result.error, "false"])
                finally:
                    stream.close()
                for watcher in self._watchers if result.current_year_wdids else ():
                    # before the record is advanced: a failure here is retried with this part of the upload
                    watcher.watch(result.current_year_wdids)
            report.flush()
            report.detach()  # the wrapper must not close the spooled file
            if result.rejected or result.warnings:
                raw_report.seek(0)
                result.error_report_key = error_report_key(event.key)
                report_version = self._objects.put_report(event.bucket, result.error_report_key, raw_report)
        counted = (result.rows_read, result.stored, result.existing, result.rejected, result.warnings,
                   result.skipped_unregistered)  # fmt: skip
        attributes: dict[str, Any] = {
            "layout": layout,
            **dict(zip(COUNTS, counted, strict=True)),
            "store": result.store,
        }
        if stopped is not None:
            return self._checkpoint(event, result, stopped, report_version, attributes)
        attributes.update({
            "status": RECORD_STATUS[result.outcome], "checkpoint": None, "error_report_key": result.error_report_key,
            "error": result.error, "finished_at": self._clock.now().isoformat(),
        })  # fmt: skip
        if not self._uploads.advance(event.bucket, event.key, event.version_id, result.resumes, attributes):
            result.outcome = "duplicate"  # another delivery of the same part finished the upload first
        return result

    def _checkpoint(
        self,
        event: ObjectEvent,
        result: IntakeResult,
        point: Resume,
        report_version: str | None,
        attributes: dict[str, Any],
    ) -> IntakeResult:
        """Record where the next part starts (the counts so far, the report so far), then queue that part."""
        checkpoint = {"line": point.line, "offset": point.offset, "encoding": point.encoding,
                      "report_version": report_version, "at": self._clock.now().isoformat()}  # fmt: skip
        attributes = {**attributes, "checkpoint": checkpoint, "resumes": result.resumes + 1}
        if not self._uploads.advance(event.bucket, event.key, event.version_id, result.resumes, attributes):
            result.outcome = "duplicate"  # another delivery of the same part moved the record on first
            return result
        self._requeue.send([resume_message(event)])
        result.outcome = "checkpointed"
        result.resumes += 1
        result.resume_line = point.line
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

    def _read(
        self,
        reader: SmartsReader,
        event: ObjectEvent,
        writer: Any,
        result: IntakeResult,
        time_left: Callable[[], int] | None,
    ) -> Resume | None:
        """`_rows`, every sample read stored before it returns (also when the file fails midway)."""
        pending: list[Sample] = []
        with reader:
            try:
                stopped = self._rows(reader, event, writer, result, pending, time_left)
            except DATA_FAILURES:
                self._flush(pending, event, result)  # the good rows read before the failure are kept
                raise
        self._flush(pending, event, result)
        return stopped

    def _rows(
        self,
        reader: SmartsReader,
        event: ObjectEvent,
        writer: Any,
        result: IntakeResult,
        pending: list[Sample],
        time_left: Callable[[], int] | None,
    ) -> Resume | None:
        """Every row of the file: rejected ones to the report, samples written in batches of `WRITE_BATCH`; the
        facilities with a result of the reporting year in progress noted (`current_year_wdids`). Unless the
        upload stores all, the rows of unregistered facilities are skipped by the reader before they are read
        (a registered facility's own upload is read whole: its rows of other WDIDs are rejected, not skipped).

        Before each record after the first, when `time_left()` is under the margin, reading stops: the point
        where that record starts is returned (every record before it is done), and the next part reads from
        there. None when the file was read to its end."""
        next_progress = self._progress_every
        current_year = reporting_year_of(today(self._clock))
        current = result.current_year_wdids
        only = facility_of_key(event.key)
        registered = None if result.store == "all" else self._registered()
        if registered is not None and only in registered:
            registered = None  # a registered facility's own upload: its rows of other WDIDs are rejected below
        last_line = None  # the record being read: at least one per part, so every part moves on
        try:
            for row in reader.rows(registered):
                if row.line != last_line:
                    if last_line is not None and time_left is not None and time_left() < self._margin_ms:
                        point = reader.resume_point(row.line)
                        if point is not None:
                            return point
                    last_line = row.line
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
        return None

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

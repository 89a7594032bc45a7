"""The SMARTS intake: each upload under `smarts/` goes to the use case of its prefix (`smarts/levels/`: the Level
export reconciled, `services.levels_reconciliation`; `smarts/annual-reports/`: the Annual Reports closed,
`services.annual_report_intake`); any other key is ignored."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from permitclock.clock import Clock
from permitclock.domain.uploads import SmartsUploadResult
from permitclock.events import ObjectEvent
from permitclock.services.monitoring_intake import ERRORS_SUFFIX, RECORD_STATUS, error_report, error_report_key
from permitclock.services.ports import UploadObjects, Uploads


class SmartsUpload(Protocol):
    def handle(self, event: ObjectEvent) -> SmartsUploadResult: ...


class SmartsIntake:
    """Routes a `smarts/` object event by its key's prefix."""

    def __init__(self, by_prefix: Mapping[str, SmartsUpload]) -> None:
        self._by_prefix = dict(by_prefix)

    def handle(self, event: ObjectEvent) -> SmartsUploadResult:
        for prefix, service in self._by_prefix.items():
            if event.key.startswith(prefix):
                return service.handle(event)
        return SmartsUploadResult(outcome="ignored")


def claim(uploads: Uploads, event: ObjectEvent, prefix: str, kind: str, clock: Clock) -> SmartsUploadResult | None:
    """None when the event is a new upload under `prefix` (its record claimed `processing`, `kind` on it): the use
    case processes it. Else the result to answer: `ignored` (a removal, another prefix, an error report of ours) or
    `duplicate` (a redelivered event)."""
    key = event.key
    if event.kind != "created" or not key.startswith(prefix) or key.endswith(ERRORS_SUFFIX):
        return SmartsUploadResult(outcome="ignored")
    record = {"key": key, "bucket": event.bucket, "version_id": event.version_id, "kind": kind, "size": event.size,
              "started_at": clock.now().isoformat()}  # fmt: skip
    if not uploads.start(event.bucket, key, event.version_id, record):
        return SmartsUploadResult(outcome="duplicate")
    return None


def finish(
    objects: UploadObjects,
    uploads: Uploads,
    event: ObjectEvent,
    result: SmartsUploadResult,
    clock: Clock,
    *,
    layout: str,
    rejected: Sequence[tuple[int, str] | tuple[int, str, bool]] = (),
    **fields: Any,
) -> None:
    """Write the error report of the `rejected` rows (line, reason[, kept]) beside the upload when there are any,
    then close the upload's record with `result`: its documented status, `fields`, counts and error
    (docs/uploads.md)."""
    report_key = None
    if rejected:
        report_key = error_report_key(event.key)
        objects.put_report(event.bucket, report_key, error_report(rejected))
    uploads.finish(event.bucket, event.key, event.version_id, {
        "status": RECORD_STATUS.get(result.outcome, "failed"), "layout": layout, **fields, **result.counts,
        "error_report_key": report_key, "error": result.error, "finished_at": clock.now().isoformat(),
    })  # fmt: skip

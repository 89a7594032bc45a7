"""Load the QISP registry from a CSV uploaded under `qisp/` (SMARTS Level 2 ERA Technical Report guide,
steps 7-8; docs/workflow.md "QISP registry").

Good rows are written to the registry (created or replaced per certificate); bad rows are kept in the upload
record (`UPLOAD#{bucket}/{key}` / `V#{version id}`) with their line and code; a bad header, undecodable text or
an oversize file rejects the whole upload. A redelivered event for a finished upload does nothing (the upload
record is claimed first). Rows are never removed by a later file: the registry only grows or changes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO, Any, Protocol

from permitclock.domain.reports import QispRecord
from permitclock.domain.uploads import UploadOutcome
from permitclock.errors import BadInput
from permitclock.events import ObjectEvent
from permitclock.services.ports import UploadObjects, Uploads
from permitclock.workflow.qisp import RegistryParse, parse_registry

QISP_PREFIX = "qisp/"
MAX_ROW_ERRORS_KEPT = 100


class Registry(Protocol):
    """The QISP registry (`adapters.qisp.QispRegistry`)."""

    def put_all(self, records: list[QispRecord]) -> int:
        """Create or replace every record; returns how many."""
        ...


@dataclass(frozen=True)
class QispIntakeResult:
    outcome: UploadOutcome
    loaded: int = 0
    rejected_rows: int = 0
    codes: tuple[str, ...] = ()


class QispIntake:
    def __init__(self, objects: UploadObjects, uploads: Uploads, registry: Registry, max_bytes: int) -> None:
        self._objects = objects
        self._uploads = uploads
        self._registry = registry
        self._max_bytes = max_bytes

    def handle(self, event: ObjectEvent) -> QispIntakeResult:
        if event.kind != "created" or not event.key.startswith(QISP_PREFIX) or event.key.endswith("/"):
            return QispIntakeResult(outcome="ignored")
        if not self._uploads.start(event.bucket, event.key, event.version_id, {"kind": "qisp_registry"}):
            return QispIntakeResult(outcome="duplicate")
        try:
            parsed = self._parse(event)
        except BadInput as err:
            self._uploads.finish(
                event.bucket, event.key, event.version_id, {"status": "rejected", "error": err.as_dict()}
            )
            return QispIntakeResult(outcome="rejected", codes=(err.code,))
        loaded = self._registry.put_all(parsed.records)
        row_errors = [
            {"line": e.line, "code": e.code, "message": e.message} for e in parsed.errors[:MAX_ROW_ERRORS_KEPT]
        ]
        self._uploads.finish(
            event.bucket,
            event.key,
            event.version_id,
            {"status": "loaded", "loaded": loaded, "rejected_rows": len(parsed.errors), "row_errors": row_errors},
        )
        return QispIntakeResult(
            outcome="accepted",
            loaded=loaded,
            rejected_rows=len(parsed.errors),
            codes=tuple(dict.fromkeys(e.code for e in parsed.errors)),
        )

    def _parse(self, event: ObjectEvent) -> RegistryParse:
        if event.size is not None and event.size > self._max_bytes:
            raise BadInput(f"the registry file is over {self._max_bytes} bytes", code="too_large")
        with self._objects.open(event.bucket, event.key, event.version_id) as raw:
            text = io.TextIOWrapper(io.BufferedReader(_Bounded(raw, self._max_bytes)), encoding="utf-8-sig", newline="")
            try:
                return parse_registry(text)
            except UnicodeDecodeError:
                raise BadInput("the registry file is not UTF-8 text", code="qisp_registry_unreadable") from None


class _Bounded(io.RawIOBase):
    """A byte stream that refuses to read past `limit` (the size in the event may be missing or wrong)."""

    def __init__(self, inner: IO[bytes], limit: int) -> None:
        self._inner = inner
        self._left = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._inner.read(len(buffer))
        self._left -= len(chunk)
        if self._left < 0:
            raise BadInput("the registry file is over the size limit", code="too_large")
        buffer[: len(chunk)] = chunk
        return len(chunk)

"""The SMARTS intake: each upload under `smarts/` goes to the use case of its prefix (`smarts/levels/`: the Level
export reconciled, `services.levels_reconciliation`; `smarts/annual-reports/`: the Annual Reports closed,
`services.annual_report_intake`); any other key is ignored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from permitclock.domain.uploads import SmartsUploadResult
from permitclock.events import ObjectEvent


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

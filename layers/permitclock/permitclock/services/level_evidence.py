"""A facility's Levels with the evidence the July 1 run kept: each parameter's status and its history per
reporting year (results counted, average, NAL, instantaneous exceedances, the rule applied), and one year's
results, counted and left out. How a user checks SMARTS's arithmetic (docs/api.md "Levels")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from permitclock.domain.level_disagreements import StoredDisagreement
from permitclock.domain.levels import LevelRecord, ParameterStatus
from permitclock.errors import NotFound
from permitclock.rules.igp.nals import nal_by_report_name


class LevelHistory(Protocol):
    """Stored statuses and status history items (`adapters.levels.LevelStore`)."""

    def levels(self, wdid: str) -> tuple[dict[str, ParameterStatus], list[LevelRecord]]:
        """Every parameter status and history item of the facility (one request)."""
        ...

    def record(self, wdid: str, parameter: str, reporting_year: str) -> LevelRecord | None: ...


class StoredDisagreements(Protocol):
    """Where SMARTS's Level and permitclock's disagree (`adapters.level_disagreements.LevelDisagreements`)."""

    def for_facility(self, wdid: str) -> list[StoredDisagreement]: ...


@dataclass(frozen=True)
class ParameterLevels:
    """One parameter's current status and its decisions, oldest reporting year first."""

    status: ParameterStatus
    history: tuple[LevelRecord, ...]


class LevelEvidence:
    """Reads of a facility's Levels (the caller's membership is checked by the route's workflow first)."""

    def __init__(self, history: LevelHistory, disagreements: StoredDisagreements | None = None) -> None:
        self._history = history
        self._disagreements = disagreements

    def disagreements(self, wdid: str) -> list[StoredDisagreement]:
        """The disagreements reconciled SMARTS Level exports found (`services.levels_reconciliation`), open and
        resolved, by parameter."""
        found = self._disagreements.for_facility(wdid) if self._disagreements is not None else []
        return sorted(found, key=lambda d: d.parameter)

    def parameters(self, wdid: str) -> list[ParameterLevels]:
        """Every parameter with a status, by name."""
        statuses, records = self._history.levels(wdid)
        by_parameter: dict[str, list[LevelRecord]] = {}
        for record in records:
            by_parameter.setdefault(record.parameter, []).append(record)
        return [
            ParameterLevels(
                status=statuses[name],
                history=tuple(sorted(by_parameter.get(name, ()), key=lambda r: r.reporting_year)),
            )
            for name in sorted(statuses)
        ]

    def year(self, wdid: str, parameter: str, reporting_year: str) -> LevelRecord:
        """One year's decision of one parameter (named by its Level report name or an alias)."""
        nal = nal_by_report_name(parameter)
        name = nal.level_report_name if nal is not None else parameter
        record = self._history.record(wdid, name, reporting_year)
        if record is None:
            raise NotFound(f"no Level of {parameter} for {reporting_year}")
        return record

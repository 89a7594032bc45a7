"""Facilities from SMARTS: an "Industrial Application Specific Data" download uploaded under `smarts/facilities/`
(or a page the daily sync wrote under `smarts/facilities/sync/`) updates the profiles of the registered facilities
it lists: name, operator, address, county, region, coverage status, NOI processed date, NOT effective date, SIC
codes (`domain.coverage.SmartsProfile`). An object with the metadata `permitclock-register: true` also registers
the WDIDs it lists that are not registered yet (docs/smarts.md: who may set it).

A WDID listed on several rows takes the row `rules.igp.coverage.speaking_row` picks (reported, `kept` true, when
their statuses differ). A profile is written only when a field changed, so a re-upload changes nothing twice. A
terminated facility's open obligations are closed with the reason `coverage_terminated`
(`rules.igp.coverage.ended_by_termination`); new ones stop (`opens_after_coverage`). Bad rows go to
`{key}.errors.csv` by line; the upload record gets the counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, Protocol

from permitclock.clock import Clock, today
from permitclock.domain.coverage import TERMINATED, SmartsProfile
from permitclock.domain.samples import RejectedRow
from permitclock.domain.uploads import SmartsUploadResult
from permitclock.errors import BadInput
from permitclock.events import ObjectEvent
from permitclock.intake.applications import ApplicationReader
from permitclock.notices.ics import next_sequence
from permitclock.rules.igp.coverage import closed_by_termination, ended_by_termination, speaking_row
from permitclock.services.ports import Obligations, Uploads
from permitclock.services.ports import UploadObjectsWithMetadata as UploadObjects
from permitclock.services.smarts_intake import claim, finish

FACILITIES_PREFIX = "smarts/facilities/"
REGISTER_METADATA = "permitclock-register"


class SmartsProfiles(Protocol):
    """Facility profiles read in batches and written field by field (`adapters.facilities.FacilityDirectory`)."""

    def profiles(self, wdids: Sequence[str]) -> dict[str, dict[str, Any]]: ...

    def write_smarts_profile(self, profile: SmartsProfile, *, register: bool) -> bool:
        """Set the SMARTS fields (and, with `register`, enter the facility index); False when the facility is not
        registered and `register` is off."""
        ...


class FacilityImport:
    """The use case behind the SMARTS intake for `smarts/facilities/` uploads."""

    def __init__(
        self,
        *,
        objects: UploadObjects,
        uploads: Uploads,
        facility_pages: Callable[[], Iterable[list[str]]],
        profiles: SmartsProfiles,
        obligations: Obligations,
        clock: Clock,
    ) -> None:
        self._objects = objects
        self._uploads = uploads
        self._facility_pages = facility_pages
        self._profiles = profiles
        self._obligations = obligations
        self._clock = clock

    def handle(self, event: ObjectEvent) -> SmartsUploadResult:
        skipped = claim(self._uploads, event, FACILITIES_PREFIX, "smarts_facilities", self._clock)
        if skipped is not None:
            return skipped
        key = event.key
        metadata = {k.lower(): v for k, v in self._objects.metadata(event.bucket, key, event.version_id).items()}
        register = metadata.get(REGISTER_METADATA, "").strip().lower() == "true"
        registered = {w for page in self._facility_pages() for w in page}
        rows: dict[str, list[tuple[int, SmartsProfile]]] = {}
        reported: list[tuple[int, str, bool]] = []
        result = SmartsUploadResult(outcome="accepted")
        stream = self._objects.open(event.bucket, key, event.version_id)
        try:
            for row in ApplicationReader(stream, name=key):
                if isinstance(row, RejectedRow):
                    reported.append((row.line, row.reason, row.kept))
                elif register or row.profile.wdid in registered:
                    rows.setdefault(row.profile.wdid, []).append((row.line, row.profile))
        except BadInput as err:  # the header, or an encoding error midway: the rows read before it are used
            result = SmartsUploadResult(outcome="rejected", error=err.message)
            reported.append((0, err.message, False))
        finally:
            stream.close()
        result.counts = self._apply(rows, registered, reported, register=register)
        result.counts["rows_rejected"] = sum(1 for r in reported if not r[2])
        finish(self._objects, self._uploads, event, result, self._clock, layout="smarts_applications",
               rejected=sorted(reported), register=register)  # fmt: skip
        return result

    def _apply(
        self,
        rows: dict[str, list[tuple[int, SmartsProfile]]],
        registered: set[str],
        reported: list[tuple[int, str, bool]],
        *,
        register: bool,
    ) -> dict[str, int]:
        counts = {"facilities": len(rows), "registered": 0, "updated": 0, "unchanged": 0, "obligations_closed": 0}
        stored = self._profiles.profiles(sorted(rows)) if rows else {}
        for wdid, listed in sorted(rows.items()):
            line, profile = speaking_row(listed)
            statuses = sorted({p.coverage_status for _, p in listed})
            if len(statuses) > 1:
                lines = ", ".join(str(n) for n, _ in listed)
                reported.append((line, f"WDID {wdid} is on lines {lines} with STATUS {' and '.join(statuses)}: line "
                                 f"{line} used (latest NOI_PROCESSED_DATE, Active on a tie)", True))  # fmt: skip
            if profile.coverage_status == TERMINATED and profile.not_effective_date is None:
                reported.append((line, f"WDID {wdid} is Terminated without a NOT_EFFECTIVE_DATE: its obligations "
                                 "are kept", True))  # fmt: skip
            new = wdid not in registered
            attributes = profile.profile_attributes()
            before = stored.get(wdid, {})
            if not new and all(before.get(k) == v for k, v in attributes.items()):
                counts["unchanged"] += 1
            elif self._profiles.write_smarts_profile(profile, register=register and new):
                counts["registered" if new else "updated"] += 1
            if not new and profile.coverage_status == TERMINATED and profile.not_effective_date is not None:
                counts["obligations_closed"] += self._terminate(wdid, profile.not_effective_date)
        return counts

    def _terminate(self, wdid: str, not_effective: date) -> int:
        """Close the facility's obligations the termination ends; how many were closed (none the second time)."""
        day = today(self._clock)
        closed = 0
        for obligation, sequence in self._obligations.for_facility_with_sequence(wdid):
            if ended_by_termination(obligation, not_effective, day):
                ended = closed_by_termination(obligation, not_effective, day)
                self._obligations.replace(ended, ics_sequence=next_sequence(sequence, obligation, ended))
                closed += 1
        return closed

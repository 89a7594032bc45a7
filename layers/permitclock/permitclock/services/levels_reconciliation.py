"""A SMARTS "Current Level 1 and Level 2 Pollutant Search" export uploaded under `smarts/levels/`, reconciled on
the stack against the stored Level statuses of the registered facilities it covers.

For each registered facility of a region the export covers (`rules.igp.reconciliation`): every parameter whose
SMARTS Level differs from the stored status is stored as a disagreement (`FAC#{wdid}` / `LEVELDIFF#{parameter}`),
and the facility's LRP gets one email listing the disagreements not emailed before; a stored disagreement the
export no longer shows is marked resolved. The facility's changes and its notice are one transaction (the notice
as an outbox item), then the notice is published. The notice id is the facility and the new disagreements, so a
redelivered event or a re-upload of the same export sends nothing again. Rows the export reader cannot use go to
`{key}.errors.csv`; the upload record gets the counts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Protocol

from permitclock.clock import Clock, today
from permitclock.domain.level_disagreements import StoredDisagreement
from permitclock.domain.levels import Level, ParameterStatus
from permitclock.domain.notices import LevelDifference, LevelsDisagreementFacts, NoticeRequest, Recipient
from permitclock.domain.uploads import SmartsUploadResult
from permitclock.errors import BadInput
from permitclock.events import ObjectEvent
from permitclock.intake.level_export import read_level_export
from permitclock.rules.igp.reconciliation import Disagreement, reconcile
from permitclock.services.ports import Members, NoticePublisher, UploadObjects, Uploads
from permitclock.services.smarts_intake import claim, finish

LEVELS_PREFIX = "smarts/levels/"
LAYOUT = "smarts_level_export"


class Statuses(Protocol):
    """A facility's stored Level statuses (`adapters.levels.LevelStore`)."""

    def statuses(self, wdid: str) -> dict[str, ParameterStatus]: ...


class Disagreements(Protocol):
    """Stored disagreements (`adapters.level_disagreements.LevelDisagreements`)."""

    def for_facility(self, wdid: str) -> list[StoredDisagreement]: ...

    def commit(self, changed: Sequence[StoredDisagreement], notice: NoticeRequest | None, now: datetime) -> None:
        """The changed disagreements and the notice's outbox item, in one transaction."""
        ...

    def notices_published(self, notices: Sequence[NoticeRequest]) -> None: ...


def notice_id(wdid: str, new: Iterable[Disagreement]) -> str:
    """Stable for the facility and the disagreements it reports (sorted), whatever export showed them."""
    text = "\x1f".join(f"{d.parameter}\x1e{d.smarts_level}\x1e{d.permitclock_level}" for d in sorted(
        new, key=lambda d: d.parameter))  # fmt: skip
    return f"levels-disagreement:{wdid}:{hashlib.sha256(text.encode()).hexdigest()[:16]}"


class LevelsReconciliation:
    """The use case behind the SMARTS intake for `smarts/levels/` uploads."""

    def __init__(
        self,
        *,
        objects: UploadObjects,
        uploads: Uploads,
        facility_pages: Callable[[], Iterable[list[str]]],
        statuses: Statuses,
        disagreements: Disagreements,
        members: Members,
        publisher: NoticePublisher,
        clock: Clock,
    ) -> None:
        self._objects = objects
        self._uploads = uploads
        self._facility_pages = facility_pages
        self._statuses = statuses
        self._disagreements = disagreements
        self._members = members
        self._publisher = publisher
        self._clock = clock

    def handle(self, event: ObjectEvent) -> SmartsUploadResult:
        skipped = claim(self._uploads, event, LEVELS_PREFIX, "smarts_levels", self._clock)
        if skipped is not None:
            return skipped
        key = event.key
        stream = self._objects.open(event.bucket, key, event.version_id)
        try:
            export = read_level_export(stream, name=key)
        except BadInput as err:
            rejected = SmartsUploadResult(outcome="rejected", error=err.message)
            finish(self._objects, self._uploads, event, rejected, self._clock, layout=LAYOUT)
            return rejected
        finally:
            stream.close()
        registered = [w for page in self._facility_pages() for w in page if export.covers(w)]
        ours: dict[tuple[str, str], Level] = {
            (wdid, parameter): status.level
            for wdid in registered
            for parameter, status in self._statuses.statuses(wdid).items()
        }
        result = reconcile(export.levels, export.covers, ours, registered)
        by_wdid: dict[str, list[Disagreement]] = {w: [] for w in result.compared_wdids}
        for d in result.disagreements:
            by_wdid[d.wdid].append(d)
        counts = {"rows_skipped": len(export.skipped), "compared_facilities": len(registered),
                  "disagreements": len(result.disagreements), "new": 0, "resolved": 0, "notices": 0}  # fmt: skip
        for wdid, found in by_wdid.items():
            self._facility(wdid, found, key, counts)
        outcome = SmartsUploadResult(outcome="accepted", counts=counts)
        finish(self._objects, self._uploads, event, outcome, self._clock, layout=LAYOUT,
               rejected=[(s.line, s.reason) for s in export.skipped])  # fmt: skip
        return outcome

    def _facility(self, wdid: str, found: list[Disagreement], key: str, counts: dict[str, int]) -> None:
        day = today(self._clock)
        stored = {d.parameter: d for d in self._disagreements.for_facility(wdid)}
        new = [
            d for d in found
            if (s := stored.get(d.parameter)) is None or s.status != "open"
            or (s.smarts_level, s.permitclock_level) != (d.smarts_level, d.permitclock_level)
        ]  # fmt: skip
        now_open = {d.parameter for d in found}
        resolved = [
            s.model_copy(update={"status": "resolved", "resolved_on": day, "export_key": key})
            for s in stored.values()
            if s.status == "open" and s.parameter not in now_open
        ]
        if not new and not resolved:
            return
        notice = self._notice(wdid, new, key) if new else None
        changed = [
            StoredDisagreement(
                wdid=wdid, parameter=d.parameter, smarts_level=d.smarts_level, permitclock_level=d.permitclock_level,
                found_on=day, export_key=key, notice_id=notice.notice_id if notice else None,
            )
            for d in new
        ] + resolved  # fmt: skip
        self._disagreements.commit(changed, notice, self._clock.now())
        counts["new"] += len(new)
        counts["resolved"] += len(resolved)
        if notice is not None:
            counts["notices"] += 1
            try:
                self._publisher.publish(notice)
            except Exception:  # the outbox item is the durable copy: the relay publishes it
                return
            self._disagreements.notices_published([notice])

    def _notice(self, wdid: str, new: list[Disagreement], key: str) -> NoticeRequest | None:
        lrps = [m for m in self._members.members(wdid) if m.role == "LRP" and m.email]
        if not lrps:
            return None
        return NoticeRequest(
            notice_id=notice_id(wdid, new),
            kind="levels_disagreement",
            wdid=wdid,
            recipients=[Recipient(email=m.email, user_id=m.user_id, role=m.role) for m in lrps],
            include_facility_signatories=False,
            facts=LevelsDisagreementFacts(
                wdid=wdid,
                export_key=key,
                disagreements=[LevelDifference(**vars_of(d)) for d in new],
            ),
        )


def vars_of(d: Disagreement) -> dict[str, str]:
    return {"parameter": d.parameter, "smarts_level": d.smarts_level, "permitclock_level": d.permitclock_level}

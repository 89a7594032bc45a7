"""A SMARTS "Industrial Annual Reports" download uploaded under `smarts/annual-reports/` closes the Annual Report
obligations (IGP XVI.A) of the registered facilities and reporting years it shows as certified.

Each certified record (`intake.annual_reports`) of a registered facility closes that facility-year's Annual Report
obligation as done on its CERTIFIED_DATE (`workflow.duties.closed_by`), with a completion record whose actor is
`smarts-annual-reports` and whose reference is the SMARTS report id: the obligation and its record in one
transaction, only if it is still open, with the calendar feeds' notice (`domain.notices.calendar_update`). A
facility-year SMARTS lists twice is closed by its earliest certification.
An Annual Report certified before the July 1 that opens its obligation (SMARTS accepts it from June) is written
closed, so that July 1 keeps it closed; a year already past whose obligation permitclock never opened is not
tracked here and is only counted. Rows the reader rejects go to `{key}.errors.csv` by line; the upload record
gets the counts. Re-uploading the file, or a redelivered event, closes nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from permitclock.clock import Clock, today
from permitclock.domain.notices import calendar_update
from permitclock.domain.obligations import Obligation
from permitclock.domain.samples import RejectedRow
from permitclock.domain.uploads import SmartsUploadResult
from permitclock.errors import BadInput, Conflict
from permitclock.events import ObjectEvent
from permitclock.intake.annual_reports import AnnualReportRecord, read_annual_reports
from permitclock.rules.igp.obligations import annual_report_obligation
from permitclock.rules.igp.years import is_over
from permitclock.services.notice_relay import OutboxPublisher
from permitclock.services.ports import Obligations, UploadObjects, Uploads
from permitclock.services.smarts_intake import claim, finish
from permitclock.workflow.duties import Completion, closed_by

ANNUAL_REPORTS_PREFIX = "smarts/annual-reports/"
ACTOR = "smarts-annual-reports"
"""Who the history names as having recorded the Annual Report done."""
ATTEMPTS = 3
"""Tries to close one obligation that another writer changed meanwhile (the July 1 run opening it)."""


COUNTS = ("records", "rejected", "not_certified", "not_registered", "closed", "already_closed", "not_tracked")
"""The upload record's counters (docs/uploads.md, "SMARTS Annual Reports")."""


class AnnualReportIntake:
    """The use case behind the SMARTS intake for `smarts/annual-reports/` uploads."""

    def __init__(
        self,
        *,
        objects: UploadObjects,
        uploads: Uploads,
        facility_pages: Callable[[], Iterable[list[str]]],
        obligations: Obligations,
        clock: Clock,
        notices: OutboxPublisher | None = None,
    ) -> None:
        self._objects = objects
        self._uploads = uploads
        self._facility_pages = facility_pages
        self._obligations = obligations
        self._clock = clock
        self._notices = notices

    def handle(self, event: ObjectEvent) -> SmartsUploadResult:
        skipped = claim(self._uploads, event, ANNUAL_REPORTS_PREFIX, "smarts_annual_reports", self._clock)
        if skipped is not None:
            return skipped
        key = event.key
        counts = dict.fromkeys(COUNTS, 0)
        registered = {w for page in self._facility_pages() for w in page}
        earliest: dict[tuple[str, str], tuple[date, AnnualReportRecord]] = {}
        rejected: list[tuple[int, str]] = []
        error = None
        stream = self._objects.open(event.bucket, key, event.version_id)
        try:
            for row in read_annual_reports(stream, name=key, as_of=today(self._clock)):
                if isinstance(row, RejectedRow):
                    rejected.append((row.line, row.reason))
                    continue
                counts["records"] += 1
                if row.certified_on is None:
                    counts["not_certified"] += 1
                elif row.wdid not in registered:
                    counts["not_registered"] += 1
                else:
                    held = earliest.get((row.wdid, row.reporting_year))
                    if held is None or held[0] > row.certified_on:
                        earliest[(row.wdid, row.reporting_year)] = (row.certified_on, row)
        except BadInput as err:  # the whole file (its header) or the rest of it (its encoding) is unreadable
            error = err.message
            rejected.append((0, err.message))
        finally:
            stream.close()
        ids = {k: annual_report_obligation(*k).obligation_id for k in earliest}
        stored = self._obligations.get_many(sorted((wdid, ids[wdid, year]) for wdid, year in earliest))
        for (wdid, year), (certified_on, found) in earliest.items():
            counts[self._close(found, certified_on, stored.get((wdid, ids[wdid, year])))] += 1
        counts["rejected"] = len(rejected)
        result = SmartsUploadResult(outcome="rejected" if error else "accepted", counts=counts, error=error)
        finish(self._objects, self._uploads, event, result, self._clock, layout="smarts_annual_reports",
               rejected=rejected)  # fmt: skip
        return result

    def _close(self, row: AnnualReportRecord, certified_on: date, found: tuple[Obligation, int] | None) -> str:
        """Close the facility-year's Annual Report obligation (`found`: as the batched read gave it) as done on
        `certified_on`; the counter it adds to. After a conflict it is read again."""
        fresh = annual_report_obligation(row.wdid, row.reporting_year)
        completion = Completion(
            wdid=row.wdid, obligation_id=fresh.obligation_id, completed_on=certified_on,
            reference=row.smarts_report_id, source=ACTOR, actor_user_id=ACTOR, at=self._clock.now(),
        )  # fmt: skip
        for attempt in range(ATTEMPTS):
            if attempt:
                found = self._obligations.get(row.wdid, fresh.obligation_id)
            if found is None and is_over(row.reporting_year, today(self._clock)):
                return "not_tracked"
            obligation, sequence = found if found is not None else (fresh, None)
            if obligation.status == "closed":
                return "already_closed"
            feeds = calendar_update(row.wdid, "smarts_annual_report", [fresh.obligation_id], completion.at)
            try:
                self._obligations.complete(closed_by(obligation, completion), ics_sequence=sequence,
                                           completion=completion, notices=[feeds])  # fmt: skip
            except Conflict as err:
                if err.code == "obligation_closed":
                    return "already_closed"
                continue
            if self._notices is not None:
                self._notices.publish([feeds])  # the calendars follow (`services.calendars`)
            return "closed"
        raise Conflict(f"{fresh.obligation_id} kept changing: retried {ATTEMPTS} times", code="concurrent_update")

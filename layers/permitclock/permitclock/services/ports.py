"""The ports more than one use case needs: what a service asks of the world, never how (no boto3 here).

Each is a `Protocol`; `permitclock.adapters` implements them on DynamoDB, S3, SQS and SES, and `tests/fakes/`
in memory (`tests/contract/` runs the same cases against both). A port only one use case needs sits beside
that use case (e.g. `attachment_intake.Documents`, `calendars.FeedStore`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import IO, Any, Protocol

from permitclock.domain.members import Member
from permitclock.domain.notices import NoticeRequest
from permitclock.domain.obligations import Obligation
from permitclock.workflow.duties import Completion


class NoticePublisher(Protocol):
    """Hands a notice to the notifier (`adapters.publisher.SqsNoticePublisher`: the notices queue)."""

    def publish(self, notice: NoticeRequest) -> None: ...


class Obligations(Protocol):
    """Obligations with their calendar SEQUENCE (`adapters.obligations.ObligationStore`)."""

    def put_new(self, obligation: Obligation) -> bool:
        """Open it unless one with its id exists; False when it did."""
        ...

    def get(self, wdid: str, obligation_id: str) -> tuple[Obligation, int] | None: ...

    def get_many(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], tuple[Obligation, int]]:
        """The stored ones of (wdid, obligation id) `keys`, each with its SEQUENCE, in batched consistent reads."""
        ...

    def replace(self, obligation: Obligation, *, ics_sequence: int) -> None:
        """Write a changed obligation; a moved due date comes with a new SEQUENCE."""
        ...

    def complete(
        self,
        obligation: Obligation,
        *,
        ics_sequence: int | None,
        completion: Completion,
        notices: Sequence[NoticeRequest] = (),
    ) -> None:
        """Write it closed with its completion record and `notices` as outbox items, in one transaction, only if
        the stored one is still open at `ics_sequence` (None: only if none is stored yet); `Conflict` otherwise."""
        ...

    def for_facility_with_sequence(self, wdid: str) -> list[tuple[Obligation, int]]: ...

    def due_through(self, last_day: date) -> Iterator[tuple[Obligation, int]]:
        """Every open dated obligation due on or before `last_day` (overdue ones included)."""
        ...


class Members(Protocol):
    """Who holds a role at a facility (`adapters.facilities.FacilityDirectory`)."""

    def members(self, wdid: str) -> list[Member]:
        """Everyone with a role at the facility (with their notice preferences), by user id."""
        ...


class Profiles(Protocol):
    """Facility profiles (`adapters.facilities.FacilityDirectory`), e.g. for the coverage SMARTS records."""

    def profile(self, wdid: str) -> dict[str, Any] | None: ...


class Facilities(Profiles, Members, Protocol):
    """Facility profiles and who holds a role where (`adapters.facilities.FacilityDirectory`)."""

    def facility_name(self, wdid: str) -> str:
        """The profile's name, else the WDID."""
        ...

    def facilities_of(self, user_id: str) -> list[str]:
        """The WDIDs where the user holds a role, sorted."""
        ...


class Claims(Protocol):
    """Send claims, one per (notice, recipient), and the suppression list (`adapters.send_claims.SendClaims`)."""

    def claim(self, notice_id: str, address: str, now: datetime) -> bool:
        """Take the right to send; False when it was sent, failed for good, or another attempt holds a lease."""
        ...

    def mark(self, notice_id: str, address: str, status: str, detail: str | None) -> None: ...

    def release(self, notice_id: str, address: str) -> None: ...

    def status(self, notice_id: str, address: str) -> str | None: ...

    def is_suppressed(self, address: str) -> bool: ...

    def suppress(self, address: str, reason: str, at: datetime) -> None: ...

    def lift(self, address: str) -> None: ...


class UploadObjects(Protocol):
    """Uploaded objects read as streams, and the error reports written beside them
    (`adapters.uploads.UploadObjects`)."""

    def open(self, bucket: str, key: str, version_id: str | None, start: int = 0) -> IO[bytes]:
        """The version's bytes from `start` on."""
        ...

    def put_report(self, bucket: str, key: str, body: IO[bytes]) -> str | None:
        """Write an error report; its version id (None in an unversioned bucket)."""
        ...


class UploadObjectsWithMetadata(UploadObjects, Protocol):
    """Uploaded objects with their user metadata (`x-amz-meta-*`, keys lower-cased by S3), for intakes an
    object's metadata steers (`adapters.uploads.UploadObjects`)."""

    def metadata(self, bucket: str, key: str, version_id: str | None) -> dict[str, str]: ...


class Uploads(Protocol):
    """One record per uploaded object version (`adapters.uploads.UploadRecords`)."""

    def start(self, bucket: str, key: str, version_id: str | None, attributes: dict[str, Any]) -> bool:
        """Claim the upload for processing; False when a finished record exists (a redelivered event)."""
        ...

    def finish(self, bucket: str, key: str, version_id: str | None, attributes: dict[str, Any]) -> None: ...

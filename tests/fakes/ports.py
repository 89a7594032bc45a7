"""Fakes of the shared ports (`permitclock.services.ports`)."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import IO, Any

from permitclock.adapters.send_claims import CLAIM_LEASE
from permitclock.domain.calendar_tokens import FeedOwner, LiveToken, StoredToken
from permitclock.domain.coverage import SmartsProfile
from permitclock.domain.members import Member
from permitclock.domain.notices import NoticeRequest
from permitclock.domain.obligations import Obligation
from permitclock.errors import Conflict
from permitclock.notices.recipients import recipient_hash
from permitclock.workflow.duties import Completion


class FakeNoticePublisher:
    """Collects what was published, so a test asserts on what would be sent."""

    def __init__(self) -> None:
        self.sent: list[NoticeRequest] = []

    def publish(self, notice: NoticeRequest) -> None:
        self.sent.append(notice)


class FakeObligations:
    """Obligations keyed (wdid, obligation id), each with its calendar SEQUENCE."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], tuple[Obligation, int]] = {}
        self.completions: list[Completion] = []
        self.outbox: list[NoticeRequest] = []
        """The notices `complete` wrote with the obligations (their outbox items)."""
        self.batch_reads = 0
        """How many `get_many` calls were made (each is one batched read on the table)."""

    def put_new(self, obligation: Obligation) -> bool:
        key = (obligation.facility_id, obligation.obligation_id)
        if key in self.items:
            return False
        self.items[key] = (obligation, 0)
        return True

    def get(self, wdid: str, obligation_id: str) -> tuple[Obligation, int] | None:
        return self.items.get((wdid, obligation_id))

    def get_many(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], tuple[Obligation, int]]:
        self.batch_reads += 1
        return {k: self.items[k] for k in keys if k in self.items}

    def replace(self, obligation: Obligation, *, ics_sequence: int) -> None:
        self.items[(obligation.facility_id, obligation.obligation_id)] = (obligation, ics_sequence)

    def complete(
        self,
        obligation: Obligation,
        *,
        ics_sequence: int | None,
        completion: Completion,
        notices: Sequence[NoticeRequest] = (),
    ) -> None:
        """As `ObligationStore.complete`: only if still open at `ics_sequence` (None: only if absent); the
        SEQUENCE one more; `notices` kept in `outbox`."""
        key = (obligation.facility_id, obligation.obligation_id)
        found = self.items.get(key)
        if found is not None and found[0].status == "closed":
            raise Conflict(f"obligation {obligation.obligation_id} is already closed", code="obligation_closed")
        if (found[1] if found is not None else None) != ics_sequence:
            raise Conflict("the obligation changed meanwhile: reload and retry", code="concurrent_update")
        self.items[key] = (obligation, 0 if ics_sequence is None else ics_sequence + 1)
        self.completions.append(completion)
        self.outbox.extend(notices)

    def for_facility_with_sequence(self, wdid: str) -> list[tuple[Obligation, int]]:
        return [entry for (w, _), entry in sorted(self.items.items()) if w == wdid]

    def for_facility(self, wdid: str) -> list[Obligation]:
        return [obligation for obligation, _ in self.for_facility_with_sequence(wdid)]

    def due_through(self, last_day: date) -> Iterator[tuple[Obligation, int]]:
        def due(entry: tuple[Obligation, int]) -> date | None:
            return entry[0].due or entry[0].window_end

        open_dated = [e for e in self.items.values() if e[0].status != "closed" and due(e) is not None]
        yield from sorted(
            (e for e in open_dated if (due(e) or date.max) <= last_day),
            key=lambda e: (due(e) or date.max, e[0].facility_id, e[0].obligation_id),
        )


class FakeFacilities:
    """Profiles and members (with their notice preferences), keyed as the table keys them."""

    def __init__(self) -> None:
        self.profiles: dict[str, dict[str, Any]] = {}
        self.roles: dict[tuple[str, str], Member] = {}

    def put_profile(self, wdid: str, name: str, **attributes: Any) -> None:
        self.profiles[wdid] = {"wdid": wdid, "name": name, **attributes}

    def put_member(self, member: Member) -> None:
        self.roles[(member.wdid, member.user_id)] = member

    def get_member(self, wdid: str, user_id: str) -> Member | None:
        return self.roles.get((wdid, user_id))

    def memberships(self, user_id: str) -> list[Member]:
        return [m for (_, u), m in sorted(self.roles.items()) if u == user_id]

    def profile(self, wdid: str) -> dict[str, Any] | None:
        found = self.profiles.get(wdid)
        return dict(found) if found is not None else None

    def facility_name(self, wdid: str) -> str:
        return str((self.profiles.get(wdid) or {}).get("name") or wdid)

    def members(self, wdid: str) -> list[Member]:
        return [m for (w, _), m in sorted(self.roles.items()) if w == wdid]

    def facilities_of(self, user_id: str) -> list[str]:
        return sorted({m.wdid for m in self.memberships(user_id)})


class FakeProfiles:
    """The facility import's view of `FakeFacilities`' profiles (`services.facility_import.Profiles`)."""

    def __init__(self, facilities: FakeFacilities) -> None:
        self.facilities = facilities
        self.writes = 0

    def profiles(self, wdids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {w: dict(self.facilities.profiles[w]) for w in wdids if w in self.facilities.profiles}

    def write_smarts_profile(self, profile: SmartsProfile, *, register: bool) -> bool:
        stored = self.facilities.profiles
        if profile.wdid not in stored and not register:
            return False
        stored.setdefault(profile.wdid, {"wdid": profile.wdid}).update(profile.profile_attributes())
        self.writes += 1
        return True

    def registered(self) -> Iterator[list[str]]:
        """Pages of WDIDs, as `adapters.levels.facility_wdids` reads the facility index."""
        yield sorted(self.facilities.profiles)


class FakePostSigner:
    """Signs nothing: answers the fields it was given with the key, and remembers each policy asked for."""

    def __init__(self) -> None:
        self.signed: list[dict[str, Any]] = []

    def sign(self, key: str, fields: dict[str, str], *, max_bytes: int, expires_in: int) -> tuple[str, dict[str, str]]:
        self.signed.append({"key": key, "fields": dict(fields), "max_bytes": max_bytes, "expires_in": expires_in})
        return "https://uploads.example/", {**fields, "key": key, "policy": "fake"}


class FakeUploadHistory:
    """Grants by (wdid, key); the intakes' records a test adds by key; links that name the report."""

    def __init__(self) -> None:
        self.granted: dict[tuple[str, str], dict[str, Any]] = {}
        self.by_key: dict[str, list[dict[str, Any]]] = {}

    def remember_grant(self, wdid: str, key: str, kind: str, uploaded_by: str, at: datetime) -> None:
        self.granted[(wdid, key)] = {"key": key, "kind": kind, "uploaded_by": uploaded_by, "granted_at": at.isoformat()}

    def grants(self, wdid: str) -> list[dict[str, Any]]:
        return [dict(g) for (w, _), g in self.granted.items() if w == wdid]

    def records(self, key: str, kind: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self.by_key.get(key, [])]

    def link(self, key: str, expires_in: int) -> str:
        return f"https://reports.example/{key}?expires={expires_in}"


class FakeClaims:
    """Send claims keyed (notice id, recipient hash), with the lease; the suppression list by address hash."""

    def __init__(self) -> None:
        self.claims: dict[tuple[str, str], dict[str, Any]] = {}
        self.suppressed: dict[str, str] = {}

    def claim(self, notice_id: str, address: str, now: datetime) -> bool:
        key = (notice_id, recipient_hash(address))
        held = self.claims.get(key)
        if held is not None and not (held["status"] == "sending" and held["lease_until"] < now):
            return False
        self.claims[key] = {"status": "sending", "lease_until": now + CLAIM_LEASE}
        return True

    def mark(self, notice_id: str, address: str, status: str, detail: str | None) -> None:
        self.claims[(notice_id, recipient_hash(address))] = {"status": status, "detail": detail or ""}

    def release(self, notice_id: str, address: str) -> None:
        self.claims.pop((notice_id, recipient_hash(address)), None)

    def status(self, notice_id: str, address: str) -> str | None:
        held = self.claims.get((notice_id, recipient_hash(address)))
        return str(held["status"]) if held else None

    def is_suppressed(self, address: str) -> bool:
        return recipient_hash(address) in self.suppressed

    def suppress(self, address: str, reason: str, at: datetime) -> None:
        self.suppressed[recipient_hash(address)] = reason

    def lift(self, address: str) -> None:
        self.suppressed.pop(recipient_hash(address), None)


class FakeUploadObjects:
    """Uploaded objects by (bucket, key, version id), and the error reports written beside them."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, str | None], bytes] = {}
        self.metadatas: dict[tuple[str, str, str | None], dict[str, str]] = {}
        self.reports: dict[tuple[str, str], bytes] = {}
        self.opened: list[tuple[str, int]] = []
        """(key, first byte) of every stream opened."""

    def add(
        self, bucket: str, key: str, body: bytes, version_id: str | None = None, metadata: dict[str, str] | None = None
    ) -> None:
        self.objects[(bucket, key, version_id)] = body
        self.metadatas[(bucket, key, version_id)] = metadata or {}

    def metadata(self, bucket: str, key: str, version_id: str | None) -> dict[str, str]:
        return dict(self.metadatas[(bucket, key, version_id)])

    def open(self, bucket: str, key: str, version_id: str | None, start: int = 0) -> IO[bytes]:
        self.opened.append((key, start))
        return io.BytesIO(self.objects[(bucket, key, version_id)][start:])

    def put_report(self, bucket: str, key: str, body: IO[bytes]) -> str | None:
        """The report is kept (the latest by key in `reports`) as a new version of its own."""
        self.reports[(bucket, key)] = body.read()
        version = f"report-{len(self.objects)}"
        self.add(bucket, key, self.reports[(bucket, key)], version)
        return version


class FakeUploads:
    """Upload records by (bucket, key, version id): claimed `processing`, then finished."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str, str], dict[str, Any]] = {}

    def start(self, bucket: str, key: str, version_id: str | None, attributes: dict[str, Any]) -> bool:
        at = (bucket, key, version_id or "null")
        held = self.records.get(at)
        if held is not None and held["status"] != "processing":
            return False
        self.records[at] = {"item_type": "upload", "status": "processing", **attributes}
        return True

    def finish(self, bucket: str, key: str, version_id: str | None, attributes: dict[str, Any]) -> None:
        self.records[(bucket, key, version_id or "null")].update(attributes)

    def advance(self, bucket: str, key: str, version_id: str | None, resumes: int, attributes: dict[str, Any]) -> bool:
        held = self.records.get((bucket, key, version_id or "null"))
        if held is None or held["status"] != "processing" or held.get("resumes") != resumes:
            return False
        held.update(attributes)
        return True

    def get(self, bucket: str, key: str, version_id: str | None) -> dict[str, Any] | None:
        found = self.records.get((bucket, key, version_id or "null"))
        return dict(found) if found is not None else None


class FakeCalendarTokens:
    """Calendar token items by selector and each owner's live token (`adapters.calendar_tokens`)."""

    def __init__(self) -> None:
        self.tokens: dict[str, StoredToken] = {}
        self.owners: dict[FeedOwner, LiveToken] = {}

    def find(self, selector: str) -> StoredToken | None:
        return self.tokens.get(selector)

    def live(self, owner: FeedOwner) -> LiveToken | None:
        return self.owners.get(owner)

    def replace(self, owner: FeedOwner, selector: str, verifier_sha256: str, sealed: bytes) -> None:
        previous = self.owners.get(owner)
        if previous is not None:
            del self.tokens[previous.selector]
        self.tokens[selector] = StoredToken(owner=owner, verifier_sha256=verifier_sha256)
        self.owners[owner] = LiveToken(selector, sealed)

    def create(self, owner: FeedOwner, selector: str, verifier_sha256: str, sealed: bytes) -> bool:
        if owner in self.owners:
            return False
        self.replace(owner, selector, verifier_sha256, sealed)
        return True


class FakeSealer:
    """Seals by reversing the token under its owner's name (KMS's encryption context): opening a token sealed
    for another owner fails, as KMS's Decrypt does."""

    def seal(self, token: str, owner: FeedOwner) -> bytes:
        return f"{owner.kind}#{owner.id}|{token[::-1]}".encode()

    def open(self, sealed: bytes, owner: FeedOwner) -> str:
        name, _, body = sealed.decode().partition("|")
        if name != f"{owner.kind}#{owner.id}":
            raise ValueError("sealed for another owner")
        return body[::-1]


class FakeFeeds:
    """Feed objects by key."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def read(self, key: str) -> bytes | None:
        return self.objects.get(key)

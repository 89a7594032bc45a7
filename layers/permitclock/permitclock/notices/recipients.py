"""Who receives a notice: the facility's LRP and DARs always, opted-in QISPs and DEPs in copy.

Every addressee gets an email of their own (the send claim is per notice and recipient), so "copy" is a reason
shown in the email, not a Cc header. Addresses are personal data: never log them, log `recipient_hash`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from permitclock.domain.members import COPY_ROLES, SIGNATORY_ROLES, Member
from permitclock.domain.notices import Recipient

_ROLE_ORDER = {"LRP": 0, "DAR": 1, "QISP": 2, "DEP": 3}

AddressReason = Literal["signatory", "copy"]


@dataclass(frozen=True)
class Addressee:
    """A member who gets a notice, and why: `signatory` (LRP/DAR) or `copy` (an opted-in QISP or DEP)."""

    member: Member
    reason: AddressReason


def normalize_address(email: str) -> str:
    """The form used for hashing and de-duplication: trimmed and lower-cased."""
    return email.strip().lower()


def recipient_hash(email: str) -> str:
    """SHA-256 of the normalized address: the `TO#{...}` claim key, the `SUPPRESS#{...}` key, and what logs
    show."""
    return hashlib.sha256(normalize_address(email).encode("utf-8")).hexdigest()


def notice_recipients(members: Iterable[Member], *, report_user_ids: Collection[str] | None = None) -> list[Addressee]:
    """The addressees of a facility notice (IGP roles: LRP, DAR, QISP, DEP).

    LRP and DARs always receive it. QISPs and DEPs receive a copy only if they opted in (`cc_opt_in`) and,
    when `report_user_ids` is given (the people on the report the notice is about), only if they are on it.
    A person holding several roles, or two members sharing an address, get one email, as a signatory if any
    role is.
    """
    chosen: dict[str, Addressee] = {}
    for m in members:
        if m.role in SIGNATORY_ROLES:
            reason: AddressReason = "signatory"
        elif m.role in COPY_ROLES and m.cc_opt_in and (report_user_ids is None or m.user_id in report_user_ids):
            reason = "copy"
        else:
            continue
        key = normalize_address(m.email)
        held = chosen.get(key)
        if (
            held is None
            or (held.reason == "copy" and reason == "signatory")
            or (held.reason == reason and _rank(m) < _rank(held.member))
        ):
            chosen[key] = Addressee(member=m, reason=reason)
    return sorted(chosen.values(), key=lambda a: (a.reason != "signatory", _rank(a.member)))


def signatories(members: Iterable[Member]) -> list[Addressee]:
    """Only the LRP and DARs (e.g. a report sent for certification: only they may certify)."""
    return [a for a in notice_recipients(members) if a.reason == "signatory"]


def split_for_digest(addressees: Sequence[Addressee]) -> tuple[list[Addressee], list[Addressee]]:
    """Deadline reminders: (send now, fold into the daily digest). Event notices are never digested."""
    now = [a for a in addressees if not a.member.digest]
    later = [a for a in addressees if a.member.digest]
    return now, later


def as_recipient(addressee: Addressee) -> Recipient:
    """The queue form of an addressee (`domain.notices.Recipient`)."""
    m = addressee.member
    return Recipient(email=m.email, user_id=m.user_id, role=m.role)


def merge_recipients(explicit: Iterable[Recipient], extra: Iterable[Recipient]) -> list[Recipient]:
    """Explicit recipients of a request first, then others, one per address (e.g. the uploader plus the
    signatories of a `NoticeRequest` with `include_facility_signatories`)."""
    out: dict[str, Recipient] = {}
    for r in [*explicit, *extra]:
        out.setdefault(normalize_address(r.email), r)
    return list(out.values())


def _rank(m: Member) -> tuple[int, str]:
    return (_ROLE_ORDER.get(m.role, 9), m.user_id)

"""Recipients: signatories always, opted-in QISP/DEP in copy, one email per person."""

from __future__ import annotations

from permitclock.domain.members import Member
from permitclock.domain.notices import Recipient
from permitclock.notices.recipients import (
    as_recipient,
    merge_recipients,
    notice_recipients,
    recipient_hash,
    signatories,
    split_for_digest,
)

WDID = "4 19I000033"
LRP = Member(wdid=WDID, user_id="u-lrp", email="lrp@example.com", role="LRP")
DAR = Member(wdid=WDID, user_id="u-dar", email="dar@example.com", role="DAR", digest=True)
QISP_IN = Member(wdid=WDID, user_id="u-qisp", email="qisp@example.com", role="QISP", cc_opt_in=True)
QISP_OUT = Member(wdid=WDID, user_id="u-qisp2", email="qisp2@example.com", role="QISP")
DEP_IN = Member(wdid=WDID, user_id="u-dep", email="dep@example.com", role="DEP", cc_opt_in=True)


def ids(addressees: list) -> list[tuple[str, str]]:
    return [(a.member.user_id, a.reason) for a in addressees]


def test_signatories_always_and_opted_in_copies() -> None:
    got = notice_recipients([DEP_IN, QISP_OUT, QISP_IN, DAR, LRP])
    assert ids(got) == [("u-lrp", "signatory"), ("u-dar", "signatory"), ("u-qisp", "copy"), ("u-dep", "copy")]


def test_copies_limited_to_people_on_the_report() -> None:
    got = notice_recipients([LRP, QISP_IN, DEP_IN], report_user_ids={"u-qisp"})
    assert ids(got) == [("u-lrp", "signatory"), ("u-qisp", "copy")]


def test_one_email_per_address_signatory_wins() -> None:
    same_person_as_dep = Member(wdid=WDID, user_id="u-lrp", email="LRP@Example.com ", role="DEP", cc_opt_in=True)
    got = notice_recipients([same_person_as_dep, LRP])
    assert ids(got) == [("u-lrp", "signatory")]
    assert got[0].member.role == "LRP"


def test_certification_goes_to_signatories_only() -> None:
    assert ids(signatories([LRP, DAR, QISP_IN, DEP_IN])) == [("u-lrp", "signatory"), ("u-dar", "signatory")]


def test_digest_people_are_held_back_from_immediate_reminders() -> None:
    now, later = split_for_digest(notice_recipients([LRP, DAR]))
    assert [a.member.user_id for a in now] == ["u-lrp"]
    assert [a.member.user_id for a in later] == ["u-dar"]


def test_hash_is_normalized_and_not_the_address() -> None:
    assert recipient_hash(" LRP@example.com") == recipient_hash("lrp@example.com")
    assert "lrp" not in recipient_hash("lrp@example.com")
    assert len(recipient_hash("lrp@example.com")) == 64


def test_queue_form_and_merge() -> None:
    r = as_recipient(notice_recipients([LRP])[0])
    assert r == Recipient(email="lrp@example.com", user_id="u-lrp", role="LRP")
    uploader = Recipient(email="LRP@example.com", role="uploader")
    merged = merge_recipients([uploader], [r, Recipient(email="dar@example.com", role="DAR")])
    assert [m.role for m in merged] == ["uploader", "DAR"]

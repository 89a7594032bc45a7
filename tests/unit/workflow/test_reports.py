from __future__ import annotations

from datetime import date

import pytest
from permitclock.clock import FixedClock
from permitclock.domain.notices import SentForCertificationFacts
from permitclock.domain.obligations import Obligation
from permitclock.errors import BadInput, Conflict, NotAllowed, NotFound
from permitclock.workflow.reports import (
    ObligationEffect,
    apply_obligation_effect,
    certify,
    certify_update,
    prepare_update,
    send_to_certifier,
    set_demonstrations,
    set_qisp,
)

from .conftest import BMP, PARAMS, QISP, TR_ATTACHMENT, WDID, complete_report, member, technical_report

AWAITING = "Not Submitted - certification required"


def test_dep_sends_a_complete_report_to_the_certifiers(clock: FixedClock) -> None:
    change = send_to_certifier(complete_report(), member("DEP"), [TR_ATTACHMENT], clock)
    assert change.report.status == AWAITING
    assert change.report.version == 1 and change.expected_version == 0
    h = change.history
    assert (h.actor_user_id, h.actor_role, h.from_status, h.to_status, h.seq) == (
        "user-dep",
        "DEP",
        "Future",
        AWAITING,
        1,
    )
    assert h.at == clock.now()
    (notice,) = change.notices
    assert notice.kind == "report_sent_for_certification" and notice.wdid == WDID
    assert notice.include_facility_signatories and notice.facts == SentForCertificationFacts(
        report_id="961116", report_type="Level 2 ERA Technical Report", reporting_year="2025-2026", due=date(2027, 1, 1)
    )


def test_sending_an_incomplete_report_is_refused_with_the_problem_codes(clock: FixedClock) -> None:
    with pytest.raises(Conflict) as err:
        send_to_certifier(technical_report(), member("DEP"), [], clock)
    assert err.value.code == "completion_check_failed"
    assert "no_technical_report_attachment" in err.value.message and "no_qisp" in err.value.message


def test_lrp_certifies_closes_the_obligation_and_returns_the_level_facts(clock: FixedClock) -> None:
    sent = send_to_certifier(complete_report(), member("DEP"), [TR_ATTACHMENT], clock).report
    change = certify(sent, member("LRP"), [TR_ATTACHMENT], certification_accepted=True, certifier_title="", clock=clock)
    report = change.report
    assert report.status == "Submitted"
    assert report.certification is not None
    assert report.certification.certifier_name == "LRP Person"
    assert report.certification.certifier_title == "Plant Manager"
    assert report.certification.certified_on == date(2026, 11, 3)
    assert report.certification.certification_id == "CERT-961116-2"
    assert change.obligation_effects == (
        ObligationEffect(obligation_id=sent.obligation_ids[0], kind="close", on=date(2026, 11, 3)),
    )
    assert change.submission is not None
    assert change.submission.submitted_on == date(2026, 11, 3)
    assert change.submission.demonstrations == {p: (BMP,) for p in PARAMS}


def test_a_dar_may_certify_straight_from_future(clock: FixedClock) -> None:
    change = certify(
        complete_report(),
        member("DAR"),
        [TR_ATTACHMENT],
        certification_accepted=True,
        certifier_title="EHS Director",
        clock=clock,
    )
    assert (change.history.from_status, change.history.to_status) == ("Future", "Submitted")
    assert change.report.certification and change.report.certification.certifier_title == "EHS Director"


def test_certification_needs_the_statement_and_a_title(clock: FixedClock) -> None:
    with pytest.raises(BadInput) as err:
        certify(
            complete_report(),
            member("LRP"),
            [TR_ATTACHMENT],
            certification_accepted=False,
            certifier_title="x",
            clock=clock,
        )
    assert err.value.code == "certification_statement_not_accepted"
    untitled = member("LRP").model_copy(update={"title": ""})
    with pytest.raises(BadInput) as err:
        certify(
            complete_report(),
            untitled,
            [TR_ATTACHMENT],
            certification_accepted=True,
            certifier_title=" ",
            clock=clock,
        )
    assert err.value.code == "certifier_title_required"


@pytest.mark.parametrize(
    ("role", "eauth", "code"),
    [
        ("LRP", False, "eauthorization_required"),
        ("DAR", False, "eauthorization_required"),
        ("DEP", True, "role_not_permitted"),
        ("QISP", True, "role_not_permitted"),
        ("viewer", True, "role_not_permitted"),
    ],
)
def test_only_an_lrp_or_dar_with_eauthorization_certifies(clock: FixedClock, role: str, eauth: bool, code: str) -> None:
    with pytest.raises(NotAllowed) as err:
        certify(
            complete_report(),
            member(role, eauth=eauth),
            [TR_ATTACHMENT],  # type: ignore[arg-type]
            certification_accepted=True,
            certifier_title="x",
            clock=clock,
        )
    assert err.value.code == code


def test_demonstrations_replace_per_parameter_and_reject_unknown_parameters(clock: FixedClock) -> None:
    change = set_demonstrations(technical_report(), member("QISP"), {PARAMS[0]: [BMP, BMP], PARAMS[1]: []}, clock)
    assert change.report.demonstrations == {PARAMS[0]: (BMP,)}
    assert change.history.action == "edit_demonstrations"
    assert change.history.from_status == change.history.to_status == "Future"
    with pytest.raises(BadInput) as err:
        set_demonstrations(technical_report(), member("QISP"), {"Copper": [BMP]}, clock)
    assert err.value.code == "unknown_parameter"


def test_a_member_of_another_facility_gets_not_found(clock: FixedClock) -> None:
    with pytest.raises(NotFound):
        set_qisp(technical_report(), member("LRP", wdid="1X99I000001"), QISP, clock)


ILLEGAL = [
    (
        "send twice",
        lambda c: send_to_certifier(complete_report(status=AWAITING), member("DEP"), [TR_ATTACHMENT], c),
        "already_sent_for_certification",
    ),
    (
        "send submitted",
        lambda c: send_to_certifier(complete_report(status="Submitted"), member("DEP"), [TR_ATTACHMENT], c),
        "report_submitted",
    ),
    (
        "certify submitted",
        lambda c: certify(
            complete_report(status="Submitted"),
            member("LRP"),
            [TR_ATTACHMENT],
            certification_accepted=True,
            certifier_title="x",
            clock=c,
        ),
        "report_submitted",
    ),
    (
        "certify incomplete",
        lambda c: certify(
            technical_report(),
            member("LRP"),
            [TR_ATTACHMENT],
            certification_accepted=True,
            certifier_title="x",
            clock=c,
        ),
        "completion_check_failed",
    ),
    (
        "edit submitted",
        lambda c: set_demonstrations(complete_report(status="Submitted"), member("DEP"), {}, c),
        "report_submitted",
    ),
    (
        "qisp submitted",
        lambda c: set_qisp(complete_report(status="Submitted"), member("DEP"), QISP, c),
        "report_submitted",
    ),
    (
        "demonstrations on a plan",
        lambda c: set_demonstrations(technical_report(report_type="Level 2 ERA Action Plan"), member("DEP"), {}, c),
        "demonstrations_not_applicable",
    ),
    (
        "update before submission",
        lambda c: prepare_update(
            complete_report(), member("DEP"), [TR_ATTACHMENT], reason="r", attachment_id="2087923", clock=c
        ),
        "report_not_submitted",
    ),
    (
        "update a plan",
        lambda c: prepare_update(
            complete_report(status="Submitted", report_type="Level 2 ERA Action Plan"),
            member("DEP"),
            [TR_ATTACHMENT],
            reason="r",
            attachment_id="2087923",
            clock=c,
        ),
        "updates_only_for_technical_report",
    ),
]


@pytest.mark.parametrize(("name", "command", "code"), ILLEGAL, ids=[i[0] for i in ILLEGAL])
def test_illegal_transitions_conflict(clock: FixedClock, name: str, command, code: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Conflict) as err:
        command(clock)
    assert err.value.code == code


def test_technical_report_update_lifecycle(clock: FixedClock) -> None:
    submitted = certify(
        complete_report(),
        member("LRP"),
        [TR_ATTACHMENT],
        certification_accepted=True,
        certifier_title="x",
        clock=clock,
    ).report
    revised = TR_ATTACHMENT.model_copy(update={"attachment_id": "2099999"})
    prepared = prepare_update(
        submitted,
        member("DEP"),
        [TR_ATTACHMENT, revised],
        reason=" new sampling data ",
        attachment_id="2099999",
        clock=clock,
    )
    (update,) = prepared.report.updates
    assert (update.update_id, update.reason, update.status) == ("961116-U1", "new sampling data", AWAITING)
    assert prepared.history.reason == "new sampling data"
    with pytest.raises(Conflict) as err:
        prepare_update(prepared.report, member("DEP"), [revised], reason="again", attachment_id="2099999", clock=clock)
    assert err.value.code == "update_in_progress"
    with pytest.raises(NotAllowed):
        certify_update(
            prepared.report,
            member("DEP"),
            "961116-U1",
            certification_accepted=True,
            certifier_title="x",
            clock=clock,
        )
    certified = certify_update(
        prepared.report,
        member("DAR"),
        "961116-U1",
        certification_accepted=True,
        certifier_title="",
        clock=clock,
    )
    assert certified.report.updates[0].status == "Submitted"
    assert certified.report.status == "Submitted"
    assert certified.submission is not None and certified.submission.update_id == "961116-U1"
    with pytest.raises(Conflict) as err:
        certify_update(
            certified.report,
            member("DAR"),
            "961116-U1",
            certification_accepted=True,
            certifier_title="",
            clock=clock,
        )
    assert err.value.code == "update_already_certified"
    with pytest.raises(NotFound):
        certify_update(
            certified.report,
            member("DAR"),
            "nope",
            certification_accepted=True,
            certifier_title="",
            clock=clock,
        )


@pytest.mark.parametrize(
    ("attachments", "code"),
    [
        ([], "attachment_not_found"),
        ([TR_ATTACHMENT.model_copy(update={"status": "rejected"})], "update_attachment_not_usable"),
    ],
)
def test_an_update_needs_an_accepted_technical_report_attachment(clock: FixedClock, attachments, code) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BadInput) as err:
        prepare_update(
            complete_report(status="Submitted"),
            member("DEP"),
            attachments,
            reason="r",
            attachment_id="2087923",
            clock=clock,
        )
    assert err.value.code == code


def test_obligation_effects_close_or_move_the_due_date() -> None:
    obligation = Obligation(
        program="igp",
        type="level_2_technical_report",
        facility_id=WDID,
        subject="Zinc",
        due=date(2027, 1, 1),
        section="IGP XII.D.2",
    )
    closed = apply_obligation_effect(
        obligation, ObligationEffect(obligation_id="x", kind="close", on=date(2026, 11, 3))
    )
    assert closed.status == "closed" and closed.facts["closed_on"] == date(2026, 11, 3)
    moved = apply_obligation_effect(
        obligation, ObligationEffect(obligation_id="x", kind="move_due", on=date(2027, 6, 30))
    )
    assert moved.due == date(2027, 6, 30) and moved.status == "open"

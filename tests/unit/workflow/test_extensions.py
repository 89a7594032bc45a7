from __future__ import annotations

from datetime import date

import pytest
from permitclock.clock import FixedClock
from permitclock.errors import BadInput, Conflict, NotAllowed
from permitclock.workflow.extensions import record_regional_board_extension, request_extension

from .conftest import LETTER, TR_ATTACHMENT, member, technical_report

DUE = date(2027, 1, 1)


def test_january_1_2027_moves_to_june_30_2027() -> None:
    change = request_extension(technical_report(), member("DAR"), FixedClock.on(date(2026, 12, 1)))
    assert change.report.due == date(2027, 6, 30)
    (extension,) = change.report.extensions
    assert (extension.kind, extension.previous_due, extension.new_due) == (
        "automatic",
        DUE,
        date(2027, 6, 30),
    )
    assert change.history.action == "request_extension"
    [notice] = change.notices  # the LRP and DARs are told once (the id is the report's new version)
    assert (notice.kind, notice.notice_id, notice.include_facility_signatories) == (
        "report_changed", f"report_changed:{change.report.wdid}:961116:{change.report.version}", True)  # fmt: skip
    assert (notice.facts.change, notice.facts.previous_due, notice.facts.due) == (  # type: ignore[union-attr]
        "due_moved", DUE, date(2027, 6, 30))  # fmt: skip
    assert [(e.kind, e.on) for e in change.obligation_effects] == [("move_due", date(2027, 6, 30))]


def test_requesting_on_the_due_date_is_allowed_the_day_after_is_not() -> None:
    late_evening = FixedClock.on(DUE, hour=23)
    assert request_extension(technical_report(), member("LRP"), late_evening).report.due == date(2027, 6, 30)
    with pytest.raises(Conflict) as err:
        request_extension(technical_report(), member("LRP"), FixedClock.on(date(2027, 1, 2), hour=0))
    assert err.value.code == "extension_request_too_late"


def test_the_automatic_extension_is_once_per_report() -> None:
    clock = FixedClock.on(date(2026, 12, 1))
    once = request_extension(technical_report(), member("LRP"), clock).report
    with pytest.raises(Conflict) as err:
        request_extension(once, member("DAR"), clock)
    assert err.value.code == "extension_already_used"


@pytest.mark.parametrize("role", ["DEP", "QISP", "viewer"])
def test_only_lrp_or_dar_request_extensions(role: str) -> None:
    with pytest.raises(NotAllowed) as err:
        request_extension(technical_report(), member(role), FixedClock.on(date(2026, 12, 1)))  # type: ignore[arg-type]
    assert err.value.code == "role_not_permitted"


@pytest.mark.parametrize(
    ("report", "code"),
    [
        (technical_report(report_type="Level 1 ERA Report"), "extension_not_available"),
        (technical_report(report_type="Level 2 ERA Action Plan"), "extension_not_available"),
        (technical_report(status="Submitted"), "report_submitted"),
    ],
)
def test_automatic_extension_refusals(report, code: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Conflict) as err:
        request_extension(report, member("LRP"), FixedClock.on(date(2026, 12, 1)))
    assert err.value.code == code


def test_once_a_regional_board_extension_moved_the_due_date_the_automatic_one_is_refused(clock: FixedClock) -> None:
    board = record_regional_board_extension(
        technical_report(), member("LRP"), [LETTER], approval_letter_attachment_id=LETTER.attachment_id,
        new_due=date(2027, 3, 1), clock=clock,
    ).report  # fmt: skip
    with pytest.raises(Conflict) as err:
        request_extension(board, member("LRP"), clock)
    assert err.value.code == "regional_board_extension_recorded"
    with pytest.raises(Conflict) as err:  # a due date the permit did not set (not January 1)
        request_extension(technical_report(due=date(2027, 3, 1)), member("LRP"), clock)
    assert err.value.code == "extension_not_available"
    with pytest.raises(BadInput) as bad:  # after the old due date, but not after today
        record_regional_board_extension(
            technical_report(due=date(2026, 1, 1)), member("LRP"), [LETTER],
            approval_letter_attachment_id=LETTER.attachment_id, new_due=date(2026, 11, 3), clock=clock,
        )  # fmt: skip
    assert bad.value.code == "new_due_not_later"


def test_regional_board_extension_records_the_letter_and_new_due(clock: FixedClock) -> None:
    extended = request_extension(technical_report(), member("LRP"), clock).report
    change = record_regional_board_extension(
        extended,
        member("DAR"),
        [LETTER],
        approval_letter_attachment_id=LETTER.attachment_id,
        new_due=date(2027, 12, 31),
        clock=clock,
    )
    assert change.report.due == date(2027, 12, 31)
    assert change.report.extensions[-1].approval_letter_attachment_id == LETTER.attachment_id
    assert change.report.extensions[-1].previous_due == date(2027, 6, 30)


@pytest.mark.parametrize(
    ("letter_id", "attachments", "new_due", "code"),
    [
        ("3000001", [LETTER], DUE, "new_due_not_later"),
        ("3000001", [LETTER], date(2031, 11, 4), "new_due_too_far"),  # five years from 2026-11-03, and a day
        ("3000001", [LETTER], date(9999, 12, 31), "new_due_too_far"),
        (
            "3000001",
            [TR_ATTACHMENT.model_copy(update={"attachment_id": "3000001"})],
            date(2027, 9, 1),
            "approval_letter_wrong_type",
        ),
        ("missing", [LETTER], date(2027, 9, 1), "attachment_not_found"),
        (
            "3000001",
            [LETTER.model_copy(update={"status": "rejected"})],
            date(2027, 9, 1),
            "approval_letter_not_accepted",
        ),
    ],
)
def test_regional_board_extension_bad_input(clock, letter_id, attachments, new_due, code) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BadInput) as err:
        record_regional_board_extension(
            technical_report(),
            member("LRP"),
            attachments,
            approval_letter_attachment_id=letter_id,
            new_due=new_due,
            clock=clock,
        )
    assert err.value.code == code


def test_regional_board_extension_refusals(clock: FixedClock) -> None:
    with pytest.raises(NotAllowed):
        record_regional_board_extension(
            technical_report(),
            member("DEP"),
            [LETTER],
            approval_letter_attachment_id="3000001",
            new_due=date(2027, 9, 1),
            clock=clock,
        )
    with pytest.raises(Conflict) as err:
        record_regional_board_extension(
            technical_report(status="Submitted"),
            member("LRP"),
            [LETTER, TR_ATTACHMENT],
            approval_letter_attachment_id="3000001",
            new_due=date(2027, 9, 1),
            clock=clock,
        )
    assert err.value.code == "report_submitted"

from __future__ import annotations

from datetime import UTC, datetime

from permitclock.domain.reports import ReportAttachment
from permitclock.workflow.completion import completion_check

from .conftest import PARAMS, TR_ATTACHMENT, complete_report, technical_report


def test_a_complete_technical_report_has_no_problem() -> None:
    assert completion_check(complete_report(), [TR_ATTACHMENT]) == ()


def test_every_problem_is_reported_at_once() -> None:
    rejected = ReportAttachment(attachment_id="9", file_type="SWPPP", status="rejected")
    problems = completion_check(
        technical_report(demonstrations={PARAMS[0]: ("Non-Industrial Pollutant Source Demonstration",)}),
        [rejected],
    )
    assert [(p.code, p.parameter, p.attachment_id) for p in problems] == [
        ("no_technical_report_attachment", None, None),
        ("parameter_without_demonstration", PARAMS[1], None),
        ("no_qisp", None, None),
        ("rejected_attachment_attached", None, "9"),
    ]


def test_only_an_accepted_technical_report_attachment_counts() -> None:
    for attachment in (
        TR_ATTACHMENT.model_copy(update={"status": "deleted"}),
        TR_ATTACHMENT.model_copy(update={"file_type": "Supporting Documentation"}),
        TR_ATTACHMENT.model_copy(update={"file_type": None}),
    ):
        codes = [p.code for p in completion_check(complete_report(), [attachment])]
        assert codes == ["no_technical_report_attachment"]


def test_other_report_types_need_their_own_attachment_and_no_demonstrations() -> None:
    plan = complete_report(report_type="Level 2 ERA Action Plan", demonstrations={})
    assert [p.code for p in completion_check(plan, [TR_ATTACHMENT])] == ["no_report_attachment"]
    own = ReportAttachment(attachment_id="1", file_type="Level 2 ERA Action Plan", status="accepted")
    assert completion_check(plan, [own]) == ()


def test_a_rejected_attachment_stands_until_a_corrected_file_of_its_type_follows() -> None:
    rejected = TR_ATTACHMENT.model_copy(
        update={"attachment_id": "9", "status": "rejected", "date_attached": datetime(2026, 11, 2, tzinfo=UTC)}
    )
    earlier = TR_ATTACHMENT.model_copy(update={"date_attached": datetime(2026, 11, 1, tzinfo=UTC)})
    later = TR_ATTACHMENT.model_copy(update={"date_attached": datetime(2026, 11, 3, tzinfo=UTC)})
    other_type = later.model_copy(update={"attachment_id": "8", "file_type": "Supporting Documentation"})

    assert [p.code for p in completion_check(complete_report(), [rejected, earlier])] == [
        "rejected_attachment_attached"
    ]
    assert [p.code for p in completion_check(complete_report(), [rejected, earlier, other_type])] == [
        "rejected_attachment_attached"
    ]
    assert completion_check(complete_report(), [rejected, later]) == ()

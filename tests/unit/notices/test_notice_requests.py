"""A notice request's facts are the model of its kind, on the queue and off it."""

from __future__ import annotations

from datetime import date

import pytest
from permitclock.domain.notices import AttachmentRejectedFacts, NoticeRequest, ReminderFacts, SentForCertificationFacts
from pydantic import ValidationError

from .conftest import make_obligation

WDID = "4 19I000033"


def test_the_queue_form_reads_back_as_the_facts_of_its_kind() -> None:
    obligation = make_obligation(date(2027, 1, 1), facility_id=WDID)
    facts = ReminderFacts.from_obligation(
        obligation, facility_name="Harbor", today=date(2026, 12, 25), step_id="before-7", ics_sequence=2
    )
    sent = NoticeRequest(notice_id="n", kind="deadline_reminder", wdid=WDID, facts=facts)

    received = NoticeRequest.model_validate_json(sent.model_dump_json())

    assert received == sent and isinstance(received.facts, ReminderFacts)
    assert (received.facts.obligation, received.facts.ics_sequence) == (obligation, 2)


def test_an_attachment_rejection_still_reads_the_errors_key() -> None:
    request = NoticeRequest.model_validate(
        {"notice_id": "n", "kind": "attachment_rejected", "wdid": WDID,
         "facts": {"report_id": "r", "file_name": "a.pdf", "errors": [{"code": "not_pdf", "message": "no"}]}}
    )  # fmt: skip

    assert isinstance(request.facts, AttachmentRejectedFacts)
    assert [r.code for r in request.facts.reasons] == ["not_pdf"]


def test_facts_of_another_kind_or_missing_fields_are_refused() -> None:
    other_kind = SentForCertificationFacts(report_id="r")
    with pytest.raises(ValidationError, match="file_name"):
        NoticeRequest(notice_id="n", kind="attachment_rejected", wdid=WDID, facts=other_kind)
    with pytest.raises(ValidationError, match="report_id"):
        NoticeRequest.model_validate({"notice_id": "n", "kind": "report_sent_for_certification", "wdid": WDID})

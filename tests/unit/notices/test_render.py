"""Email templates: every kind renders its key facts in both parts; HTML escapes hostile input."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

import pytest
from permitclock.domain.notices import NoticeRequest
from permitclock.errors import BadInput
from permitclock.notices.digest import digest_entry, group_entries
from permitclock.notices.guide import guide_for, type_key
from permitclock.notices.render import (
    DISCLAIMER,
    DigestFacts,
    ReminderFacts,
    days_phrase,
    render_notice,
    render_request,
)

from .conftest import WDID, make_obligation

HOSTILE = 'Acme <script>alert("x")</script> & Sons'
TODAY = date(2026, 12, 2)


def reminder(name: str = "Acme Plating", today: date = TODAY, **kw: object) -> ReminderFacts:
    return ReminderFacts.from_obligation(
        make_obligation(**kw),  # type: ignore[arg-type]
        facility_name=name,
        today=today,
        step_id="before-30",
        report_id="961116",
    )


def digest_facts() -> DigestFacts:
    entries = [
        digest_entry(
            make_obligation(date(2026, 11, 1), type="Level 2 ERA Action Plan", subject="Copper, Total"),
            facility_name="Alpha Yard",
            step_id="overdue-31",
        ),
        digest_entry(
            make_obligation(date(2026, 12, 8), subject="Zinc, Total (Recoverable)"),
            facility_name="Beta Works",
            step_id=None,
        ),
        digest_entry(
            make_obligation(date(2027, 7, 15), type="Annual Report", subject="facility", period="2026-2027"),
            facility_name="Gamma Foundry",
            step_id=None,
        ),
    ]
    return DigestFacts(day=TODAY, recipient_name="Pat", groups=group_entries(entries, TODAY))


def rejected_facts(name: str = "Acme Plating", file_name: str = "tech-report.pdf") -> dict[str, object]:
    return {
        "wdid": WDID,
        "facility_name": name,
        "report_id": "961116",
        "file_name": file_name,
        "file_type": "Level 2 ERA Technical Report",
        "errors": [
            {"code": "encrypted", "message": "The PDF needs a password to open."},
            {"code": "active_content", "message": "The PDF contains JavaScript."},
        ],
    }


def certification_facts(name: str = "Acme Plating", sent_by: str = "Dana Entry") -> dict[str, object]:
    return {
        "wdid": WDID,
        "facility_name": name,
        "report_id": "961116",
        "report_type": "Level 2 ERA Technical Report",
        "reporting_year": "2024-2025",
        "due": "2027-01-01",
        "sent_by": sent_by,
        "sent_on": "2026-12-01",
    }


def both(rendered: object) -> list[str]:
    return [rendered.text, html.unescape(rendered.html)]  # type: ignore[attr-defined]


def test_days_phrase() -> None:
    assert days_phrase(date(2027, 1, 1), date(2026, 12, 2)) == "due in 30 days"
    assert days_phrase(date(2027, 1, 1), date(2026, 12, 31)) == "due tomorrow"
    assert days_phrase(date(2027, 1, 1), date(2027, 1, 1)) == "due today"
    assert days_phrase(date(2027, 1, 1), date(2027, 1, 2)) == "1 day overdue"
    assert days_phrase(date(2027, 1, 1), date(2027, 1, 15)) == "14 days overdue"


def test_obligation_types_from_the_rule_pack_find_their_guide() -> None:
    assert type_key("Level 2 ERA Technical Report") == "level2_era_technical_report"
    assert type_key("level_2_technical_report") == "level2_era_technical_report"
    assert guide_for("Level 1 ERA Evaluation").label == "Level 1 ERA Evaluation"
    assert guide_for("closure_cost_estimate").label == "Closure cost estimate"


def test_deadline_reminder_has_every_key_fact_in_both_parts() -> None:
    out = render_notice("deadline_reminder", reminder())
    assert out.subject == (
        "[permitclock] Level 2 ERA Technical Report due in 30 days: Acme Plating "
        "(4 19I012345, Zinc, Total (Recoverable))"
    )
    for part in both(out):
        for fact in (
            "Acme Plating",
            WDID,
            "Zinc, Total (Recoverable)",
            "Level 2 ERA Technical Report",
            "Friday, January 1, 2027",
            "due in 30 days",
            "961116",
            "Request Extension",
            "Industrial Exceedance Response Action Reports",
            "not a formal notice",
        ):
            assert fact in " ".join(part.split()), (fact, part[:200])


def test_overdue_reminder_says_so() -> None:
    out = render_notice("deadline_reminder", reminder(today=date(2027, 1, 8)))
    assert "7 days overdue" in out.subject
    for part in both(out):
        assert "This deadline has passed" in part


def test_a_reminder_offers_the_automatic_extension_only_while_it_can_be_requested() -> None:
    offered = render_notice("deadline_reminder", reminder(today=date(2027, 1, 1)))  # the due date itself
    overdue = render_notice("deadline_reminder", reminder(today=date(2027, 1, 8)))
    moved = reminder(due=date(2027, 6, 30), today=date(2027, 6, 1))  # extended: a June 30 due date
    after = render_notice("deadline_reminder", moved)
    extended_facts = moved.obligation.model_copy(update={"facts": {"extended_from": "2027-01-01"}})  # type: ignore[union-attr]
    board = render_notice("deadline_reminder", moved.model_copy(update={"obligation": extended_facts}))
    for part in both(offered):
        assert "Request Extension" in part
    for out in (overdue, after, board):
        for part in both(out):
            assert "Request Extension" not in part and "can no longer be requested" in " ".join(part.split())
    other = render_notice("deadline_reminder", reminder(type="Level 2 ERA Action Plan", today=date(2027, 1, 8)))
    assert "extension" not in other.text.lower()


def test_facility_level_obligation_reads_facility_wide() -> None:
    facts = reminder(type="Annual Report", subject="facility", due=date(2027, 7, 15))
    out = render_notice("deadline_reminder", facts)
    assert "Facility-wide" in out.text and "Facility-wide" in out.html
    assert "Annual Reports" in out.text


def test_daily_digest_groups_by_urgency_in_both_parts() -> None:
    out = render_notice("daily_digest", digest_facts())
    assert out.subject == "[permitclock] Daily digest for Wednesday, December 2, 2026: 3 open items, 1 overdue"
    text = out.text
    assert text.index("OVERDUE (1)") < text.index("DUE WITHIN 7 DAYS (1)") < text.index("LATER (1)")
    page = html.unescape(out.html)
    assert page.index("Overdue (1)") < page.index("Due within 7 days (1)") < page.index("Later (1)")
    for part in both(out):
        for fact in (
            "Alpha Yard",
            "Beta Works",
            "Gamma Foundry",
            "31 days overdue",
            "due in 6 days",
            "Level 2 ERA Action Plan",
            "Annual Report",
            "reminder today",
            "not a formal notice",
        ):
            assert fact in " ".join(part.split()), fact


def test_attachment_rejected_lists_reasons_and_the_fix() -> None:
    out = render_notice("attachment_rejected", rejected_facts())
    assert "961116" in out.subject
    for part in both(out):
        for fact in (
            "tech-report.pdf",
            "961116",
            "encrypted",
            "The PDF needs a password to open.",
            "active_content",
            "upload a corrected file",
            WDID,
            "not a formal notice",
        ):
            assert fact in " ".join(part.split()), fact


def test_report_sent_for_certification_names_sender_and_next_step() -> None:
    out = render_notice("report_sent_for_certification", certification_facts())
    assert "Ready for your certification" in out.subject
    for part in both(out):
        for fact in (
            "961116",
            "Dana Entry",
            "Level 2 ERA Technical Report for 2024-2025",
            "Documents Ready for Certification",
            "certify",
            "eAuthorization",
            "Friday, January 1, 2027",
            "not a formal notice",
        ):
            assert fact in " ".join(part.split()), fact


def changed_facts(name: str = "Acme Plating", **change: object) -> dict[str, object]:
    return {"wdid": WDID, "facility_name": name, "report_id": "L2TR-2024-2025", "report_type":
            "Level 2 ERA Technical Report", "reporting_year": "2024-2025", "due": "2027-06-30", **change}  # fmt: skip


def test_report_changed_says_the_due_date_moved_or_the_report_was_certified() -> None:
    moved = render_notice(
        "report_changed", changed_facts(change="due_moved", previous_due="2027-01-01", extension="regional_board")
    )
    assert "Report L2TR-2024-2025 due Wednesday, June 30, 2027" in moved.subject
    for part in both(moved):
        text = " ".join(part.split())
        assert "from Friday, January 1, 2027 to" in text and "Wednesday, June 30, 2027" in text
        assert "the Regional Water Board approved in writing" in text
    certified = render_notice("report_changed", changed_facts(
        name=HOSTILE, change="certified", certified_on="2027-05-03", certified_by="<b>Lee</b>",
        certification_id="CERT-L2TR-2024-2025-7"))  # fmt: skip
    assert "certified and submitted" in certified.subject
    for part in both(certified):
        assert "CERT-L2TR-2024-2025-7" in part and "Monday, May 3, 2027" in " ".join(part.split())
    assert "<b>Lee" not in certified.html and "<script>" not in certified.html


@pytest.mark.parametrize(
    "kind", ["deadline_reminder", "daily_digest", "attachment_rejected", "report_sent_for_certification"]
)
def test_html_escapes_hostile_input(kind: str) -> None:
    facts: Any
    if kind == "deadline_reminder":
        facts = reminder(name=HOSTILE, subject="<img src=x onerror=alert(1)>")
    elif kind == "daily_digest":
        d = digest_facts()
        entry = d.groups[0].entries[0].model_copy(update={"facility_name": HOSTILE})
        facts = d.model_copy(update={"groups": group_entries([entry], TODAY), "recipient_name": HOSTILE})
    elif kind == "attachment_rejected":
        facts = rejected_facts(name=HOSTILE, file_name="<script>x</script>.pdf")
    else:
        facts = certification_facts(name=HOSTILE, sent_by="<b>Mallory</b>")
    out = render_notice(kind, facts)
    assert "<script>" not in out.html and "<img" not in out.html and "<b>Mallory" not in out.html
    assert "&lt;script&gt;" in out.html
    assert "\n" not in out.subject and "\r" not in out.subject


def test_disclaimer_and_copy_reason_in_every_kind() -> None:
    out = render_notice("attachment_rejected", rejected_facts(), role="QISP", copy=True)
    assert "because you asked for copies" in out.text and "as QISP" in out.html
    assert " ".join(DISCLAIMER.split()) in " ".join(out.text.split())


def test_render_request_takes_wdid_from_the_request_and_ignores_internal_facts() -> None:
    facts = rejected_facts()
    del facts["wdid"], facts["facility_name"]
    facts["quarantine_key"] = "quarantine/secret-key"
    request = NoticeRequest(
        notice_id="attachment_rejected:a1",
        kind="attachment_rejected",
        wdid=WDID,
        include_facility_signatories=True,
        facts=facts,
    )
    out = render_request(request, facility_name="Acme Plating")
    assert WDID in out.text and "quarantine/secret-key" not in out.text + out.html


def test_missing_facts_are_a_domain_error() -> None:
    with pytest.raises(BadInput) as err:
        render_notice("attachment_rejected", {"wdid": WDID})
    assert err.value.code == "bad_notice_facts"
    with pytest.raises(BadInput):
        render_notice("carrier_pigeon", {})

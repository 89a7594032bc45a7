"""Builders for workflow tests: a facility, its members, a Technical Report and its attachments."""

from __future__ import annotations

from datetime import date

import pytest
from permitclock.clock import FixedClock
from permitclock.domain.members import Member, Role
from permitclock.domain.reports import QispRecord, Report, ReportAttachment

WDID = "5S34I025848"
PARAMS = ("Total Suspended Solids (TSS)", "Zinc, Total (Recoverable)")
BMP = "Industrial Activity BMP Demonstration (Part 2.a.iii)"
QISP = QispRecord(certificate_number="F09876", first_name="Qisp", last_name="Industrial", zip="95814")


def member(role: Role, *, eauth: bool | None = None, wdid: str = WDID) -> Member:
    signs = role in ("LRP", "DAR")
    return Member(
        wdid=wdid,
        user_id=f"user-{role.lower()}",
        role=role,
        name=f"{role} Person",
        title="Plant Manager" if signs else "",
        eauthorization_on_file=signs if eauth is None else eauth,
    )


def technical_report(**changes: object) -> Report:
    base = Report(
        wdid=WDID,
        report_id="961116",
        report_type="Level 2 ERA Technical Report",
        reporting_year="2025-2026",
        parameters=PARAMS,
        due=date(2027, 1, 1),
        obligation_ids=("igp:5S34I025848:Zinc, Total (Recoverable):level_2_technical_report:2025-2026",),
    )
    return base.model_copy(update=changes)


def complete_report(**changes: object) -> Report:
    return technical_report(**{"demonstrations": {p: (BMP,) for p in PARAMS}, "qisp": QISP, **changes})


TR_ATTACHMENT = ReportAttachment(attachment_id="2087923", file_type="Level 2 ERA Technical Report", status="accepted")
LETTER = ReportAttachment(attachment_id="3000001", file_type="Supporting Documentation", status="accepted")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock.on(date(2026, 11, 3))

"""The report workflow's store, the notice outbox and the QISP registry: the fakes and the DynamoDB adapters
answer alike (members, reports, obligations, commits and their conflicts, the outbox items, QISP searches)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from permitclock.clock import PERMIT_TZ, FixedClock
from permitclock.domain.members import Member
from permitclock.domain.notices import NoticeRequest, SentForCertificationFacts
from permitclock.domain.reports import QispRecord
from permitclock.domain.uploads import AttachmentRecord
from permitclock.errors import Conflict
from permitclock.rules.igp.obligations import LEVEL_2_ERA_TECHNICAL_REPORT, era_obligation
from permitclock.services.era_reports import open_era_report, report_for
from permitclock.workflow.extensions import request_extension
from permitclock.workflow.qisp import QispQuery
from permitclock.workflow.reports import ReportChange, set_demonstrations

from tests.contract.conftest import Ports

WDID = "5S34I025848"
OTHER = "4 19I000033"
YEAR = "2025-2026"
PARAMS = ("Total Suspended Solids (TSS)", "Zinc, Total (Recoverable)")
BMP = "Industrial Activity BMP Demonstration (Part 2.a.iii)"
TODAY = date(2026, 11, 3)
CLOCK = FixedClock.on(TODAY)
LRP = Member(wdid=WDID, user_id="u1", role="LRP", eauthorization_on_file=True, title="Owner")
DEP = Member(wdid=WDID, user_id="u2", role="DEP")


def opened(ports: Ports) -> str:
    """The members, two Technical Report obligations, and the one report they open."""
    for m in (DEP, LRP, Member(wdid=OTHER, user_id="u1", role="viewer")):
        ports.reports.put_member(m)
    report_id = ""
    for parameter in PARAMS:
        obligation = era_obligation(LEVEL_2_ERA_TECHNICAL_REPORT, WDID, parameter, YEAR, facts={"seeded": True})
        ports.obligations.put_new(obligation)
        report_id = str(open_era_report(ports.reports, obligation).report_id)
    return report_id


def test_members_reports_and_obligations_read_back(ports: Ports) -> None:
    report_id = opened(ports)

    assert [m.wdid for m in ports.reports.memberships("u1")] == sorted([WDID, OTHER])
    assert ports.reports.get_member(WDID, "u1") == LRP
    assert ports.reports.get_member(WDID, "nobody") is None
    assert ports.reports.list_members(WDID) == [LRP, DEP]
    [report] = ports.reports.list_reports(WDID)
    assert (report.report_id, report.parameters, report.version) == (report_id, PARAMS, 1)
    assert ports.reports.list_reports(OTHER) == []
    bundle = ports.reports.get_report(WDID, report_id)
    assert bundle is not None and bundle.report == report and bundle.history == () and bundle.attachments == ()
    assert ports.reports.get_report(WDID, "L2TR") is None  # a prefix of the id is another report
    assert {o.subject for o in ports.reports.list_obligations(WDID)} == set(PARAMS)


def test_opening_a_report_again_changes_nothing(ports: Ports) -> None:
    opened(ports)
    obligation = era_obligation(LEVEL_2_ERA_TECHNICAL_REPORT, WDID, PARAMS[0], YEAR, facts={"seeded": True})
    report = report_for(obligation)
    assert report is not None

    assert ports.reports.open_report(report) == "unchanged"


def test_a_commit_moves_the_report_on_and_a_stale_one_is_refused(ports: Ports) -> None:
    report_id = opened(ports)
    bundle = ports.reports.get_report(WDID, report_id)
    assert bundle is not None
    change = set_demonstrations(bundle.report, DEP, {PARAMS[0]: [BMP]}, CLOCK)

    ports.reports.commit(change)
    with pytest.raises(Conflict) as refused:
        ports.reports.commit(change)

    assert refused.value.code == "concurrent_update"
    after = ports.reports.get_report(WDID, report_id)
    assert after is not None
    assert after.report == change.report and after.history == (change.history,)


def test_an_extension_moves_the_due_dates_and_bumps_the_calendar_sequence(ports: Ports) -> None:
    report_id = opened(ports)
    bundle = ports.reports.get_report(WDID, report_id)
    assert bundle is not None
    change = request_extension(bundle.report, LRP, CLOCK)

    ports.reports.commit(change)

    entries = ports.obligations.for_facility_with_sequence(WDID)
    assert {(o.due, sequence) for o, sequence in entries} == {(change.report.due, 1)}


def test_a_commits_notices_wait_in_the_outbox_until_published(ports: Ports) -> None:
    report_id = opened(ports)
    bundle = ports.reports.get_report(WDID, report_id)
    assert bundle is not None
    notice = NoticeRequest(
        notice_id="n-1", kind="report_sent_for_certification", wdid=WDID, facts=SentForCertificationFacts(report_id="r")
    )
    base = set_demonstrations(bundle.report, DEP, {PARAMS[0]: [BMP]}, CLOCK)
    ports.reports.commit(ReportChange.model_validate({**dict(base), "notices": (notice,)}))
    at = base.history.at

    assert ports.outbox.leftovers(at) == []  # written at `at`: not older than it
    assert ports.outbox.leftovers(at + timedelta(seconds=1)) == [notice]
    ports.reports.notices_published([notice])
    assert ports.outbox.leftovers(at + timedelta(days=1)) == []


def test_attachment_records_are_the_reports_attachments(ports: Ports) -> None:
    report_id = opened(ports)
    record = AttachmentRecord(
        attachment_id="a1", status="accepted", bucket="b", key=f"attachments/{WDID}/{report_id}/tr.pdf",
        wdid=WDID, report_id=report_id, file_type="Level 2 ERA Technical Report", title="TR",
        date_attached=datetime(2026, 11, 2, 9, tzinfo=PERMIT_TZ), size=10,
    )  # fmt: skip
    ports.attachments.put_new(record)
    ports.attachments.put_new(record.model_copy(update={"attachment_id": "a2", "report_id": "other"}))

    bundle = ports.reports.get_report(WDID, report_id)

    assert bundle is not None
    assert bundle.attachments == (record.report_attachment(),)


def test_qisp_searches_by_each_criterion(ports: Ports) -> None:
    ports.registry.put_all([
        QispRecord(certificate_number="F1", first_name="Ana", last_name="Ortiz", zip="95814"),
        QispRecord(certificate_number="F2", first_name="Bo", last_name="Ortiz", zip="95814-0001"),
        QispRecord(certificate_number="F3", first_name="Ana", last_name="Lee", zip="90012"),
    ])  # fmt: skip

    def found(query: QispQuery) -> list[str]:
        return sorted(r.certificate_number for r in ports.reports.search_qisps(query))

    record = ports.reports.get_qisp(" f1 ")
    assert record is not None and record.last_name == "Ortiz"
    assert found(QispQuery(last_name="ortiz")) == ["F1", "F2"]
    assert found(QispQuery(last_name="ORTIZ", first_name="ana")) == ["F1"]
    assert found(QispQuery(first_name="ana")) == ["F1", "F3"]
    assert found(QispQuery(zip="95814")) == ["F1", "F2"]
    assert found(QispQuery(certificate="F3")) == ["F3"]
    assert found(QispQuery(certificate="F9")) == []

"""The report workflow's store, the notice outbox and the QISP registry: the fakes and the DynamoDB adapters
answer alike (members, reports, obligations, commits and their conflicts, the outbox items, QISP searches)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from permitclock.clock import PERMIT_TZ, FixedClock
from permitclock.domain.levels import ParameterStatus
from permitclock.domain.members import Member
from permitclock.domain.notices import NoticeRequest, SentForCertificationFacts
from permitclock.domain.reports import QispRecord, Report, ReportAttachment
from permitclock.domain.uploads import AttachmentRecord
from permitclock.errors import Conflict
from permitclock.rules.igp.levels import assign_year
from permitclock.rules.igp.obligations import annual_report_obligation
from permitclock.workflow.extensions import request_extension
from permitclock.workflow.qisp import QispQuery
from permitclock.workflow.reports import ReportChange, certify, set_demonstrations

from tests.contract.conftest import Ports
from tests.unit.igp.igp_helpers import sample

WDID = "5S34I025848"
OTHER = "4 19I000033"
YEAR = "2025-2026"
PARAMS = ("Total Suspended Solids (TSS)", "Zinc, Total (Recoverable)")
BMP = "Industrial Activity BMP Demonstration (Part 2.a.iii)"
TODAY = date(2026, 11, 3)
CLOCK = FixedClock.on(TODAY)
LRP = Member(wdid=WDID, user_id="u1", role="LRP", eauthorization_on_file=True, title="Owner")
DEP = Member(wdid=WDID, user_id="u2", role="DEP")
QISP = QispRecord(certificate_number="F1", first_name="Q", last_name="P", zip="95814")
TR_ATTACHMENT = ReportAttachment(attachment_id="a1", file_type="Level 2 ERA Technical Report", status="accepted")


def complete_tr(report: Report) -> Report:
    return report.model_copy(update={"demonstrations": {p: (BMP,) for p in PARAMS}, "qisp": QISP})


def opened(ports: Ports) -> str:
    """The members, and the July 1, 2026 run of a facility whose two parameters were in Level 1 and exceeded
    again: one transaction writes the statuses, the Action Plan and Technical Report obligations and the two
    reports they open. Returns the Technical Report's id."""
    for m in (DEP, LRP, Member(wdid=OTHER, user_id="u1", role="viewer")):
        ports.reports.put_member(m)
    level_1 = {p: ParameterStatus(parameter=p, level="Level 1", since=date(2025, 7, 1)) for p in PARAMS}
    results = (("Total Suspended Solids (TSS)", "900"), ("Zinc, Total", "0.9"))
    over = [sample(n, v, date(2025, 12, 1), wdid=WDID, sample_id=f"s{i}{n}") for n, v in results for i in (1, 2)]
    assignments = assign_year(WDID, YEAR, level_1, over, as_of=date(2026, 7, 1))
    ports.levels.write_assignments(WDID, YEAR, assignments, {}, [annual_report_obligation(WDID, YEAR)], run_id="r")
    return f"L2TR-{YEAR}"


def test_the_july_1_transaction_opens_one_report_per_type_and_year(ports: Ports) -> None:
    report_id = opened(ports)

    reports = {r.report_id: r for r in ports.reports.list_reports(WDID)}
    assert sorted(reports) == [f"L2AP-{YEAR}", report_id]
    for r in reports.values():
        assert (r.parameters, r.status, r.due, r.version) == (PARAMS, "Future", r.due, 1)
        assert [o.report_id for o in ports.reports.list_obligations(WDID) if o.obligation_id in r.obligation_ids] == [
            r.report_id, r.report_id
        ]  # fmt: skip
    assert reports[report_id].due == date(2028, 1, 1)
    annual = next(o for o in ports.reports.list_obligations(WDID) if o.type == "Annual Report")
    assert annual.report_id is None


def test_a_later_update_is_due_on_the_certified_technical_report(ports: Ports) -> None:
    report_id = opened(ports)
    bundle = ports.reports.get_report(WDID, report_id)
    assert bundle is not None
    change = certify(
        complete_tr(bundle.report), LRP, [TR_ATTACHMENT], certification_accepted=True, certifier_title="", clock=CLOCK
    )
    ports.reports.commit(change)
    statuses = ports.levels.facility_year(WDID, "2026-2027").statuses
    assert {p: (s.technical_report_submitted, s.technical_report_id, s.demonstration) for p, s in statuses.items()} == {
        p: (TODAY, report_id, "industrial_activity") for p in PARAMS
    }
    assert all(o.status == "closed" for o in ports.reports.list_obligations(WDID) if o.report_id == report_id)

    again = [sample("Zinc, Total", "0.9", date(2026, 12, 1), wdid=WDID, sample_id=f"t{i}") for i in (1, 2)]
    year = "2026-2027"
    assignments = assign_year(WDID, year, statuses, again, as_of=date(2027, 7, 1))
    ports.levels.write_assignments(WDID, year, assignments, statuses, [], run_id="r2")

    [update] = [o for o in ports.reports.list_obligations(WDID) if o.type == "Level 2 ERA Technical Report Update"]
    assert (update.report_id, update.subject, update.due) == (report_id, PARAMS[1], date(2027, 7, 15))
    after = ports.reports.get_report(WDID, report_id)
    assert after is not None and after.report.update_obligation_ids == (update.obligation_id,)


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

    entries = [e for e in ports.obligations.for_facility_with_sequence(WDID) if e[0].report_id == report_id]
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

"""The report workflow's use cases over the fakes: load, decide, commit, publish; scoped to the caller."""

from __future__ import annotations

import pytest
from permitclock.clock import FixedClock
from permitclock.domain.notices import NoticeRequest
from permitclock.errors import BadInput, NotAllowed, NotFound
from permitclock.services.ports import NoticePublisher
from permitclock.services.report_workflow import Caller, ReportWorkflow
from permitclock.workflow import reports
from permitclock.workflow.roles import Action

from tests.fakes.ports import FakeNoticePublisher
from tests.fakes.reports import FakeReportStore
from tests.unit.api.conftest import OTHER_REPORT_ID, OTHER_WDID, QISP, REPORT_ID, TODAY, WDID, complete, seeded_store

DEP, LRP, VIEWER = Caller("user-dep", "Dana Prep"), Caller("user-lrp"), Caller("user-viewer")


class UnavailableQueue:
    def publish(self, notice: NoticeRequest) -> None:
        raise ConnectionError("queue unavailable")


def workflow(publisher: NoticePublisher | None = None) -> tuple[ReportWorkflow, FakeReportStore, FakeNoticePublisher]:
    sent, store = FakeNoticePublisher(), seeded_store()
    store.add_report(complete())
    return ReportWorkflow(store, publisher or sent, FixedClock.on(TODAY)), store, sent


def test_a_command_commits_then_publishes_its_notices_and_clears_the_outbox() -> None:
    # GIVEN a complete report and a DEP of its facility
    flow, store, sent = workflow()
    # WHEN the DEP sends it to the certifiers
    committed = flow.run(DEP, WDID, REPORT_ID, reports.send_to_certifier)
    # THEN the change is stored under the DEP's name, its notice published, nothing left in the outbox
    assert committed.published and [n.kind for n in sent.sent] == ["report_sent_for_certification"]
    bundle = flow.report(DEP, WDID, REPORT_ID)
    assert bundle.report == committed.change.report and bundle.history[-1].actor_user_id == "user-dep"
    assert store.outbox == {}


def test_a_failed_publish_keeps_the_change_and_the_notice_in_the_outbox() -> None:
    flow, store, _ = workflow(UnavailableQueue())

    committed = flow.run(DEP, WDID, REPORT_ID, reports.send_to_certifier)

    assert committed.published is False
    assert flow.report(DEP, WDID, REPORT_ID).report.status == "Not Submitted - certification required"
    assert list(store.outbox) == [committed.change.notices[0].notice_id]


def test_another_facilitys_report_is_not_found_and_a_role_that_may_not_is_refused() -> None:
    flow, _, _ = workflow()

    with pytest.raises(NotFound):
        flow.report(DEP, OTHER_WDID, OTHER_REPORT_ID)
    with pytest.raises(NotFound):
        flow.run(Caller("nobody"), WDID, REPORT_ID, reports.send_to_certifier)
    with pytest.raises(NotAllowed):
        flow.run(VIEWER, WDID, REPORT_ID, reports.send_to_certifier)
    assert flow.member(DEP, WDID, Action.VIEW).name == "Dana Prep"  # named as the identity provider names them


def test_a_qisp_is_chosen_from_the_registry_only() -> None:
    flow, _, _ = workflow()

    with pytest.raises(BadInput) as refused:
        flow.select_qisp(DEP, WDID, REPORT_ID, "F00000")
    committed = flow.select_qisp(DEP, WDID, REPORT_ID, f" {QISP.certificate_number.lower()} ")

    assert refused.value.code == "qisp_not_in_registry"
    assert committed.change.report.qisp == QISP


def test_the_lrp_assigns_a_role_and_the_facility_keeps_its_lrp() -> None:
    flow, _, _ = workflow()

    assigned = flow.assign(LRP, WDID, "new-dep", {"role": "DEP", "email": "dep@example.com", "title": "Tech"})

    assert flow.member(Caller("new-dep"), WDID) == assigned
    with pytest.raises(NotAllowed):
        flow.assign(DEP, WDID, "another", {"role": "DEP"})


def test_a_role_change_keeps_what_the_request_leaves_out() -> None:
    flow, _, _ = workflow()
    flow.assign(
        LRP, WDID, "pat", {"role": "DAR", "email": "pat@example.com", "title": "EHS", "eauthorization_on_file": True}
    )

    kept = flow.assign(LRP, WDID, "pat", {"role": "LRP"})
    assert (kept.role, kept.email, kept.title, kept.eauthorization_on_file) == ("LRP", "pat@example.com", "EHS", True)
    renamed = flow.assign(LRP, WDID, "pat", {"title": "Plant Manager"})
    assert (renamed.role, renamed.email, renamed.title) == ("LRP", "pat@example.com", "Plant Manager")
    # a role that signs nothing drops the eAuthorization the request did not mention
    assert not flow.assign(LRP, WDID, "pat", {"role": "DEP"}).eauthorization_on_file
    with pytest.raises(BadInput) as refused:
        flow.assign(LRP, WDID, "nobody-yet", {"email": "n@example.com"})
    assert refused.value.code == "role_required"

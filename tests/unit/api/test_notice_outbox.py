"""A committed change's notices survive a failed publish: they stay in the outbox for the relay."""

from __future__ import annotations

import pytest
from permitclock.domain.notices import NoticeRequest

from .conftest import REPORT_ID, WDID, Api, complete

SEND = f"/facilities/{WDID}/reports/{REPORT_ID}/send-to-certifier"


def test_a_published_notice_is_cleared_from_the_outbox(api: Api) -> None:
    api.store.add_report(complete())

    status, _ = api.call("POST", SEND, as_user="user-dep")

    assert status == 200
    assert [n.kind for n in api.publisher.sent] == ["report_sent_for_certification"]
    assert api.store.outbox == {}


def test_a_failed_publish_keeps_the_change_and_leaves_the_notice_in_the_outbox(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.store.add_report(complete())

    def unavailable(notice: NoticeRequest) -> None:
        raise ConnectionError("queue unavailable")

    monkeypatch.setattr(api.publisher, "publish", unavailable)

    status, body = api.call("POST", SEND, as_user="user-dep")

    assert status == 200
    assert body["report"]["status"] == "Not Submitted - certification required"
    [(_, notice)] = api.store.outbox.values()
    assert notice.kind == "report_sent_for_certification"

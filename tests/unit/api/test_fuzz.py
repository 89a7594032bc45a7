"""Hypothesis against the resolver: any path, method, caller and body gets 2xx or 4xx `{code, message}`."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import OTHER_WDID, REPORT_ID, WDID, event, make_api

SEGMENTS = st.one_of(
    st.sampled_from([WDID, OTHER_WDID, REPORT_ID, "x", "%2F", "..", "961116-U1"]),
    st.text(alphabet="abcXYZ019-_ %#", min_size=1, max_size=12),
)
TEMPLATES = [
    "/facilities",
    "/facilities/{}/reports",
    "/facilities/{}/obligations",
    "/facilities/{}/reports/{}",
    "/facilities/{}/members/{}",
    "/qisps",
    "/facilities/{}/reports/{}/demonstrations",
    "/facilities/{}/reports/{}/qisp",
    "/facilities/{}/reports/{}/completion-check",
    "/facilities/{}/reports/{}/send-to-certifier",
    "/facilities/{}/reports/{}/certify",
    "/facilities/{}/reports/{}/updates",
    "/facilities/{}/reports/{}/updates/{}/certify",
    "/facilities/{}/reports/{}/extension",
    "/facilities/{}/reports/{}/regional-board-extension",
]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.sampled_from(["2027-09-01", "LRP", "F09876"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "role",
                    "demonstrations",
                    "certificate_number",
                    "certification_accepted",
                    "reason",
                    "attachment_id",
                    "approval_letter_attachment_id",
                    "new_due",
                    "x",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=8,
)


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    template = draw(st.sampled_from(TEMPLATES))
    path = template.format(*(draw(SEGMENTS) for _ in range(template.count("{}"))))
    body = draw(st.one_of(JSON.map(json.dumps), st.text(max_size=30), st.none()))
    query = draw(
        st.dictionaries(
            st.sampled_from(["last_name", "first_name", "certificate", "zip", "q"]),
            st.text(max_size=12),
            max_size=3,
        )
    )
    caller = draw(st.sampled_from([None, "user-lrp", "user-dep", "user-viewer", "b-user-lrp", "nobody"]))
    method = draw(st.sampled_from(["GET", "PUT", "POST", "DELETE"]))
    return event(method, path, as_user=caller, query=query or None, raw_body=body)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_no_request_gets_a_server_error(request: dict[str, Any]) -> None:
    response = make_api().app.resolve(request, {})
    assert response["statusCode"] < 500
    if response["statusCode"] >= 400:
        assert set(json.loads(response["body"])) == {"code", "message"}

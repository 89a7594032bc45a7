"""The CKAN client's retries against the loopback emulator: botocore-like backoff, what is and is not retried."""

from __future__ import annotations

import pytest
from permitclock.adapters.ckan import CkanDatastore
from permitclock.errors import PortalError

from tests.ckan_emulator import Emulator, serving

RESOURCE = "r1"
RECORDS = [{"_id": i, "WDID": "1 08I000001", "RESULT": str(i)} for i in range(1, 4)]


def client(url: str, slept: list[float]) -> CkanDatastore:
    return CkanDatastore(url, sleep=slept.append, jitter=lambda: 1.0, max_attempts=4, base_delay=1.0, max_backoff=3.0)


def test_a_page_answers_fields_without_id_and_the_filtered_total() -> None:
    with serving(Emulator(resources={RESOURCE: (["WDID", "RESULT"], RECORDS)})) as portal:
        page = client(portal.url, []).page(RESOURCE, "1 08I000001", limit=2, offset=2)
    assert (page.fields, page.total, [r["RESULT"] for r in page.records]) == (["WDID", "RESULT"], 3, ["3"])


def test_server_errors_are_retried_with_truncated_exponential_backoff() -> None:
    slept: list[float] = []
    emulator = Emulator(resources={RESOURCE: (["WDID", "RESULT"], RECORDS)})
    emulator.failures[(RESOURCE, "1 08I000001", 0)] = [503, 500, 429]
    with serving(emulator) as portal:
        page = client(portal.url, slept).page(RESOURCE, "1 08I000001", limit=10, offset=0)
    assert page.total == 3 and slept == [1.0, 2.0, 3.0]  # 1 x 2^0, 2^1, then capped at max_backoff


def test_a_client_error_is_not_retried_and_persisting_errors_give_up() -> None:
    slept: list[float] = []
    emulator = Emulator(resources={RESOURCE: (["WDID"], RECORDS)})
    emulator.failures[(RESOURCE, "x", 0)] = [500] * 9
    with serving(emulator) as portal:
        with pytest.raises(PortalError, match="HTTP 404 Not found: Resource") as missing:
            client(portal.url, slept).page("nope", "x", limit=1, offset=0)
        assert missing.value.attempts == 1 and slept == []
        with pytest.raises(PortalError, match="HTTP 500") as down:
            client(portal.url, slept).page(RESOURCE, "x", limit=1, offset=0)
    assert down.value.attempts == 4 and len(slept) == 3


def test_an_unreachable_portal_is_a_retried_network_error() -> None:
    slept: list[float] = []
    with pytest.raises(PortalError, match="network error") as err:
        client("http://127.0.0.1:9", slept).page(RESOURCE, "x", limit=1, offset=0)
    assert err.value.retryable and err.value.attempts == 4

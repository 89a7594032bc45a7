"""adapters.table.batch_get: 100 keys a request, each key asked once, unprocessed keys asked again."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from permitclock.adapters.table import batch_get


class Client:
    """A BatchGetItem that holds back the first key of its first request, as DynamoDB may under load."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        ask = RequestItems["t"]
        self.requests.append(ask)
        keys = ask["Keys"]
        held = keys[:1] if len(self.requests) == 1 else []
        found = [dict(k, value=k["sk"]) for k in keys if k not in held]
        return {"Responses": {"t": found}, "UnprocessedKeys": {"t": {**ask, "Keys": held}} if held else {}}


def test_every_key_is_asked_once_in_requests_of_100_and_held_back_ones_again() -> None:
    client = Client()
    table = SimpleNamespace(name="t", meta=SimpleNamespace(client=client))
    keys = [{"pk": "FAC#1", "sk": f"OBL#{i}"} for i in range(250)]

    items = list(batch_get(table, keys + keys[:10], consistent=True, projection="pk, sk"))

    assert sorted(i["sk"] for i in items) == sorted(k["sk"] for k in keys)
    assert [len(r["Keys"]) for r in client.requests] == [100, 1, 100, 50]
    assert all(r["ConsistentRead"] is True and r["ProjectionExpression"] == "pk, sk" for r in client.requests)


def test_no_keys_no_request() -> None:
    client = Client()
    assert list(batch_get(SimpleNamespace(name="t", meta=SimpleNamespace(client=client)), [])) == []
    assert client.requests == []

"""Table plumbing every adapter shares: paging through queries, batched reads, and table values as Python values."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import ValidationError

from permitclock.observability import unreadable_item

T = TypeVar("T")
BATCH_GET_KEYS = 100
"""The most keys one BatchGetItem takes."""


def plain(value: Any) -> Any:
    """A table value as the models and callers expect it: DynamoDB gives every number back as `Decimal` (an
    integral one becomes `int`, any other stays an exact `Decimal`) and sets as sets (they become lists)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | set | tuple):
        return [plain(v) for v in value]
    return value


def readable(items: Iterable[dict[str, Any]], parse: Callable[[dict[str, Any]], T]) -> Iterator[T]:
    """`parse(item)` of each item. One that does not parse (edited by hand, an old shape) is logged by its key,
    counted (`items_unreadable`) and left out: one bad item never stops a sweep, a recompute or a listing."""
    for item in items:
        try:
            yield parse(item)
        except (ValidationError, ValueError, TypeError) as err:
            unreadable_item(item, err)


def query_pages(table: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Each response page of `table.query(**kwargs)`, following `LastEvaluatedKey` (one request per page)."""
    while True:
        page = table.query(**kwargs)
        yield page
        if "LastEvaluatedKey" not in page:
            return
        kwargs = {**kwargs, "ExclusiveStartKey": page["LastEvaluatedKey"]}


def query_all(
    table: Any, condition: Any, *, index: str | None = None, consistent: bool = False
) -> Iterator[dict[str, Any]]:
    """Every item matching a key condition, on the table or on `index`."""
    kwargs: dict[str, Any] = {"KeyConditionExpression": condition}
    if index:
        kwargs["IndexName"] = index
    if consistent:
        kwargs["ConsistentRead"] = True
    for page in query_pages(table, **kwargs):
        yield from page["Items"]


def batch_get(
    table: Any, keys: Sequence[dict[str, str]], *, consistent: bool = False, projection: str | None = None
) -> Iterator[dict[str, Any]]:
    """The items of `keys` that exist, in no set order: one BatchGetItem per 100 keys (a key listed twice asked
    once), unprocessed keys asked again. Through the resource's client, which takes and returns Python values."""
    client, name = table.meta.client, str(table.name)
    unique = list({(k["pk"], k["sk"]): k for k in keys}.values())
    for start in range(0, len(unique), BATCH_GET_KEYS):
        ask: dict[str, Any] = {"Keys": unique[start : start + BATCH_GET_KEYS]}
        if consistent:
            ask["ConsistentRead"] = True
        if projection:
            ask["ProjectionExpression"] = projection
        request: dict[str, Any] = {name: ask}
        while request:
            response = client.batch_get_item(RequestItems=request)
            yield from response.get("Responses", {}).get(name, [])
            request = response.get("UnprocessedKeys") or {}

"""Table plumbing every adapter shares: paging through queries, and table values as Python values."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import ValidationError

from permitclock.observability import unreadable_item

T = TypeVar("T")


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

"""Paging through DynamoDB queries: every adapter's multi-page read goes through here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


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

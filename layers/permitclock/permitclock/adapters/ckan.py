"""CKAN's DataStore API (`datastore_search`) over HTTPS, as the state's open-data portal serves SMARTS data
(shared/reference/smarts-open-data.md): one facility's records of one resource, page by page.

Retries follow botocore's "standard" retry mode: truncated binary exponential backoff with full jitter,
`rand(0, 1) * min(base * 2 ** (attempt - 1), max_backoff)`, a `Retry-After` header honoured up to `max_backoff`,
for connection errors, timeouts, HTTP 429 and 5xx, and a `success: false` answer with such a status. Any other
error (a 4xx, a body that is not CKAN's JSON) is not retried. The answer is untrusted: its shape is checked here
and its rows by the intake that reads what the sync writes.
"""

from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from permitclock.errors import PortalError

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RESPONSE_BYTES = 64 << 20
"""Largest page read (a 32,000-row page of the Parameter Data resource is about 4 MB)."""


@dataclass(frozen=True)
class Page:
    records: list[dict[str, Any]]
    fields: list[str]
    total: int


class CkanDatastore:
    """`GET {portal}/api/3/action/datastore_search?resource_id=&filters={"WDID": ...}&limit=&offset=`."""

    def __init__(
        self,
        portal_url: str,
        *,
        timeout: float = 30.0,
        max_attempts: int = 5,
        base_delay: float = 1.0,
        max_backoff: float = 20.0,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        opener: Callable[..., Any] = urllib.request.urlopen,
    ) -> None:
        self._url = portal_url.rstrip("/") + "/api/3/action/datastore_search"
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._base = base_delay
        self._max_backoff = max_backoff
        self._sleep = sleep
        self._jitter = jitter
        self._open = opener

    def page(self, resource_id: str, wdid: str, *, limit: int, offset: int) -> Page:
        query = urllib.parse.urlencode(
            {"resource_id": resource_id, "filters": json.dumps({"WDID": wdid}), "limit": limit, "offset": offset}
        )
        url = f"{self._url}?{query}"
        attempt = 0
        while True:
            attempt += 1
            try:
                return _parse(self._get(url))
            except PortalError as err:
                err.attempts = attempt
                if not err.retryable or attempt >= self._max_attempts:
                    raise
                self._sleep(self._delay(attempt, err.retry_after))

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        delay = self._jitter() * min(self._base * 2 ** (attempt - 1), self._max_backoff)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self._max_backoff))
        return delay

    def _get(self, url: str) -> bytes:
        request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "permitclock"})
        try:
            with self._open(request, timeout=self._timeout) as response:
                body: bytes = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as err:
            after = err.headers.get("Retry-After") if err.headers else None
            raise PortalError(
                f"HTTP {err.code} {_ckan_message(err)}".strip(),
                retryable=err.code in RETRYABLE_STATUSES,
                retry_after=float(after) if after and after.isdigit() else None,
            ) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise PortalError(f"network error: {reason}", retryable=True) from None
        if len(body) > MAX_RESPONSE_BYTES:
            raise PortalError(f"a page is larger than {MAX_RESPONSE_BYTES} bytes", retryable=False)
        return body


def _ckan_message(err: urllib.error.HTTPError) -> str:
    try:
        data = json.loads(err.read(65536) or b"{}")
        message = data.get("error", {}).get("message") or data.get("error", {}).get("__type") or ""
    except (ValueError, AttributeError, OSError):
        message = ""
    return str(message)[:200]


def _parse(body: bytes) -> Page:
    try:
        data = json.loads(body)
        if not data.get("success"):
            raise PortalError(f"portal error: {str(data.get('error'))[:200]}", retryable=False)
        result = data["result"]
        records = result["records"]
        fields = [str(f["id"]) for f in result["fields"] if f.get("id") != "_id"]
        total = int(result["total"])
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise TypeError("records")
    except PortalError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise PortalError(f"not a CKAN datastore_search answer ({err})", retryable=False) from None
    return Page(records=records, fields=fields, total=total)

"""The daily SMARTS sync: each registered facility's public SMARTS data fetched from the state's open-data
portal (CKAN `datastore_search`, filtered on `WDID`, paged with `limit`/`offset`; smarts-open-data.md) and written
to the documents bucket, where the normal intakes process it and the original is kept.

Each page is written as its own CSV object (the portal's fields as the header, `_id` left out, rows in `_id`
order) under a key naming the facility, the resource and the SHA-256 of the page's content:
`{prefix}/{wdid}/{resource id}/{hash}.csv` with the prefix of the resource (`monitoring/sync` for "Industrial Ad
Hoc Reports - Parameter Data", `smarts/facilities/sync` for "Industrial Application Specific Data"). So a page
already written is never written again (a rerun with nothing new stores nothing), and a page fetched before a
portal error is kept whatever happens to the next. Network and portal errors are retried by the client
(`adapters.ckan`) and, when they persist, reported per facility and resource with the offset reached; the run
goes on with the next one.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from permitclock.errors import PortalError

MONITORING_SYNC_PREFIX = "monitoring/sync"
FACILITIES_SYNC_PREFIX = "smarts/facilities/sync"


class Page(Protocol):
    """A page of records (`adapters.ckan.Page`): the fields in order (without `_id`) and the filtered total."""

    @property
    def records(self) -> list[dict[str, Any]]: ...

    @property
    def fields(self) -> list[str]: ...

    @property
    def total(self) -> int: ...


class Datastore(Protocol):
    """One page of a facility's records of a resource (`adapters.ckan.CkanDatastore`); raises `PortalError`."""

    def page(self, resource_id: str, wdid: str, *, limit: int, offset: int) -> Page: ...


class SyncObjects(Protocol):
    """The bucket, for what the sync writes (`adapters.sync_objects.SyncObjects`)."""

    def exists(self, key: str) -> bool: ...

    def put(self, key: str, body: bytes, metadata: dict[str, str]) -> None: ...


@dataclass(frozen=True)
class SyncResource:
    """A portal resource and where its pages go."""

    resource_id: str
    prefix: str


@dataclass
class SyncReport:
    facilities: int = 0
    pages: int = 0
    records: int = 0
    written: int = 0
    existing: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"facilities": self.facilities, "pages": self.pages, "records": self.records,
                "written": self.written, "existing": self.existing, "errors": self.errors}  # fmt: skip


def page_csv(fields: list[str], records: list[dict[str, Any]]) -> bytes:
    """The page as the data.ca.gov CSV: its fields as the header, rows in `_id` order, missing values empty."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(fields)
    for record in sorted(records, key=lambda r: str(r.get("_id", "")).rjust(20, "0")):
        writer.writerow(["" if record.get(f) is None else str(record.get(f)) for f in fields])
    return text.getvalue().encode("utf-8")


def page_key(prefix: str, wdid: str, resource_id: str, body: bytes) -> str:
    return f"{prefix}/{wdid.replace(' ', '_')}/{resource_id}/{hashlib.sha256(body).hexdigest()[:24]}.csv"


class SmartsSync:
    """The use case behind the SMARTS sync function (`{"job": "smarts-sync"}`)."""

    def __init__(
        self,
        *,
        datastore: Datastore,
        objects: SyncObjects,
        facility_pages: Callable[[], Iterable[list[str]]],
        resources: Iterable[SyncResource],
        page_size: int = 1000,
    ) -> None:
        self._datastore = datastore
        self._objects = objects
        self._facility_pages = facility_pages
        self._resources = list(resources)
        self._page_size = page_size

    def run(self) -> SyncReport:
        report = SyncReport()
        for page in self._facility_pages():
            for wdid in page:
                report.facilities += 1
                for resource in self._resources:
                    self._sync(wdid, resource, report)
        return report

    def _sync(self, wdid: str, resource: SyncResource, report: SyncReport) -> None:
        offset = 0
        while True:
            try:
                page = self._datastore.page(resource.resource_id, wdid, limit=self._page_size, offset=offset)
            except PortalError as err:
                report.errors.append({"wdid": wdid, "resource_id": resource.resource_id, "offset": offset,
                                      "attempts": err.attempts, "error": str(err)})  # fmt: skip
                return
            if not page.records:
                return
            report.pages += 1
            report.records += len(page.records)
            body = page_csv(page.fields, page.records)
            key = page_key(resource.prefix, wdid, resource.resource_id, body)
            if self._objects.exists(key):
                report.existing += 1
            else:
                self._objects.put(key, body, {"wdid": wdid.replace(" ", "_"), "resource-id": resource.resource_id,
                                              "offset": str(offset)})  # fmt: skip
                report.written += 1
            offset += len(page.records)
            if offset >= page.total:
                return

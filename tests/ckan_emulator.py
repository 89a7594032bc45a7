"""A loopback HTTP server that answers like CKAN's `datastore_search` from the real SMARTS files in
../shared/data/smarts: `filters` on WDID, `limit`/`offset` paging, `fields`, `total`, `_links`, and injected
failures (an HTTP status answered a number of times for a given resource, WDID and offset, before the real
answer)."""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

MAX_LIMIT = 32000


def tab_records(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    """A raw SMARTS download as DataStore records (every field as text, `_id` from 1)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        rows = list(reader)
        return list(reader.fieldnames or []), [{"_id": i, **r} for i, r in enumerate(rows, start=1)]


@dataclass
class Emulator:
    resources: dict[str, tuple[list[str], list[dict[str, Any]]]]
    failures: dict[tuple[str, str, int], list[int]] = field(default_factory=dict)
    """(resource id, WDID, offset) -> HTTP statuses to answer first, one per request."""
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def answer(self, query: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        resource_id = query.get("resource_id", [""])[0]
        if resource_id not in self.resources:
            return 404, {"success": False, "error": {"__type": "Not Found Error", "message": "Not found: Resource"}}
        filters = json.loads(query.get("filters", ["{}"])[0])
        limit = min(int(query.get("limit", ["100"])[0]), MAX_LIMIT)
        offset = int(query.get("offset", ["0"])[0])
        wdid = str(filters.get("WDID", ""))
        self.requests.append({"resource_id": resource_id, "wdid": wdid, "offset": offset, "limit": limit})
        pending = self.failures.get((resource_id, wdid, offset))
        if pending:
            status = pending.pop(0)
            return status, {"success": False, "error": {"__type": "Internal Server Error", "message": "try again"}}
        fields, records = self.resources[resource_id]
        matching = [r for r in records if all(str(r.get(k)) == str(v) for k, v in filters.items())]
        page = matching[offset : offset + limit]
        return 200, {
            "success": True,
            "result": {
                "resource_id": resource_id,
                "fields": [{"id": "_id", "type": "int"}] + [{"id": f, "type": "text"} for f in fields],
                "records": page,
                "total": len(matching),
                "limit": limit,
                "offset": offset,
                "_links": {"start": "/api/3/action/datastore_search", "next": f"?offset={offset + limit}"},
            },
        }


@contextmanager
def serving(emulator: Emulator) -> Iterator[Emulator]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parsed = urlparse(self.path)
            if parsed.path != "/api/3/action/datastore_search":
                status, body = 404, {"success": False, "error": {"message": "no such action"}}
            else:
                status, body = emulator.answer(parse_qs(parsed.query))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    emulator.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield emulator
    finally:
        server.shutdown()
        server.server_close()

"""`Accept: text/csv`: a list route's rows as a CSV body instead of JSON (the portfolio routes)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

CSV = "text/csv"


def wants_csv(routes: Router) -> bool:
    """The request asks for CSV (`text/csv` among its Accept media types)."""
    accept = str(routes.current_event.headers.get("accept") or "")
    return any(part.split(";")[0].strip().lower() == CSV for part in accept.split(","))


def csv_response(
    columns: Sequence[str], rows: Iterable[dict[str, Any]], *, headers: dict[str, str] | None = None
) -> Response:
    """A 200 with a header row and one line per row (None as empty, the rest as text)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return Response(status_code=200, content_type=f"{CSV}; charset=utf-8", body=buffer.getvalue(), headers=headers)

"""Monitoring samples in the state table: `FAC#{wdid}` / `SAMPLE#{reporting year}#{parameter}#{sample key}`.

The sample key is a hash of what makes two rows the same result (era-rules "Duplicates": WDID, sample id,
location, parameter, qualifier, result, units), so re-uploading a file writes the same items again: the intake
checks which keys exist (one BatchGetItem per 100 rows) and writes only the new ones (BatchWriteItem, 25 a
request), so a re-upload stores nothing twice and its "stored" count is honest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from permitclock.adapters.table import batch_get
from permitclock.domain.samples import Sample, WriteCounts
from permitclock.errors import BadInput


def sample_key(sample: Sample) -> str:
    """Deterministic key of one result (its era-rules duplicate key)."""
    text = "\x1f".join("" if part is None else str(part) for part in sample.duplicate_key)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def sample_sort_key(sample: Sample) -> str:
    return f"SAMPLE#{sample.reporting_year}#{sample.parameter}#{sample_key(sample)}"


def sample_item(sample: Sample, *, upload: str = "") -> dict[str, Any]:
    """The table item of a sample (Decimals stay exact: DynamoDB numbers keep 38 significant digits)."""
    item: dict[str, Any] = {
        "pk": f"FAC#{sample.wdid}",
        "sk": sample_sort_key(sample),
        "item_type": "sample",
        "wdid": sample.wdid,
        "parameter": sample.parameter,
        "sample_date": sample.sample_date.isoformat(),
        "reporting_year": sample.reporting_year,
        "qualifier": sample.qualifier,
        "units": sample.units,
        "sample_id": sample.sample_id,
        "sample_time": sample.sample_time,
        "location": sample.location,
        "file": sample.file,
        "line": sample.line,
    }
    optional = {
        "nal": sample.nal,
        "result": sample.result,
        "value": sample.value,
        "location_type": sample.location_type,
        "event_type": sample.event_type,
        "reporting_year_column": sample.reporting_year_column,
        "upload": upload or None,
    }
    item.update({k: v for k, v in optional.items() if v is not None})
    return item


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def sample_from_item(item: dict[str, Any]) -> Sample:
    year_column = item.get("reporting_year_column")
    return Sample(
        wdid=str(item["wdid"]),
        parameter=str(item["parameter"]),
        nal=item.get("nal"),
        sample_date=date.fromisoformat(str(item["sample_date"])),
        reporting_year=str(item["reporting_year"]),
        qualifier=item["qualifier"],
        result=_dec(item.get("result")),
        units=str(item["units"]),
        value=_dec(item.get("value")),
        sample_id=str(item.get("sample_id", "")),
        sample_time=str(item.get("sample_time", "")),
        location=str(item.get("location", "")),
        location_type=item.get("location_type"),
        event_type=item.get("event_type"),
        reporting_year_column=int(year_column) if year_column is not None else None,
        file=str(item.get("file", "")),
        line=int(item.get("line", 0)),
    )


class SampleStore:
    """Idempotent bulk writes of samples (a resource `Table`)."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def existing_keys(self, keys: Sequence[dict[str, str]]) -> set[tuple[str, str]]:
        """The (pk, sk) of `keys` already in the table (`table.batch_get`, keys only)."""
        return {(_text(i["pk"]), _text(i["sk"])) for i in batch_get(self._table, keys, projection="pk, sk")}

    def put_new(self, samples: Iterable[Sample], *, upload: str = "") -> WriteCounts:
        """Write the samples whose key is not stored yet; duplicates within the batch are written once."""
        items: dict[tuple[str, str], dict[str, Any]] = {}
        for sample in samples:
            item = sample_item(sample, upload=upload)
            items.setdefault((item["pk"], item["sk"]), item)
        counts = WriteCounts()
        existing = self.existing_keys([{"pk": pk, "sk": sk} for pk, sk in items])
        try:
            with self._table.batch_writer() as writer:
                for key, item in items.items():
                    if key in existing:
                        counts.existing += 1
                    else:
                        writer.put_item(Item=item)
                        counts.stored += 1
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "ValidationException":
                raise
            raise BadInput(f"the table refused a sample: {err.response['Error'].get('Message', '')}") from None
        return counts


def _text(value: Any) -> str:
    """A key attribute from either the resource (str) or the low-level client ({"S": str}) shape."""
    return str(value["S"]) if isinstance(value, dict) else str(value)

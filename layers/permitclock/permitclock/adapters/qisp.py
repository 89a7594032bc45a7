"""The QISP registry in the state table: one item per certificate, one index entry per search criterion.

Item `QISP#{certificate}` / `PROFILE` (every key in `workflow.qisp.search_key` form), indexed three ways so each
single-criterion search is one request (docs/data-model.md):

| criterion | request |
|---|---|
| certificate | GetItem `QISP#{certificate}` / `PROFILE` |
| last name | Query GSI3 `QISPLAST#{last}` (sort `{first}#{certificate}`: a first name narrows with begins_with) |
| first name | Query GSI2 `QISPFIRST#{first}` (sort `{last}#{certificate}`) |
| zip | Query GSI1 `QISPZIP#{zip5}` (sort `{certificate}`) |

GSI2 is the due-date index; its `QISPFIRST#` partitions never meet the sweep, which reads `DUE#{shard}` only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from boto3.dynamodb.conditions import Key

from permitclock.adapters.table import query_all
from permitclock.domain.reports import QispRecord
from permitclock.workflow import qisp
from permitclock.workflow.qisp import QispQuery

GSI1 = "gsi1-by-facility"
GSI2 = "gsi2-by-due-date"
GSI3 = "gsi3-lookup"
PROFILE = "PROFILE"


def qisp_key(certificate_number: str) -> dict[str, str]:
    return {"pk": f"QISP#{qisp.search_key(certificate_number)}", "sk": PROFILE}


def qisp_item(record: QispRecord) -> dict[str, Any]:
    """The registry item of `record`, with its three index entries."""
    values = qisp.search_values(record)
    cert, first, last = values["certificate"], values["first_name"], values["last_name"]
    return {
        **qisp_key(record.certificate_number),
        "item_type": "qisp",
        **record.model_dump(),
        "gsi1pk": f"QISPZIP#{values['zip']}",
        "gsi1sk": cert,
        "gsi2pk": f"QISPFIRST#{first}",
        "gsi2sk": f"{last}#{cert}",
        "gsi3pk": f"QISPLAST#{last}",
        "gsi3sk": f"{first}#{cert}",
    }


def from_item(item: dict[str, Any]) -> QispRecord:
    return QispRecord.model_validate({k: v for k, v in item.items() if k in QispRecord.model_fields})


class QispRegistry:
    """Writes registry CSV records (BatchWriteItem, 25 a request) and answers searches with one request."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def put_all(self, records: Iterable[QispRecord]) -> int:
        """Create or replace every record (a re-upload of the same file rewrites the same items)."""
        count = 0
        with self._table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
            for record in records:
                batch.put_item(Item=qisp_item(record))
                count += 1
        return count

    def get(self, certificate_number: str) -> QispRecord | None:
        item = self._table.get_item(Key=qisp_key(certificate_number)).get("Item")
        return from_item(item) if item else None

    def search(self, query: QispQuery) -> list[QispRecord]:
        """One request chosen by the most selective criterion; the other criteria filter its hits."""
        criteria = query.criteria()
        if "certificate" in criteria:
            found = self.get(criteria["certificate"])
            hits = [found] if found else []
        elif "last_name" in criteria:
            condition = Key("gsi3pk").eq(f"QISPLAST#{criteria['last_name']}")
            if "first_name" in criteria:
                condition = condition & Key("gsi3sk").begins_with(f"{criteria['first_name']}#")
            hits = [from_item(i) for i in query_all(self._table, condition, index=GSI3)]
        elif "first_name" in criteria:
            condition = Key("gsi2pk").eq(f"QISPFIRST#{criteria['first_name']}")
            hits = [from_item(i) for i in query_all(self._table, condition, index=GSI2)]
        else:
            condition = Key("gsi1pk").eq(f"QISPZIP#{criteria['zip']}")
            hits = [from_item(i) for i in query_all(self._table, condition, index=GSI1)]
        return qisp.search(hits, query)

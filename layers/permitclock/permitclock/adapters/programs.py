"""Program facts documents in the state table: `FAC#{facility id}` / `PROGRAM#{program}`.

One item per (facility, program): the facts JSON exactly as received (`document`, text: numbers keep their
digits), the day the obligations were computed as of, where it came from (an upload's bucket/key/version or an
API user id) and the obligation ids it produced. A later upload or PUT replaces it (the previous uploads stay
in their upload records and the S3 object versions).
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key

from permitclock.adapters.table import query_all, readable
from permitclock.domain.program_facts import ProgramFactsRecord

PROGRAM_SK_PREFIX = "PROGRAM#"


FACTS_INDEX_PK = "PROGRAM_FACTS"


def program_facts_key(facility_id: str, program: str) -> dict[str, str]:
    return {"pk": f"FAC#{facility_id}", "sk": f"{PROGRAM_SK_PREFIX}{program}"}


class ProgramFactsStore:
    """Reads and writes facts documents; listing a facility's is one query."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def put(self, record: ProgramFactsRecord) -> None:
        self._table.put_item(
            Item={
                **record.model_dump(mode="json"),
                **program_facts_key(record.facility_id, record.program),
                "item_type": "program_facts",
                "gsi1pk": FACTS_INDEX_PK,
                "gsi1sk": f"{record.facility_id}#{record.program}",
            }
        )

    def get(self, facility_id: str, program: str) -> ProgramFactsRecord | None:
        item = self._table.get_item(Key=program_facts_key(facility_id, program), ConsistentRead=True).get("Item")
        return _from_item(item) if item else None

    def all_records(self) -> list[ProgramFactsRecord]:
        """Every stored facts document (GSI1 `PROGRAM_FACTS`): the daily recompute's work list."""
        condition = Key("gsi1pk").eq(FACTS_INDEX_PK)
        return list(readable(query_all(self._table, condition, index="gsi1-by-facility"), _from_item))

    def for_facility(self, facility_id: str) -> list[ProgramFactsRecord]:
        condition = Key("pk").eq(f"FAC#{facility_id}") & Key("sk").begins_with(PROGRAM_SK_PREFIX)
        return [_from_item(item) for item in query_all(self._table, condition)]


def _from_item(item: dict[str, Any]) -> ProgramFactsRecord:
    return ProgramFactsRecord.model_validate({k: v for k, v in item.items() if k in ProgramFactsRecord.model_fields})

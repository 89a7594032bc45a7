"""Where SMARTS's Level and permitclock's disagree, per facility parameter: `FAC#{wdid}` / `LEVELDIFF#{parameter}`.

Written by the on-stack reconciliation of a SMARTS Level export (`services.levels_reconciliation`), each
facility's changes and its notice (an outbox item, `adapters.notice_outbox`) in one TransactWriteItems, so a
crash can neither lose the email nor send it for a disagreement not stored. A disagreement that a later export
no longer shows is kept, `status` `resolved` (the record stays: five-year retention). Read by
`GET /facilities/{wdid}/levels` (`disagreements`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key

from permitclock.adapters.notice_outbox import NoticeOutbox, outbox_item
from permitclock.adapters.table import plain, query_all
from permitclock.domain.level_disagreements import StoredDisagreement
from permitclock.domain.notices import NoticeRequest

PREFIX = "LEVELDIFF#"


def disagreement_key(wdid: str, parameter: str) -> dict[str, str]:
    return {"pk": f"FAC#{wdid}", "sk": f"{PREFIX}{parameter}"}


class LevelDisagreements:
    """Reads a facility's disagreements (one Query) and commits a reconciliation's changes (one transaction)."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self._client = table.meta.client

    def for_facility(self, wdid: str) -> list[StoredDisagreement]:
        """Every stored disagreement of the facility, open and resolved, by parameter."""
        condition = Key("pk").eq(f"FAC#{wdid}") & Key("sk").begins_with(PREFIX)
        fields = StoredDisagreement.model_fields
        return [
            StoredDisagreement.model_validate({k: v for k, v in plain(i).items() if k in fields})
            for i in query_all(self._table, condition, consistent=True)
        ]

    def commit(self, changed: Sequence[StoredDisagreement], notice: NoticeRequest | None, now: datetime) -> None:
        """Put every changed disagreement and the notice's outbox item together."""
        actions: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._table.name,
                    "Item": {
                        **disagreement_key(d.wdid, d.parameter),
                        "item_type": "level_disagreement",
                        **d.model_dump(mode="json", exclude_none=True),
                    },
                }
            }
            for d in changed
        ]
        if notice is not None:
            actions.append({"Put": {"TableName": self._table.name, "Item": outbox_item(notice, now)}})
        if actions:
            self._client.transact_write_items(TransactItems=actions)

    def notices_published(self, notices: Sequence[NoticeRequest]) -> None:
        NoticeOutbox(self._table).clear(list(notices))

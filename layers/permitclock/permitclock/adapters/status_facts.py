"""The one writer of return-to-Baseline facts onto a parameter status item (`FAC#{wdid}` / `STATUS#{parameter}`):
a facts upload (`LevelStore.set_facts`) and a certification (`DynamoDbReportStore.commit`, in its transaction)
both build the same UpdateItem here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

FACT_FIELDS = (
    "level_1_report_submitted",
    "bmps_implemented",
    "technical_report_submitted",
    "demonstration",
    "technical_report_id",
)


def status_key(wdid: str, parameter: str) -> dict[str, str]:
    return {"pk": f"FAC#{wdid}", "sk": f"STATUS#{parameter}"}


def facts_update(wdid: str, parameter: str, facts: Mapping[str, date | str | None]) -> dict[str, Any]:
    """UpdateItem arguments recording `facts` (a None clears the field) on the status item, created at Baseline
    if absent; `version` moves on so an annual run that read the old item retries with the facts (IGP XII.C.2.b,
    XII.D.2.c)."""
    names = {"#v": "version", "#p": "parameter", "#t": "item_type", "#w": "wdid"}
    values: dict[str, Any] = {":one": 1, ":zero": 0, ":p": parameter, ":t": "status", ":w": wdid}
    sets = ["#p = :p", "#t = :t", "#w = :w", "#v = if_not_exists(#v, :zero) + :one"]
    removes = []
    for index, name in enumerate(f for f in FACT_FIELDS if f in facts):
        value = facts[name]
        names[f"#f{index}"] = name
        if value is None:
            removes.append(f"#f{index}")
        else:
            values[f":f{index}"] = value.isoformat() if isinstance(value, date) else value
            sets.append(f"#f{index} = :f{index}")
    return {
        "Key": status_key(wdid, parameter),
        "UpdateExpression": "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else ""),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }

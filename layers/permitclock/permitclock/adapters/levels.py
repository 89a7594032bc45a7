"""Level status, its history and the annual-run marker in the state table (docs/data-model.md).

| item | pk | sk |
|---|---|---|
| parameter status | `FAC#{wdid}` | `STATUS#{parameter}` (version = optimistic lock) |
| status history | `FAC#{wdid}` | `STATUS#{parameter}#{reporting year}` (immutable, no TTL: five-year retention) |
| annual-run marker | `FAC#{wdid}` | `STATUS~ANNUAL#{reporting year}` (written last: the facility-year is done) |

Samples sort just before statuses (`SAMPLE#` < `STATUS#` < `STATUS~`), so ONE query,
`sk BETWEEN 'SAMPLE#{year}#' AND 'STATUS~ANNUAL#{year}'`, returns the year's samples, every status and history
item and the year's marker (plus any later year's samples, dropped here). A facility's assignment is then
written by ONE `TransactWriteItems` (split by parameter when over 100 items, the marker in the last part).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from permitclock.adapters.notice_outbox import outbox_item
from permitclock.adapters.obligations import obligation_item
from permitclock.adapters.reports import report_additions
from permitclock.adapters.samples import sample_from_item
from permitclock.adapters.status_facts import facts_update, status_key
from permitclock.adapters.table import plain, query_all, query_pages
from permitclock.domain.levels import Assignment, FacilityYear, LevelRecord, ParameterStatus, WriteOutcome
from permitclock.domain.notices import NoticeRequest
from permitclock.domain.obligations import Obligation
from permitclock.errors import Conflict

MAX_TRANSACTION_ITEMS = 100


def history_key(wdid: str, parameter: str, reporting_year: str) -> dict[str, str]:
    return {"pk": f"FAC#{wdid}", "sk": f"STATUS#{parameter}#{reporting_year}"}


def marker_key(wdid: str, reporting_year: str) -> dict[str, str]:
    return {"pk": f"FAC#{wdid}", "sk": f"STATUS~ANNUAL#{reporting_year}"}


def status_from_item(item: dict[str, Any]) -> ParameterStatus:
    data = {k: v for k, v in item.items() if k in ParameterStatus.model_fields}
    data["version"] = int(item.get("version", 0))
    return ParameterStatus.model_validate(data)


def record_from_item(item: dict[str, Any]) -> LevelRecord:
    """A status history item as the `LevelRecord` it was written from (`LevelStore._parameter_items`)."""
    data = plain(item)
    return LevelRecord.model_validate(
        {**{k: data[k] for k in LevelRecord.model_fields if k in data}, "obligation_ids": data.get("obligations", ())}
    )


def status_item(wdid: str, status: ParameterStatus) -> dict[str, Any]:
    return {
        **status_key(wdid, status.parameter),
        "item_type": "status",
        "wdid": wdid,
        **{k: v for k, v in status.model_dump(mode="json").items() if v is not None},
    }


class LevelStore:
    """Reads a facility-year in one query and writes its assignment transactionally (a resource `Table`)."""

    def __init__(self, table: Any) -> None:
        self._table = table

    # ------------------------------------------------------------------ reads
    def facility_year(self, wdid: str, reporting_year: str) -> FacilityYear:
        """Statuses, the year's samples, history and marker: one Query (more pages only past 1 MB)."""
        out = FacilityYear(wdid=wdid, reporting_year=reporting_year)
        sample_prefix = f"SAMPLE#{reporting_year}#"
        marker = marker_key(wdid, reporting_year)["sk"]
        condition = Key("pk").eq(f"FAC#{wdid}") & Key("sk").between(sample_prefix, marker)
        for item in self._query(condition, out):
            sk = str(item["sk"])
            kind = item.get("item_type")
            if sk == marker:
                out.done = True
            elif sk.startswith(sample_prefix):
                out.samples.append(sample_from_item(item))
            elif kind == "status":
                status = status_from_item(item)
                out.statuses[status.parameter] = status
            elif kind == "status_history" and item.get("reporting_year") == reporting_year:
                out.history.add(str(item["parameter"]))
        return out

    def _query(self, condition: Any, out: FacilityYear) -> Iterator[dict[str, Any]]:
        for page in query_pages(self._table, KeyConditionExpression=condition, ConsistentRead=True):
            out.requests += 1
            yield from page["Items"]

    def statuses(self, wdid: str) -> dict[str, ParameterStatus]:
        """Every stored parameter status of a facility (history and markers skipped)."""
        items = self._table.query(
            KeyConditionExpression=Key("pk").eq(f"FAC#{wdid}") & Key("sk").begins_with("STATUS#"),
            ConsistentRead=True,
        )["Items"]
        return {str(i["parameter"]): status_from_item(i) for i in items if i.get("item_type") == "status"}

    def levels(self, wdid: str) -> tuple[dict[str, ParameterStatus], list[LevelRecord]]:
        """Every parameter status and status history item of a facility: one Query (`STATUS#`), samples not read."""
        statuses: dict[str, ParameterStatus] = {}
        records: list[LevelRecord] = []
        condition = Key("pk").eq(f"FAC#{wdid}") & Key("sk").begins_with("STATUS#")
        for item in query_all(self._table, condition):
            if item.get("item_type") == "status":
                status = status_from_item(item)
                statuses[status.parameter] = status
            elif item.get("item_type") == "status_history":
                records.append(record_from_item(item))
        return statuses, records

    def record(self, wdid: str, parameter: str, reporting_year: str) -> LevelRecord | None:
        """One status history item (GetItem), None when that year was never assigned."""
        item = self._table.get_item(Key=history_key(wdid, parameter, reporting_year)).get("Item")
        return record_from_item(item) if item else None

    # ------------------------------------------------------------------ facts
    def set_facts(self, wdid: str, parameter: str, facts: dict[str, date | str | None]) -> None:
        """Record return-to-Baseline facts on the status item (`adapters.status_facts`)."""
        self._table.update_item(**facts_update(wdid, parameter, facts))

    # ------------------------------------------------------------------ writes
    def write_assignments(
        self,
        wdid: str,
        reporting_year: str,
        assignments: Sequence[Assignment],
        previous: dict[str, ParameterStatus],
        facility_obligations: Sequence[Obligation],
        *,
        run_id: str,
        notices: Sequence[NoticeRequest] = (),
        now: datetime | None = None,
    ) -> WriteOutcome:
        """Write one facility-year: per parameter the new status (conditioned on the stored version), the
        history item (attribute_not_exists: immutable) and the opened obligations; then the facility's
        obligations, `notices` as outbox items (made at `now`) and the marker. One transaction, or several of
        whole parameters with the marker last."""
        units = [(self._parameter_items(wdid, a, previous.get(a.parameter)), a.obligations) for a in assignments]
        final = [_put(obligation_item(o), new=True, kind="obligation") for o in facility_obligations]
        final.extend(_put(outbox_item(n, now or datetime.now(UTC)), new=False, kind="outbox") for n in notices)
        final.append(
            _put(
                {**marker_key(wdid, reporting_year), "item_type": "annual_marker", "run_id": run_id},
                new=True,
                kind="marker",
            )
        )
        transactions = 0
        existing = 0
        for chunk in _chunks([*units, (final, tuple(facility_obligations))]):
            sent, skipped, done = self._transact(chunk)
            transactions += sent
            existing += skipped
            if done:
                return WriteOutcome(written=False, already_done=True, transactions=transactions)
        return WriteOutcome(written=True, already_done=False, transactions=transactions, obligations_existing=existing)

    def _parameter_items(
        self, wdid: str, assignment: Assignment, prior: ParameterStatus | None
    ) -> list[tuple[str, dict[str, Any]]]:
        new_version = (prior.version if prior else 0) + 1
        status = assignment.status.model_copy(update={"version": new_version})
        status_put: dict[str, Any] = {"Put": {"TableName": self._table.name, "Item": status_item(wdid, status)}}
        if prior is None:
            status_put["Put"]["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            status_put["Put"]["ConditionExpression"] = "#v = :v"
            status_put["Put"]["ExpressionAttributeNames"] = {"#v": "version"}
            status_put["Put"]["ExpressionAttributeValues"] = {":v": prior.version}
        history = {
            **history_key(wdid, assignment.parameter, assignment.reporting_year),
            "item_type": "status_history",
            "wdid": wdid,
            "parameter": assignment.parameter,
            "reporting_year": assignment.reporting_year,
            "assigned_on": assignment.assigned_on.isoformat(),
            "prior_level": assignment.prior_level,
            "level": assignment.level,
            "rule": assignment.rule,
            "evaluation": assignment.evaluation.model_dump(mode="json", exclude_none=True),
            "obligations": [o.obligation_id for o in assignment.obligations],
        }
        items: list[tuple[str, dict[str, Any]]] = [("status", status_put)]
        items.append(("history", {"Put": {"TableName": self._table.name, "Item": history}}))
        items[-1][1]["Put"]["ConditionExpression"] = "attribute_not_exists(pk)"
        items.extend(_put(obligation_item(o), new=True, kind="obligation") for o in assignment.obligations)
        return [(kind, _with_table(entry, self._table.name)) for kind, entry in items]

    def _transact(self, chunk: list[Action]) -> tuple[int, int, bool]:
        """Commit one part. Returns (transactions sent, obligations found existing, already done).

        Cancelled by the marker: the facility-year is done. Cancelled only by obligations that exist (opened
        elsewhere with the same id) or Technical Report Updates whose report is gone: kept as they are (the
        update left off its report), the rest retried. Cancelled by a status or history
        condition: another writer got there first; `Conflict` so the message is retried on fresh data."""
        sent = 0
        skipped = 0
        while chunk:
            sent += 1
            try:
                self._table.meta.client.transact_write_items(
                    TransactItems=[_with_table(entry, self._table.name) for _, entry in chunk]
                )
                return sent, skipped, False
            except ClientError as err:
                if err.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                reasons = err.response.get("CancellationReasons") or []
                failed = {i for i, r in enumerate(reasons) if r.get("Code") not in (None, "None")}
                kinds = {chunk[i][0] for i in failed}
                if "marker" in kinds:
                    return sent, skipped, True
                if failed and kinds <= {"obligation", "report_update"}:
                    skipped += sum(1 for i in failed if chunk[i][0] == "obligation")
                    chunk = [entry for i, entry in enumerate(chunk) if i not in failed]
                    continue
                codes = sorted({str(r.get("Code")) for r in reasons if r.get("Code") not in (None, "None")})
                raise Conflict(
                    f"transaction cancelled ({', '.join(codes) or 'unknown'})", code="write_conflict"
                ) from None
        return sent, skipped, False


Action = tuple[str, dict[str, Any]]
"""(kind, TransactItems entry): the kind says what a cancellation reason on the entry means."""


def _chunks(units: Sequence[tuple[list[Action], Sequence[Obligation]]]) -> list[list[Action]]:
    """The transactions of a facility-year: whole units (a parameter's status, history and obligations; last
    the facility's obligations and the marker) with the reports their obligations open or add to
    (`adapters.reports.report_additions`), at most `MAX_TRANSACTION_ITEMS` entries each."""
    parts: list[tuple[list[Action], list[Obligation]]] = [([], [])]
    for actions, obligations in units:
        items, opened = parts[-1]
        if items and len(items) + len(actions) + len(report_additions([*opened, *obligations])) > MAX_TRANSACTION_ITEMS:
            parts.append(([], []))
        parts[-1][0].extend(actions)
        parts[-1][1].extend(obligations)
    return [[*items, *report_additions(opened)] for items, opened in parts]


def _put(item: dict[str, Any], *, new: bool, kind: str) -> Action:
    put: dict[str, Any] = {"Item": item}
    if new:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    return kind, {"Put": put}


def _with_table(entry: dict[str, Any], table: str) -> dict[str, Any]:
    for operation in entry.values():
        operation["TableName"] = table
    return entry


# ---------------------------------------------------------------------------- the annual run's plumbing
FACILITY_INDEX = "gsi1-by-facility"
RUN_PK = "RUN#annual"


def facility_wdids(table: Any, page_size: int = 1000) -> Iterator[list[str]]:
    """Pages of WDIDs from the facility index (GSI1 `FACILITY` / wdid), one Query per page."""
    kwargs: dict[str, Any] = {
        "IndexName": FACILITY_INDEX,
        "KeyConditionExpression": Key("gsi1pk").eq("FACILITY"),
        "ProjectionExpression": "gsi1sk",
        "Limit": page_size,
    }
    for page in query_pages(table, **kwargs):
        yield [str(i["gsi1sk"]) for i in page["Items"]]


class RunSummaryStore:
    """The run summary item `RUN#annual` / `{run id}`: created by the planner, counters ADDed by workers."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def create(self, run_id: str, attributes: dict[str, Any]) -> None:
        self._table.put_item(
            Item={"pk": RUN_PK, "sk": run_id, "item_type": "run_summary", "run_id": run_id, **attributes},
            ConditionExpression="attribute_not_exists(pk)",
        )

    def set(self, run_id: str, attributes: dict[str, Any]) -> None:
        self._update(run_id, "SET", attributes)

    def add(self, run_id: str, counters: dict[str, int]) -> None:
        """Atomically add counters (one UpdateItem; zero counters are left out)."""
        counters = {k: v for k, v in counters.items() if v}
        if counters:
            self._update(run_id, "ADD", counters)

    def _update(self, run_id: str, verb: str, attributes: dict[str, Any]) -> None:
        """One UpdateItem: `SET #a0 = :a0, ...` or `ADD #a0 :a0, ...` over `attributes`."""
        joiner = " = " if verb == "SET" else " "
        self._table.update_item(
            Key={"pk": RUN_PK, "sk": run_id},
            UpdateExpression=f"{verb} " + ", ".join(f"#a{i}{joiner}:a{i}" for i in range(len(attributes))),
            ExpressionAttributeNames={f"#a{i}": k for i, k in enumerate(attributes)},
            ExpressionAttributeValues={f":a{i}": v for i, v in enumerate(attributes.values())},
        )

    def get(self, run_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": RUN_PK, "sk": run_id}, ConsistentRead=True).get("Item")
        return plain(item) if item else None

"""The DynamoDB `ReportStore` (`services.report_workflow`): members, ERA reports, their history and attachments,
obligations and the QISP registry on the state table. Request plan in docs/data-model.md and docs/workflow.md.

Report items carry a sparse GSI1 entry `REPORTS#{wdid}` / `{report id}`: listing a facility's reports is one
Query that reads report items only, never their history or attachment items (which share the base table's
`REPORT#{id}` sort-key prefix so that a report's detail is one Query). History and attachment items have no
GSI1 keys, so the index partition holds exactly the reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any, Literal

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from permitclock.adapters.facilities import FacilityDirectory
from permitclock.adapters.notice_outbox import NoticeOutbox, outbox_item
from permitclock.adapters.obligations import ObligationStore, obligation_item, obligation_key
from permitclock.adapters.obligations import from_item as obligation_from_item
from permitclock.adapters.qisp import QispRegistry
from permitclock.adapters.table import plain, query_all
from permitclock.domain.members import Member
from permitclock.domain.notices import NoticeRequest
from permitclock.domain.obligations import Obligation
from permitclock.domain.reports import (
    SUBMITTED,
    QispRecord,
    Report,
    ReportAttachment,
    ReportBundle,
    ReportHistoryItem,
)
from permitclock.domain.uploads import AttachmentRecord
from permitclock.errors import Conflict
from permitclock.workflow.qisp import QispQuery
from permitclock.workflow.reports import ReportChange, apply_obligation_effect

REPORTS_INDEX = "gsi1-by-facility"
HIST = "#HIST#"
ATT = "#ATT#"
_GSI2_KEYS = ("gsi2pk", "gsi2sk")
_CONFLICT_REASONS = {"ConditionalCheckFailed", "TransactionConflict"}

OpenOutcome = Literal["created", "added", "unchanged", "submitted"]


def report_key(wdid: str, report_id: str) -> dict[str, str]:
    return {"pk": f"FAC#{wdid}", "sk": f"REPORT#{report_id}"}


def report_item(report: Report) -> dict[str, Any]:
    """The report item, with its sparse GSI1 entry (the facility's report list)."""
    return {
        **{k: v for k, v in report.model_dump(mode="json").items() if v is not None},
        **report_key(report.wdid, report.report_id),
        "item_type": "report",
        "gsi1pk": f"REPORTS#{report.wdid}",
        "gsi1sk": report.report_id,
    }


def history_sk(item: ReportHistoryItem) -> str:
    """`REPORT#{id}#HIST#{UTC iso time}#{seq}`: UTC so the keys sort in time order across DST changes."""
    return f"REPORT#{item.report_id}{HIST}{item.at.astimezone(UTC).isoformat()}#{item.seq}"


def history_item(item: ReportHistoryItem) -> dict[str, Any]:
    """An immutable history item: written once (attribute_not_exists), never updated, no TTL."""
    return {
        **item.model_dump(mode="json"),
        "pk": f"FAC#{item.wdid}",
        "sk": history_sk(item),
        "item_type": "report_history",
    }


def report_from_item(item: dict[str, Any]) -> Report:
    return Report.model_validate({k: plain(v) for k, v in item.items() if k in Report.model_fields})


def _history_from_item(item: dict[str, Any]) -> ReportHistoryItem:
    fields = ReportHistoryItem.model_fields
    return ReportHistoryItem.model_validate({k: plain(v) for k, v in item.items() if k in fields})


def _attachment_from_item(item: dict[str, Any]) -> ReportAttachment:
    """What the workflow reads of an attachment record (`adapters.attachment_records`)."""
    return AttachmentRecord.model_validate(plain(item)).report_attachment()


class DynamoDbReportStore:
    """`ReportStore` on the state table. Every list or detail read is one Query (paged only past 1 MB); every
    command is one TransactWriteItems (plus one consistent BatchGetItem when it moves or closes obligations)."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self._client = table.meta.client  # the resource's client: takes and returns plain Python values
        self._name = str(table.name)
        self._members = FacilityDirectory(table)
        self._obligations = ObligationStore(table)
        self._qisps = QispRegistry(table)

    # ------------------------------------------------------------------ members (`FacilityDirectory` owns them)
    def memberships(self, user_id: str) -> list[Member]:
        return self._members.memberships(user_id)

    def get_member(self, wdid: str, user_id: str) -> Member | None:
        return self._members.get_member(wdid, user_id)

    def list_members(self, wdid: str) -> list[Member]:
        return self._members.members(wdid)

    def put_member(self, member: Member) -> None:
        self._members.put_member(member)

    def delete_member(self, wdid: str, user_id: str) -> None:
        self._members.delete_member(wdid, user_id)

    # ------------------------------------------------------------------ reports
    def list_reports(self, wdid: str) -> list[Report]:
        """Query GSI1 `REPORTS#{wdid}`: report items only, ordered by report id (eventually consistent)."""
        condition = Key("gsi1pk").eq(f"REPORTS#{wdid}")
        return [report_from_item(i) for i in query_all(self._table, condition, index=REPORTS_INDEX)]

    def get_report(self, wdid: str, report_id: str) -> ReportBundle | None:
        """One consistent Query: the report item, its history and its attachment records."""
        base = f"REPORT#{report_id}"
        condition = Key("pk").eq(f"FAC#{wdid}") & Key("sk").between(base, f"{base}$")
        report: Report | None = None
        history: list[ReportHistoryItem] = []
        attachments: list[ReportAttachment] = []
        for item in query_all(self._table, condition, consistent=True):
            sk = str(item["sk"])
            if sk == base:
                report = report_from_item(item)
            elif sk.startswith(base + HIST):
                history.append(_history_from_item(item))
            elif sk.startswith(base + ATT):
                attachments.append(_attachment_from_item(item))
        if report is None:
            return None
        history.sort(key=lambda h: h.seq)
        return ReportBundle(report=report, history=tuple(history), attachments=tuple(attachments))

    def list_obligations(self, wdid: str) -> list[Obligation]:
        return self._obligations.for_facility(wdid)

    def commit(self, change: ReportChange) -> None:
        """One TransactWriteItems: the report (if still at `expected_version`), its new history item (write
        once), and each affected obligation rewritten through `obligation_item` (if its calendar SEQUENCE is
        unchanged). Any failed condition or a competing transaction is `Conflict("concurrent_update")`."""
        report = change.report
        actions: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._name,
                    "Item": report_item(report),
                    "ConditionExpression": "attribute_exists(pk) AND #version = :expected",
                    "ExpressionAttributeNames": {"#version": "version"},
                    "ExpressionAttributeValues": {":expected": change.expected_version},
                }
            },
            {
                "Put": {
                    "TableName": self._name,
                    "Item": history_item(change.history),
                    "ConditionExpression": "attribute_not_exists(sk)",
                }
            },
        ]
        actions.extend(self._obligation_puts(change))
        actions.extend(
            {"Put": {"TableName": self._name, "Item": outbox_item(notice, change.history.at)}}
            for notice in change.notices
        )
        try:
            self._client.transact_write_items(TransactItems=actions)
        except ClientError as err:
            if _is_conflict(err):
                raise Conflict("the report changed meanwhile: reload and retry", code="concurrent_update") from None
            raise

    def notices_published(self, notices: Sequence[NoticeRequest]) -> None:
        NoticeOutbox(self._table).clear(list(notices))

    def _obligation_puts(self, change: ReportChange) -> list[dict[str, Any]]:
        """Obligations after the change's effects, as conditional Puts (missing obligations are skipped, as the
        in-memory store does). Attributes other services added are kept; the GSI2 keys follow the new state."""
        if not change.obligation_effects:
            return []
        wdid = change.report.wdid
        current = self._get_obligation_items(wdid, [e.obligation_id for e in change.obligation_effects])
        puts = []
        for effect in change.obligation_effects:
            raw = current.get(effect.obligation_id)
            if raw is None:
                continue
            before = obligation_from_item(plain(raw))
            after = apply_obligation_effect(before, effect)
            sequence = int(raw.get("ics_sequence", 0))
            new_sequence = sequence + 1 if after.due != before.due else sequence
            kept = {k: v for k, v in raw.items() if k not in _GSI2_KEYS}
            puts.append(
                {
                    "Put": {
                        "TableName": self._name,
                        "Item": {**kept, **obligation_item(after, ics_sequence=new_sequence)},
                        "ConditionExpression": "attribute_exists(pk) AND ics_sequence = :sequence",
                        "ExpressionAttributeValues": {":sequence": sequence},
                    }
                }
            )
        return puts

    def _get_obligation_items(self, wdid: str, obligation_ids: list[str]) -> dict[str, dict[str, Any]]:
        keys = [obligation_key(wdid, o) for o in dict.fromkeys(obligation_ids)]
        found: dict[str, dict[str, Any]] = {}
        request: dict[str, Any] = {self._name: {"Keys": keys, "ConsistentRead": True}}
        while request:
            response = self._client.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(self._name, []):
                found[str(item["sk"]).removeprefix("OBL#")] = item
            request = response.get("UnprocessedKeys") or {}
        return found

    def open_report(self, report: Report, *, attempts: int = 5) -> OpenOutcome:
        """Create `report` (a new report for one obligation), or add its parameters and obligations to the
        stored report of the same id. Idempotent: an obligation already on the report changes nothing; a
        submitted report is left alone. Conditional writes (no item / same version) make concurrent openers
        safe; the stored report's version moves on, so a user's command loaded before it retries (409)."""
        key = report_key(report.wdid, report.report_id)
        for _ in range(attempts):
            item = self._table.get_item(Key=key, ConsistentRead=True).get("Item")
            try:
                if item is None:
                    self._table.put_item(Item=report_item(report), ConditionExpression="attribute_not_exists(pk)")
                    return "created"
                stored = report_from_item(item)
                missing = [o for o in report.obligation_ids if o not in stored.obligation_ids]
                if not missing:
                    return "unchanged"
                if stored.status == SUBMITTED:
                    return "submitted"
                updated = stored.model_copy(
                    update={
                        "parameters": tuple(dict.fromkeys((*stored.parameters, *report.parameters))),
                        "obligation_ids": (*stored.obligation_ids, *missing),
                        "version": stored.version + 1,
                    }
                )
                self._table.put_item(
                    Item=report_item(updated),
                    ConditionExpression="#version = :expected",
                    ExpressionAttributeNames={"#version": "version"},
                    ExpressionAttributeValues={":expected": stored.version},
                )
                return "added"
            except ClientError as err:
                if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
        raise Conflict(f"report {report.report_id} keeps changing: retry later", code="concurrent_update")

    # ------------------------------------------------------------------ QISP registry
    def get_qisp(self, certificate_number: str) -> QispRecord | None:
        return self._qisps.get(certificate_number)

    def search_qisps(self, query: QispQuery) -> list[QispRecord]:
        return self._qisps.search(query)


def _is_conflict(err: ClientError) -> bool:
    code = err.response["Error"]["Code"]
    if code == "ConditionalCheckFailedException":
        return True
    if code != "TransactionCanceledException":
        return False
    reasons = [r.get("Code") for r in err.response.get("CancellationReasons", []) if r.get("Code") != "None"]
    return not reasons or any(r in _CONFLICT_REASONS for r in reasons)

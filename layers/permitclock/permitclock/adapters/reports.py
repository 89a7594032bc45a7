"""The DynamoDB `ReportStore` (`services.report_workflow`): members, ERA reports, their history and attachments,
obligations and the QISP registry on the state table. Request plan in docs/data-model.md and docs/workflow.md.

Report items carry a sparse GSI1 entry `REPORTS#{wdid}` / `{report id}`: listing a facility's reports is one
Query that reads report items only, never their history or attachment items (which share the base table's
`REPORT#{id}` sort-key prefix so that a report's detail is one Query). History and attachment items have no
GSI1 keys, so the index partition holds exactly the reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from permitclock.adapters.facilities import FacilityDirectory
from permitclock.adapters.notice_outbox import NoticeOutbox, outbox_item
from permitclock.adapters.obligations import ObligationStore, obligation_item, obligation_key
from permitclock.adapters.obligations import from_item as obligation_from_item
from permitclock.adapters.qisp import QispRegistry
from permitclock.adapters.status_facts import facts_update
from permitclock.adapters.table import batch_get, plain, query_all
from permitclock.domain.members import Member
from permitclock.domain.notices import NoticeRequest
from permitclock.domain.obligations import Obligation
from permitclock.domain.reports import (
    QispRecord,
    Report,
    ReportAttachment,
    ReportBundle,
    ReportHistoryItem,
)
from permitclock.domain.uploads import AttachmentRecord
from permitclock.errors import Conflict
from permitclock.notices.ics import next_sequence
from permitclock.rules.igp.obligations import LEVEL_2_ERA_TECHNICAL_REPORT_UPDATE, reports_for
from permitclock.workflow.duties import Completion
from permitclock.workflow.qisp import QispQuery
from permitclock.workflow.reports import ReportChange, apply_obligation_effect

REPORTS_INDEX = "gsi1-by-facility"
HIST = "#HIST#"
ATT = "#ATT#"
_GSI2_KEYS = ("gsi2pk", "gsi2sk")
_CONFLICT_REASONS = {"ConditionalCheckFailed", "TransactionConflict"}


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
    data = {k: plain(v) for k, v in item.items() if k in Report.model_fields}
    for listed in _APPENDED:  # an addition retried after a crash may repeat an entry: each counts once
        data[listed] = list(dict.fromkeys(data.get(listed) or ()))
    return Report.model_validate(data)


_APPENDED = ("parameters", "obligation_ids", "update_obligation_ids")


def report_additions(obligations: Iterable[Obligation]) -> list[tuple[str, dict[str, Any]]]:
    """TransactItems entries (kind, Update without `TableName`) that open the reports of a July 1's
    obligations in the same transaction (`LevelStore.write_assignments`): per report (`rules.igp.obligations.
    reports_for`) the report item is created at `Future` if absent, its parameters and obligation ids appended;
    a Technical Report Update's id is appended to the `update_obligation_ids` of the report it names (kind
    `report_update`, only if that report exists). Each obligation is opened once per facility-year (the marker),
    so an append is never repeated; reading dedupes anyway."""
    actions: list[tuple[str, dict[str, Any]]] = []
    for report in reports_for(obligations):
        item = report_item(report)
        fixed = {k: item[k] for k in ("wdid", "report_id", "report_type", "reporting_year", "item_type",
                                      "gsi1pk", "gsi1sk")}  # fmt: skip
        kept = {"status": report.status, "due": item["due"]}
        names = {f"#{k}": k for k in (*fixed, *kept, "parameters", "obligation_ids", "version")}
        values = {f":{k}": v for k, v in (*fixed.items(), *kept.items())}
        values.update({":parameters": list(report.parameters), ":obligation_ids": list(report.obligation_ids),
                       ":empty": [], ":zero": 0, ":one": 1})  # fmt: skip
        sets = [f"#{k} = :{k}" for k in fixed]
        sets += [f"#{k} = if_not_exists(#{k}, :{k})" for k in kept]
        sets += [f"#{k} = list_append(if_not_exists(#{k}, :empty), :{k})" for k in ("parameters", "obligation_ids")]
        sets.append("#version = if_not_exists(#version, :zero) + :one")
        update = {"Key": report_key(report.wdid, report.report_id), "UpdateExpression": "SET " + ", ".join(sets),
                  "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}  # fmt: skip
        actions.append(("report", {"Update": update}))
    updates: dict[tuple[str, str], list[str]] = {}
    for o in obligations:
        if o.type == LEVEL_2_ERA_TECHNICAL_REPORT_UPDATE and o.report_id:
            updates.setdefault((o.facility_id, o.report_id), []).append(o.obligation_id)
    for (wdid, report_id), ids in updates.items():
        update = {
            "Key": report_key(wdid, report_id),
            "UpdateExpression": "SET #u = list_append(if_not_exists(#u, :empty), :ids), #v = #v + :one",
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeNames": {"#u": "update_obligation_ids", "#v": "version"},
            "ExpressionAttributeValues": {":ids": ids, ":empty": [], ":one": 1},
        }
        actions.append(("report_update", {"Update": update}))
    return actions


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

    def create_facility(self, wdid: str, name: str, attributes: dict[str, Any], lrp: Member) -> None:
        self._members.create_facility(wdid, name, attributes, lrp)

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

    def get_obligation(self, wdid: str, obligation_id: str) -> tuple[Obligation, int] | None:
        return self._obligations.get(wdid, obligation_id)

    def complete_obligation(
        self,
        obligation: Obligation,
        *,
        ics_sequence: int,
        completion: Completion,
        notices: Sequence[NoticeRequest] = (),
    ) -> None:
        self._obligations.complete(obligation, ics_sequence=ics_sequence, completion=completion, notices=notices)

    def commit(self, change: ReportChange) -> None:
        """One TransactWriteItems: the report (if still at `expected_version`), its new history item (write
        once), each affected obligation rewritten through `obligation_item` (if its calendar SEQUENCE is
        unchanged), a certification's facts on its parameters' status items (`adapters.status_facts`; the
        status version moves on, so a July 1 run that read them before retries). Any failed condition or a
        competing transaction is `Conflict("concurrent_update")`."""
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
            {"Update": {"TableName": self._name, **facts_update(report.wdid, parameter, facts)}}
            for parameter, facts in change.level_facts.items()
        )
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
            new_sequence = next_sequence(sequence, before, after)
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
        keys = [obligation_key(wdid, o) for o in obligation_ids]
        items = batch_get(self._table, keys, consistent=True)
        return {str(item["sk"]).removeprefix("OBL#"): item for item in items}

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

"""The ports one use case needs, stored on the table: attachment records, program facts documents, samples,
Level statuses and the annual run summary. The fakes and the DynamoDB adapters answer alike."""

from __future__ import annotations

from datetime import date, datetime

from permitclock.clock import PERMIT_TZ
from permitclock.domain.levels import ParameterStatus
from permitclock.domain.program_facts import ProgramFactsRecord
from permitclock.domain.uploads import AttachmentRecord
from permitclock.rules.igp.levels import assign_year
from permitclock.rules.igp.obligations import annual_report_obligation

from tests.contract.conftest import Ports
from tests.unit.igp.igp_helpers import sample

WDID = "4 19I000033"
OTHER = "5S34I025848"
AT = datetime(2026, 11, 2, 9, tzinfo=PERMIT_TZ)
KEY = f"attachments/{WDID}/L2TR-2025-2026/tr.pdf"
YEAR = "2024-2025"
ZINC = "Zinc, Total (Recoverable)"


def record(attachment_id: str, version: str, sequencer: str | None = None, **fields: object) -> AttachmentRecord:
    return AttachmentRecord.model_validate(
        {"attachment_id": attachment_id, "status": "accepted", "bucket": "b", "key": KEY, "version_id": version,
         "wdid": WDID, "report_id": "L2TR-2025-2026", "date_attached": AT, "size": 10, "sequencer": sequencer,
         **fields}
    )  # fmt: skip


def statuses(ports: Ports, attachment_ids: list[str]) -> list[str]:
    found = [ports.attachments.get("b", KEY, a, WDID, "L2TR-2025-2026") for a in attachment_ids]
    return [r.status if r else "none" for r in found]


# ---------------------------------------------------------------------------------------------- attachment records
def test_an_attachment_record_is_written_once_where_its_key_files_it(ports: Ports) -> None:
    first = record("a1", "v1")
    stray = record("a2", "v1", wdid=None, report_id=None, key="attachments/bad key.pdf")

    assert ports.attachments.put_new(first) is True
    assert ports.attachments.put_new(first.model_copy(update={"title": "again"})) is False
    assert ports.attachments.put_new(stray) is True

    found = ports.attachments.get("b", KEY, "a1", WDID, "L2TR-2025-2026")
    assert found is not None and found.title is None and found.date_attached == AT
    assert ports.attachments.get("b", "attachments/bad key.pdf", "a2", None, None) is not None
    assert ports.attachments.get("b", KEY, "a2", WDID, "L2TR-2025-2026") is None


def test_deleting_one_version_marks_that_version_only(ports: Ports) -> None:
    for r in (record("a1", "v1"), record("a2", "v2")):
        ports.attachments.put_new(r)

    assert ports.attachments.mark_removed("b", KEY, "v1", AT) == 1
    assert ports.attachments.mark_removed("b", KEY, "v1", AT) == 0  # already deleted
    assert statuses(ports, ["a1", "a2"]) == ["deleted", "accepted"]


def test_a_delete_marker_hides_the_versions_uploaded_before_it_and_a_late_create_sees_it(ports: Ports) -> None:
    for r in (record("a1", "v1", "0055"), record("a2", "v2", "0077")):
        ports.attachments.put_new(r)

    assert ports.attachments.mark_removed("b", KEY, "marker", AT, "66", marker=True) == 1

    assert statuses(ports, ["a1", "a2"]) == ["deleted", "accepted"]
    assert ports.attachments.removed_after("b", KEY, "005F") is True  # created before the marker, seen after
    assert ports.attachments.removed_after("b", KEY, "0080") is False
    assert ports.attachments.removed_after("b", "attachments/other.pdf", "0001") is False


# ---------------------------------------------------------------------------------------------- program facts
def test_a_program_facts_document_is_replaced_and_listed(ports: Ports) -> None:
    def doc(facility: str, program: str, text: str) -> ProgramFactsRecord:
        return ProgramFactsRecord(
            program=program, facility_id=facility, document=text, as_of=date(2026, 11, 1), updated_at=AT,
            source={"kind": "api", "user_id": "u1"}, obligation_ids=["o1"],
        )  # fmt: skip

    ports.facts.put(doc("ILD000123456", "il_725_243", '{"v": 1}'))
    ports.facts.put(doc("ILD000123456", "il_725_243", '{"v": 2.50}'))
    ports.facts.put(doc("TX-1", "tx_115", "{}"))

    stored = ports.facts.get("ILD000123456", "il_725_243")
    assert stored is not None and stored.document == '{"v": 2.50}'  # the text as received
    assert [r.program for r in ports.facts.for_facility("ILD000123456")] == ["il_725_243"]
    assert sorted(r.facility_id for r in ports.facts.all_records()) == ["ILD000123456", "TX-1"]
    assert ports.facts.get("TX-1", "il_725_243") is None


# ---------------------------------------------------------------------------------------------- samples
def test_samples_are_stored_once_each(ports: Ports) -> None:
    a, b = sample(result="0.5", sample_id="a", wdid=WDID), sample(result="0.4", sample_id="b", wdid=WDID)

    first = ports.samples.put_new([a, b, a])
    again = ports.samples.put_new([b, sample(result="0.3", sample_id="c", wdid=WDID)])

    assert (first.stored, first.existing) == (2, 0)
    assert (again.stored, again.existing) == (1, 1)


# ---------------------------------------------------------------------------------------------- Level statuses
def test_a_facility_year_is_assigned_once_and_reads_back(ports: Ports) -> None:
    over = [sample("Zinc, Total", "0.5", date(2024, 11, 3), wdid=WDID, sample_id=s) for s in ("s1", "s2")]
    ports.samples.put_new(over)
    before = ports.levels.facility_year(WDID, YEAR)
    assert (before.done, before.statuses, len(before.samples)) == (False, {}, 2)
    assignments = assign_year(WDID, YEAR, {}, before.samples, as_of=date(2025, 7, 1))
    annual = annual_report_obligation(WDID, YEAR)

    written = ports.levels.write_assignments(WDID, YEAR, assignments, {}, [annual], run_id="r1")
    again = ports.levels.write_assignments(WDID, YEAR, assignments, {}, [annual], run_id="r2")

    assert (written.written, written.already_done) == (True, False)
    assert (again.written, again.already_done) == (False, True)
    after = ports.levels.facility_year(WDID, YEAR)
    assert after.done is True
    assert {p: (s.level, s.version) for p, s in after.statuses.items()} == {ZINC: ("Level 1", 1)}


def test_a_facilitys_levels_read_back_with_the_evidence_kept(ports: Ports) -> None:
    over = [sample("Zinc, Total", "0.5", date(2024, 11, 3), wdid=WDID, sample_id=s) for s in ("s1", "s2")]
    ports.samples.put_new(over)
    assignments = assign_year(WDID, YEAR, {}, over, as_of=date(2025, 7, 1))
    ports.levels.write_assignments(WDID, YEAR, assignments, {}, [], run_id="r1")

    statuses, records = ports.levels.levels(WDID)

    assert {p: s.level for p, s in statuses.items()} == {ZINC: "Level 1"}
    [record] = records
    assert (record.parameter, record.reporting_year, record.prior_level, record.level) == (
        ZINC, YEAR, "Baseline", "Level 1"
    )  # fmt: skip
    assert record.evaluation == assignments[0].evaluation
    assert record.obligation_ids == tuple(o.obligation_id for o in assignments[0].obligations)
    assert ports.levels.record(WDID, ZINC, YEAR) == record
    assert ports.levels.record(WDID, ZINC, "2023-2024") is None
    assert ports.levels.levels(OTHER) == ({}, [])


def test_return_to_baseline_facts_are_set_cleared_and_bump_the_version(ports: Ports) -> None:
    facts = {"level_1_report_submitted": date(2025, 12, 1), "demonstration": "non_industrial"}
    ports.levels.set_facts(WDID, ZINC, facts)
    ports.levels.set_facts(WDID, ZINC, {"demonstration": None})

    status = ports.levels.facility_year(WDID, YEAR).statuses[ZINC]
    assert status == ParameterStatus(parameter=ZINC, level_1_report_submitted=date(2025, 12, 1), version=2)


# ---------------------------------------------------------------------------------------------- run summary
def test_the_run_summary_takes_counters_from_every_worker(ports: Ports) -> None:
    ports.summaries.create("r1", {"job": "annual", "status": "planning"})
    ports.summaries.set("r1", {"status": "planned", "messages": 2})
    ports.summaries.add("r1", {"assignments": 3, "already_done": 0})
    ports.summaries.add("r1", {"assignments": 2, "facilities_evaluated": 1})

    summary = ports.summaries.get("r1")
    assert summary is not None
    figures = {k: summary.get(k) for k in ("status", "messages", "assignments", "facilities_evaluated", "already_done")}
    assert figures == {"status": "planned", "messages": 2, "assignments": 5, "facilities_evaluated": 1,
                       "already_done": None}  # fmt: skip
    assert ports.summaries.get("r2") is None

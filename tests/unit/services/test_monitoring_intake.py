"""MonitoringIntake over the fakes: a SMARTS download into samples and an error report, facts onto statuses."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime

import pytest
from permitclock.clock import PERMIT_TZ, FixedClock
from permitclock.events import ObjectEvent, object_events
from permitclock.services.monitoring_intake import MonitoringIntake

from infra.sample_documents import RAW_HEADER, raw_row
from tests.fakes.pipelines import FakeLevels, FakeSamples, FakeWorkQueue
from tests.fakes.ports import FakeFacilities, FakeProfiles, FakeUploadObjects, FakeUploads

BUCKET = "documents"
WDID = "1 08I000001"
ZINC = "Zinc, Total (Recoverable)"
OTHER = "4 19I000033"
"""A facility that is not registered."""
MARGIN = 60_000


def budget(records: int) -> Callable[[], int]:
    """An invocation's remaining time that runs low after `records` checks (one per record read)."""
    left = iter(range(records - 1, -1_000_000, -1))
    return lambda: MARGIN + next(left)


class World:
    def __init__(self, *registered: str) -> None:
        self.facilities = FakeFacilities()
        for wdid in registered or (WDID,):
            self.facilities.put_profile(wdid, f"Facility {wdid}")
        self.objects, self.uploads = FakeUploadObjects(), FakeUploads()
        self.samples = FakeSamples()
        self.levels = FakeLevels(self.samples)
        self.index_reads = 0
        self.queue = FakeWorkQueue()
        self.intake = MonitoringIntake(
            objects=self.objects, samples=self.samples, uploads=self.uploads, levels=self.levels,
            facility_pages=self._pages, requeue=self.queue, clock=FixedClock(datetime(2025, 8, 1, 9, tzinfo=PERMIT_TZ)),
            margin_ms=MARGIN,
        )  # fmt: skip

    def _pages(self) -> list[list[str]]:
        self.index_reads += 1
        return list(FakeProfiles(self.facilities).registered())

    def upload(self, key: str, body: bytes, **metadata: str) -> ObjectEvent:
        self.objects.add(BUCKET, key, body, "v1", metadata)
        return ObjectEvent(kind="created", event_name="ObjectCreated:Put", bucket=BUCKET, key=key, version_id="v1")


@pytest.fixture
def world() -> World:
    return World()


def smarts_file(*rows: str) -> bytes:
    return ("\n".join([RAW_HEADER, *rows]) + "\n").encode()


def test_good_rows_become_samples_and_bad_rows_an_error_report_by_line(world: World) -> None:
    # GIVEN a SMARTS download with two results and one unreadable one (line 3)
    body = smarts_file(
        raw_row(wdid=WDID, result="0.5", sample_id="a1"),
        raw_row(wdid=WDID, result="abc", sample_id="a2"),
        raw_row(wdid=WDID, result="0.4", sample_id="a3"),
    )
    # WHEN it is uploaded under monitoring/
    result = world.intake.handle(world.upload("monitoring/r1.txt", body))
    # THEN the two results are stored, the bad one is reported with its line, the record has the counts
    assert (result.outcome, result.rows_read, result.stored, result.rejected) == ("accepted", 3, 2, 1)
    assert len(world.samples.samples) == 2
    report = world.objects.reports[(BUCKET, "monitoring/r1.txt.errors.csv")].decode()
    assert report.splitlines()[0] == "line,reason,kept" and report.splitlines()[1].startswith("3,")
    record = world.uploads.get(BUCKET, "monitoring/r1.txt", "v1")
    assert record is not None
    assert (record["status"], record["stored"], record["rejected"]) == ("processed", 2, 1)


def test_the_same_upload_delivered_twice_is_read_once(world: World) -> None:
    event = world.upload("monitoring/r1.txt", smarts_file(raw_row(wdid=WDID)))
    world.intake.handle(event)

    assert world.intake.handle(event).outcome == "duplicate"
    assert len(world.samples.samples) == 1


def test_a_re_upload_under_another_name_stores_nothing_twice(world: World) -> None:
    body = smarts_file(raw_row(wdid=WDID, sample_id="a1"), raw_row(wdid=WDID, sample_id="a2"))
    world.intake.handle(world.upload("monitoring/first.txt", body))

    again = world.intake.handle(world.upload("monitoring/again.txt", body))

    assert (again.stored, again.existing) == (0, 2)


def test_a_file_that_is_not_a_smarts_download_fails_with_one_line(world: World) -> None:
    result = world.intake.handle(world.upload("monitoring/notes.txt", b"name,value\nzinc,1\n"))

    assert (result.outcome, result.rejected) == ("rejected", 1)
    assert (BUCKET, "monitoring/notes.txt.errors.csv") in world.objects.reports


def test_facts_set_and_clear_return_to_baseline_facts_on_the_status(world: World) -> None:
    facts = {"facts": [
        {"wdid": WDID, "parameter": "Zinc, Total", "level_1_report_submitted": "2025-12-01"},
        {"wdid": WDID, "parameter": "Unobtainium"},
    ]}  # fmt: skip

    result = world.intake.handle(world.upload("monitoring/facts/2025.json", json.dumps(facts).encode()))

    assert (result.kind, result.stored, result.rejected) == ("facts", 1, 1)
    assert world.levels.statuses[(WDID, ZINC)].level_1_report_submitted == date(2025, 12, 1)


@pytest.mark.parametrize("key", ["monitoring/r1.txt.errors.csv", "programs/x.json"])
def test_our_own_error_reports_and_other_prefixes_are_ignored(world: World, key: str) -> None:
    assert world.intake.handle(world.upload(key, b"line,reason,kept\n")).outcome == "ignored"
    assert world.uploads.records == {}


def test_only_the_registered_facilities_rows_are_stored_and_the_others_counted(world: World) -> None:
    # GIVEN a statewide-like file: rows of the registered facility and of one that is not, one bad row of each
    body = smarts_file(
        raw_row(wdid=WDID, result="0.5", sample_id="a1"),
        raw_row(wdid=OTHER, result="0.7", sample_id="b1"),
        raw_row(wdid=OTHER, result="abc", sample_id="b2"),
        raw_row(wdid=WDID, result="abc", sample_id="a2"),
        raw_row(wdid=f" {OTHER} ", result="0.2", sample_id="b3"),
    )
    # WHEN it is uploaded without metadata
    result = world.intake.handle(world.upload("monitoring/statewide.txt", body))
    # THEN only the registered facility's rows are read: its sample stored, its bad row reported; the other
    # facility's three rows are counted, never stored nor reported; the index was read once for the file
    assert (result.rows_read, result.stored, result.rejected, result.skipped_unregistered) == (2, 1, 1, 3)
    assert {s.wdid for s in world.samples.samples.values()} == {WDID}
    report = world.objects.reports[(BUCKET, "monitoring/statewide.txt.errors.csv")].decode().splitlines()
    assert [line.split(",")[0] for line in report[1:]] == ["5"]
    record = world.uploads.get(BUCKET, "monitoring/statewide.txt", "v1")
    assert record is not None
    assert (record["store"], record["skipped_unregistered"], record["status"]) == ("registered", 3, "processed")
    assert world.index_reads == 1


def test_a_malformed_wdid_is_still_a_rejected_row_when_filtering(world: World) -> None:
    body = smarts_file(raw_row(wdid="NOT A WDID", sample_id="x"), raw_row(wdid=WDID, sample_id="a1"))

    result = world.intake.handle(world.upload("monitoring/odd.txt", body))

    assert (result.stored, result.rejected, result.skipped_unregistered) == (1, 1, 0)


def test_the_store_all_metadata_stores_every_facilitys_rows(world: World) -> None:
    body = smarts_file(raw_row(wdid=WDID, sample_id="a1"), raw_row(wdid=OTHER, sample_id="b1"))

    result = world.intake.handle(world.upload("monitoring/all.txt", body, **{"permitclock-store": "All"}))

    assert (result.store, result.stored, result.skipped_unregistered) == ("all", 2, 0)
    assert {s.wdid for s in world.samples.samples.values()} == {WDID, OTHER}
    assert world.index_reads == 0


def test_an_unknown_store_choice_fails_the_upload_naming_the_metadata(world: World) -> None:
    event = world.upload("monitoring/x.txt", smarts_file(raw_row(wdid=WDID)), **{"permitclock-store": "everything"})

    result = world.intake.handle(event)

    assert result.outcome == "rejected"
    assert result.error is not None and "permitclock-store 'everything'" in result.error
    assert world.samples.samples == {}


def test_a_registered_facilitys_own_upload_rejects_other_wdids_rather_than_skipping_them(world: World) -> None:
    body = smarts_file(raw_row(wdid=WDID, sample_id="a1"), raw_row(wdid=OTHER, sample_id="b1"))

    result = world.intake.handle(world.upload(f"monitoring/facilities/{WDID}/mine.txt", body))

    assert (result.stored, result.rejected, result.skipped_unregistered) == (1, 1, 0)


def _statewide(n: int) -> bytes:
    rows = []
    for i in range(n):
        wdid = WDID if i % 3 else OTHER
        rows.append(raw_row(wdid=wdid, sample_id=f"s{i}", result="abc" if i % 7 == 0 else f"0.{i + 1}",
                            reporting_year="2017" if i % 11 == 0 else "2016"))  # fmt: skip
    return smarts_file(*rows).replace(b"\n", b"\r\n")


def _until_done(world: World, event: ObjectEvent, records: int) -> list[str]:
    """Deliver the upload, then every part it queues, each invocation with time for `records` records."""
    outcomes = [world.intake.handle(event, time_left=budget(records)).outcome]
    while world.queue.bodies:
        [queued] = object_events(world.queue.bodies.pop(0))
        outcomes.append(world.intake.handle(queued, time_left=budget(records)).outcome)
    return outcomes


def test_a_download_read_in_parts_ends_as_if_read_at_once() -> None:
    # GIVEN the same file uploaded to two worlds
    body, key = _statewide(60), "monitoring/statewide.txt"
    once, parts = World(), World()
    whole = once.intake.handle(once.upload(key, body))
    # WHEN one world's invocations each have time for about 9 records only
    outcomes = _until_done(parts, parts.upload(key, body), records=9)
    # THEN it took several checkpointed parts, then ended with the same record, samples and error report
    assert whole.outcome == "accepted" and outcomes[-1] == "accepted"
    assert set(outcomes[:-1]) == {"checkpointed"} and len(outcomes) >= 4
    record, one_shot = parts.uploads.get(BUCKET, key, "v1"), once.uploads.get(BUCKET, key, "v1")
    assert record is not None and one_shot is not None
    counted = ("status", "rows_read", "stored", "already_stored", "rejected", "warnings", "skipped_unregistered")
    assert {k: record[k] for k in counted} == {k: one_shot[k] for k in counted}
    assert record["resumes"] == len(outcomes) - 1 and record["checkpoint"] is None
    assert parts.samples.samples == once.samples.samples
    report = (BUCKET, key + ".errors.csv")
    assert parts.objects.reports[report] == once.objects.reports[report]
    # each later part read the header, then the file from its checkpoint's byte on, never from the first row
    reads = [start for opened, start in parts.objects.opened if opened == key]
    assert reads[0] == 0 and all(start > 0 for start in reads[2::2]) and reads[2::2] == sorted(set(reads[2::2]))
    assert len(reads[2::2]) == len(outcomes) - 1


def test_every_part_reads_at_least_one_record_however_little_time_is_left() -> None:
    world = World()
    body = smarts_file(*(raw_row(wdid=WDID, sample_id=str(i)) for i in range(5)))

    outcomes = _until_done(world, world.upload("monitoring/tight.txt", body), records=0)

    assert outcomes == ["checkpointed"] * 4 + ["accepted"]
    assert len(world.samples.samples) == 5


def test_a_redelivered_part_after_the_record_moved_on_changes_nothing() -> None:
    world = World()
    body = smarts_file(*(raw_row(wdid=WDID, sample_id=str(i)) for i in range(6)))
    event = world.upload("monitoring/twice.txt", body)
    assert world.intake.handle(event, time_left=budget(2)).outcome == "checkpointed"
    [queued] = object_events(world.queue.bodies.pop())
    # a second delivery of the same part (the original event again) races the queued one and moves the record on
    assert world.intake.handle(event).outcome == "accepted"

    late = world.intake.handle(queued)

    assert late.outcome == "duplicate"
    record = world.uploads.get(BUCKET, "monitoring/twice.txt", "v1")
    assert record is not None and (record["stored"], record["rows_read"]) == (6, 6)

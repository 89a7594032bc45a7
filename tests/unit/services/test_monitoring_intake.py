"""MonitoringIntake over the fakes: a SMARTS download into samples and an error report, facts onto statuses."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from permitclock.clock import PERMIT_TZ, FixedClock
from permitclock.events import ObjectEvent
from permitclock.services.monitoring_intake import MonitoringIntake

from infra.sample_documents import RAW_HEADER, raw_row
from tests.fakes.pipelines import FakeLevels, FakeSamples
from tests.fakes.ports import FakeUploadObjects, FakeUploads

BUCKET = "documents"
WDID = "1 08I000001"
ZINC = "Zinc, Total (Recoverable)"


class World:
    def __init__(self) -> None:
        self.objects, self.uploads = FakeUploadObjects(), FakeUploads()
        self.samples = FakeSamples()
        self.levels = FakeLevels(self.samples)
        self.intake = MonitoringIntake(
            objects=self.objects, samples=self.samples, uploads=self.uploads, levels=self.levels,
            clock=FixedClock(datetime(2025, 8, 1, 9, tzinfo=PERMIT_TZ)),
        )  # fmt: skip

    def upload(self, key: str, body: bytes) -> ObjectEvent:
        self.objects.add(BUCKET, key, body, "v1")
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

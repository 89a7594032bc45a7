"""Program facts (uploads, the API and the daily recompute) and the QISP registry intake over the fakes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from permitclock.clock import FixedClock
from permitclock.events import ObjectEvent
from permitclock.services.program_intake import ProgramFactsService, ProgramIntake, ProgramRecompute, evaluate_document
from permitclock.services.qisp_intake import QispIntake

from tests.fakes.pipelines import FakeFactsDocuments
from tests.fakes.ports import FakeFacilities, FakeObligations, FakeUploadObjects, FakeUploads
from tests.fakes.reports import FakeQispRegistry

EXAMPLE = Path(__file__).resolve().parents[3] / "events" / "programs" / "il_725_243_example.json"
FACILITY = "ILD000123456"
TODAY = date(2024, 7, 1)
KEY = f"programs/il_725_243/{FACILITY}/facts.json"


def event(key: str, version: str = "v1", size: int | None = None) -> ObjectEvent:
    return ObjectEvent(kind="created", event_name="ObjectCreated:Put", bucket="b", key=key, version_id=version,
                       size=size)  # fmt: skip


class World:
    def __init__(self) -> None:
        self.obligations, self.facts = FakeObligations(), FakeFactsDocuments()
        self.objects, self.uploads, self.facilities = FakeUploadObjects(), FakeUploads(), FakeFacilities()
        self.service = ProgramFactsService(obligations=self.obligations, facts=self.facts, clock=FixedClock.on(TODAY))
        self.intake = ProgramIntake(
            objects=self.objects, uploads=self.uploads, facilities=self.facilities, service=self.service,
            clock=FixedClock.on(TODAY), max_bytes=262_144,
        )  # fmt: skip
        self.document = EXAMPLE.read_text()

    def program_ids(self) -> set[str]:
        return {o.obligation_id for o, _ in self.obligations.for_facility_with_sequence(FACILITY)}


@pytest.fixture
def world() -> World:
    return World()


def test_an_upload_opens_the_obligations_its_facts_give_and_stores_the_document(world: World) -> None:
    # GIVEN a registered facility and its 725.243 facts uploaded
    world.facilities.put_profile(FACILITY, "Riverbend Treatment Works")
    world.objects.add("b", KEY, world.document.encode(), "v1")
    # WHEN the intake handles the upload
    result = world.intake.handle(event(KEY))
    # THEN the rules' obligations are open, the document is stored as received, the upload record says so
    expected = {o.obligation_id for o in evaluate_document("il_725_243", json.loads(world.document), TODAY)[1]}
    assert (result.outcome, result.counts["opened"]) == ("accepted", len(expected))
    assert world.program_ids() == expected
    stored = world.facts.get(FACILITY, "il_725_243")
    assert stored is not None and stored.document == world.document and stored.source["version_id"] == "v1"
    record = world.uploads.get("b", KEY, "v1")
    assert record is not None and record["status"] == "accepted"


def test_an_upload_for_an_unknown_facility_is_rejected_with_its_field(world: World) -> None:
    world.objects.add("b", KEY, world.document.encode(), "v1")

    result = world.intake.handle(event(KEY))

    assert (result.outcome, result.code) == ("rejected", "unknown_facility")
    record = world.uploads.get("b", KEY, "v1")
    assert record is not None and record["error"]["field"] == "facility"
    assert world.program_ids() == set()


def test_the_same_facts_again_change_nothing_and_facts_that_drop_an_obligation_close_it(world: World) -> None:
    payload = json.loads(world.document)
    first = world.service.record(FACILITY, "il_725_243", payload, document=world.document, source={"kind": "api"})
    again = world.service.record(FACILITY, "il_725_243", payload, document=world.document, source={"kind": "api"})
    fewer = {**payload, "mechanisms": payload["mechanisms"][:1]}
    dropped = world.service.record(FACILITY, "il_725_243", fewer, document=json.dumps(fewer), source={"kind": "api"})

    assert (again.opened, again.updated, again.closed, again.unchanged) == ((), (), (), len(first.opened))
    assert dropped.closed
    closed = [o for o, _ in world.obligations.for_facility_with_sequence(FACILITY) if o.obligation_id in dropped.closed]
    assert {o.status for o in closed} == {"closed"}


def test_the_daily_recompute_evaluates_each_document_once_a_day(world: World) -> None:
    world.service.record(FACILITY, "il_725_243", json.loads(world.document), document=world.document,
                         source={"kind": "api"})  # fmt: skip
    recompute = ProgramRecompute(obligations=world.obligations, facts=world.facts, clock=FixedClock.on(TODAY))

    same_day = recompute.run()
    next_year = recompute.run(date(2025, 7, 1))

    assert same_day.counts() == {"documents": 1, "evaluated": 0, "changed": 0, "invalid": 0}
    assert next_year.counts()["evaluated"] == 1
    stored = world.facts.get(FACILITY, "il_725_243")
    assert stored is not None and stored.as_of == date(2025, 7, 1)


REGISTRY = (
    "Certificate Number,First Name,Last Name,ZIP,Licensed Engineer,License Number\n"
    "F09876,Qisp,Industrial,95814,yes,C12345\n"
    ",No,Certificate,95814,no,\n"
)


def test_the_registry_loads_good_rows_and_keeps_the_bad_ones_by_line() -> None:
    objects, uploads, registry = FakeUploadObjects(), FakeUploads(), FakeQispRegistry()
    objects.add("b", "qisp/2026.csv", REGISTRY.encode(), "v1")
    intake = QispIntake(objects, uploads, registry, max_bytes=10_000)

    result = intake.handle(event("qisp/2026.csv"))

    assert (result.outcome, result.loaded, result.rejected_rows) == ("accepted", 1, 1)
    assert registry.get("f09876") is not None
    record = uploads.get("b", "qisp/2026.csv", "v1")
    assert record is not None and [(e["line"], e["code"]) for e in record["row_errors"]] == [(3, "missing_value")]
    assert intake.handle(event("qisp/2026.csv")).outcome == "duplicate"


def test_an_oversize_registry_is_rejected_without_being_read() -> None:
    uploads = FakeUploads()
    intake = QispIntake(FakeUploadObjects(), uploads, FakeQispRegistry(), max_bytes=10)

    result = intake.handle(event("qisp/big.csv", size=11))

    assert (result.outcome, result.codes) == ("rejected", ("too_large",))

"""Facilities from SMARTS over the fakes: an Application Specific Data file updates registered profiles, registers
with `permitclock-register: true`, closes a terminated facility's obligations, reports bad rows by line, and a
re-upload changes nothing; the real statewide and Region 1 files read as documented."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from permitclock.clock import FixedClock
from permitclock.domain.obligations import Obligation
from permitclock.domain.samples import RejectedRow
from permitclock.events import ObjectEvent
from permitclock.intake.applications import Application, ApplicationReader
from permitclock.services.facility_import import FacilityImport

from tests.fakes.ports import FakeFacilities, FakeObligations, FakeProfiles, FakeUploadObjects, FakeUploads
from tests.unit.igp.igp_helpers import SHARED

STATEWIDE = SHARED / "statewide_facilities_2019-03-12/Industrial_Application_Specific_Data_2019-03-12.csv"
REGION1_APPS = SHARED / "region1_raw_smarts_sample/Region_1_-_North_Coast_-_Industrial_Application_Specific_Data.txt"
TODAY = date(2025, 11, 1)
HEADER = ("PERMIT_TYPE,APP_ID,WDID,STATUS,NOI_PROCESSED_DATE,NOT_EFFECTIVE_DATE,REGION_BOARD,COUNTY,OPERATOR_NAME,"
          "FACILITY_NAME,FACILITY_ADDRESS,FACILITY_ADDRESS_2,FACILITY_CITY,FACILITY_STATE,FACILITY_ZIP,"
          "FACILITY_COUNTY,PRIMARY_SIC,SECONDARY_SIC,TERTIARY_SIC")  # fmt: skip
ACTIVE = "4 19I000033"
GONE = "1 08I001442"
OTHER = "9 37I000001"


def row(wdid: str, status: str = "Active", noi: str = "04/03/1992", not_date: str = "NA", name: str = "Plant",
        address_2: str = "NA") -> str:  # fmt: skip
    return (f"Industrial,1,{wdid},{status},{noi},{not_date},4,Los Angeles,Op Inc,{name},1 Main St,{address_2},"
            "Vernon,CA,90058,Los Angeles,3471-Electroplating,NA,NA")  # fmt: skip


def text(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


class World:
    def __init__(self, *registered: str) -> None:
        self.facilities = FakeFacilities()
        for wdid in registered:
            self.facilities.put_profile(wdid, f"Facility {wdid}", reminder_policy={"steps": [30]})
        self.profiles = FakeProfiles(self.facilities)
        self.objects, self.uploads, self.obligations = FakeUploadObjects(), FakeUploads(), FakeObligations()
        self.service = FacilityImport(
            objects=self.objects, uploads=self.uploads, facility_pages=self.profiles.registered,
            profiles=self.profiles, obligations=self.obligations, clock=FixedClock.on(TODAY),
        )  # fmt: skip
        self.versions = 0

    def upload(self, body: bytes, key: str = "smarts/facilities/apps.csv", **metadata: str) -> dict:
        self.versions += 1
        version = f"v{self.versions}"
        self.objects.add("b", key, body, version, metadata)
        result = self.service.handle(ObjectEvent(kind="created", event_name="ObjectCreated:Put", bucket="b", key=key,
                                                 version_id=version, size=len(body)))  # fmt: skip
        record = self.uploads.get("b", key, version)
        assert (
            record is not None and record["status"] == {"accepted": "processed", "rejected": "failed"}[result.outcome]
        )
        return record

    def report(self, key: str = "smarts/facilities/apps.csv") -> list[tuple[int, str, str]]:
        """The error report's rows: (line, reason, kept)."""
        lines = self.objects.reports[("b", key + ".errors.csv")].decode().splitlines()
        return [(int(n), reason, kept) for n, reason, kept in csv.reader(lines[1:])]


def duty(wdid: str, subject: str, due: date, **kw: object) -> Obligation:
    return Obligation(program="igp", type="Annual Report", facility_id=wdid, subject=subject, due=due, section="XVI",
                      **kw)  # type: ignore[arg-type]  # fmt: skip


def test_registered_profiles_are_updated_others_left_alone_and_a_reupload_changes_nothing() -> None:
    world = World(ACTIVE)
    record = world.upload(text(row(ACTIVE, name="Sonic Plating"), row(OTHER)))
    assert (record["facilities"], record["updated"], record["registered"], record["unchanged"]) == (1, 1, 0, 0)
    profile = world.facilities.profiles[ACTIVE]
    assert profile["name"] == "Sonic Plating" and profile["operator"] == "Op Inc"
    assert profile["address"] == "1 Main St, Vernon, CA 90058" and profile["county"] == "Los Angeles"
    assert (profile["region"], profile["coverage_status"]) == ("4", "Active")
    assert profile["noi_processed_date"] == "1992-04-03"
    assert profile["not_effective_date"] is None and profile["sic_codes"] == ["3471-Electroplating"]
    assert profile["reminder_policy"] == {"steps": [30]}  # what SMARTS does not say is kept
    assert OTHER not in world.facilities.profiles

    again = world.upload(text(row(ACTIVE, name="Sonic Plating"), row(OTHER)), key="smarts/facilities/copy.csv")
    assert (again["updated"], again["unchanged"], world.profiles.writes) == (0, 1, 1)


def test_register_metadata_registers_every_wdid_listed() -> None:
    world = World(ACTIVE)
    record = world.upload(text(row(ACTIVE), row(OTHER, name="New Yard")), **{"permitclock-register": "true"})
    assert (record["register"], record["registered"], record["updated"]) == (True, 1, 1)
    assert world.facilities.profiles[OTHER]["name"] == "New Yard"


def test_termination_closes_open_obligations_with_its_reason_once() -> None:
    world = World(GONE)
    world.obligations.put_new(duty(GONE, "2015", date(2015, 7, 15)))
    world.obligations.put_new(duty(GONE, "2016", date(2016, 7, 15)))
    world.obligations.put_new(duty(GONE, "done", date(2014, 7, 15), status="closed"))
    record = world.upload(text(row(GONE, "Terminated", "03/27/1992", "02/23/2015")))
    assert record["obligations_closed"] == 2
    closed = {o.subject: o for o in world.obligations.for_facility(GONE)}
    assert {o.status for o in closed.values()} == {"closed"}
    assert closed["2016"].facts == {"closed_reason": "coverage_terminated", "closed_on": "2025-11-01",
                                    "not_effective_date": "2015-02-23"}  # fmt: skip
    assert "closed_reason" not in closed["done"].facts
    again = world.upload(text(row(GONE, "Terminated", "03/27/1992", "02/23/2015")), key="smarts/facilities/b.csv")
    assert (again["obligations_closed"], again["unchanged"]) == (0, 1)


def test_a_termination_to_come_ends_only_the_duties_after_it() -> None:
    world = World(GONE)
    world.obligations.put_new(duty(GONE, "before", date(2025, 12, 1)))
    world.obligations.put_new(duty(GONE, "after", date(2026, 7, 15)))
    world.upload(text(row(GONE, "Terminated", "03/27/1992", "01/31/2026")))
    assert {o.subject: o.status for o in world.obligations.for_facility(GONE)} == {"before": "open", "after": "closed"}


def test_bad_rows_by_line_duplicates_and_undated_terminations_reported() -> None:
    world = World(ACTIVE, GONE)
    body = text(
        row("NA"),  # line 2
        row(ACTIVE, noi="13/45/2019"),  # line 3
        row(ACTIVE, "Terminated", noi="01/01/2000"),  # line 4: an older application
        row(ACTIVE, noi="01/01/2010", address_2="-----"),  # line 5: speaks, the address part left out
        row(GONE, "Terminated"),  # line 6: no NOT date
        "Industrial,1,broken",  # line 7
    )
    world.upload(body)
    report = world.report()
    assert report == [
        (2, "empty WDID", "false"),
        (3, "unparseable NOI_PROCESSED_DATE '13/45/2019'", "false"),
        (5, "FACILITY_ADDRESS_2 '-----' starts with '-': a spreadsheet formula (CSV injection); left out, row used",
         "true"),
        (5, "WDID 4 19I000033 is on lines 4, 5 with STATUS Active and Terminated: line 5 used (latest "
         "NOI_PROCESSED_DATE, Active on a tie)", "true"),
        (6, "WDID 1 08I001442 is Terminated without a NOT_EFFECTIVE_DATE: its obligations are kept", "true"),
        (7, "malformed record: 3 fields instead of 19", "false"),
    ]  # fmt: skip
    assert world.facilities.profiles[ACTIVE]["coverage_status"] == "Active"


def test_a_file_that_is_not_an_application_file_is_rejected_whole() -> None:
    world = World(ACTIVE)
    record = world.upload(b"WDID,Parameter\n4 19I000033,pH\n")
    assert "missing columns STATUS, FACILITY_NAME" in record["error"] and world.profiles.writes == 0


def test_other_keys_and_error_reports_are_ignored() -> None:
    world = World(ACTIVE)
    for key in ("smarts/levels/x.csv", "smarts/facilities/apps.csv.errors.csv"):
        result = world.service.handle(ObjectEvent(kind="created", event_name="ObjectCreated:Put", bucket="b", key=key))
        assert result.outcome == "ignored"


@pytest.mark.skipif(not STATEWIDE.exists(), reason="../shared/data is not present")
def test_the_real_files_read_as_documented() -> None:
    with STATEWIDE.open("rb") as stream:
        rows = list(ApplicationReader(stream, name="statewide.csv"))
    used = [r for r in rows if isinstance(r, Application)]
    rejected = [r for r in rows if isinstance(r, RejectedRow) and not r.kept]
    assert len(used) == 36_327 and len(rejected) == 11  # 10 `NA` WDIDs and `5A327021N05`
    crescent = next(a.profile for a in used if a.profile.wdid == GONE)
    assert (crescent.name, crescent.coverage_status, crescent.not_effective_date) == (
        "Crescent City Landfill", "Terminated", date(2015, 2, 23),
    )  # fmt: skip
    with REGION1_APPS.open("rb") as stream:
        raw = [r for r in ApplicationReader(stream, name="region1.txt") if isinstance(r, Application)]
    assert len(raw) == 102 and raw[0].profile == crescent.model_copy(update={"smarts_app_id": "178202"})

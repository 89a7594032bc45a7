"""The SMARTS Annual Reports download: the reader (records over two lines, bad rows by line) and
AnnualReportIntake over the fakes (certified years close their Annual Report obligations, once)."""

from __future__ import annotations

import io
import itertools
from datetime import date

import pytest
from permitclock.clock import FixedClock
from permitclock.domain.samples import RejectedRow
from permitclock.events import ObjectEvent
from permitclock.intake.annual_reports import AnnualReportRecord, certified_date, read_annual_reports
from permitclock.rules.igp.obligations import annual_report_obligation
from permitclock.services.annual_report_intake import ACTOR, AnnualReportIntake

from infra.sample_documents import annual_reports_download as download
from infra.sample_documents import annual_reports_row
from tests.fakes.ports import FakeObligations, FakeUploadObjects, FakeUploads
from tests.unit.igp.igp_helpers import SHARED

SAMPLE = SHARED / "region1_raw_smarts_sample/Region_1_-_North_Coast_-_Industrial_Annual_Reports.txt"
BUCKET = "documents"
WDID, OTHER = "1 23I001437", "1 23I002098"
TODAY = date(2026, 6, 25)


def row(wdid: str = WDID, report_id: str = "844613", year: str = "2015",
        certified: str = "20-JUN-16 08.15.42.284000 AM", explanation: str = "") -> str:  # fmt: skip
    return annual_reports_row(wdid, report_id, year, certified, QUESTION_1_EXPLANATION=explanation)


def read(body: bytes) -> list[AnnualReportRecord | RejectedRow]:
    return list(read_annual_reports(io.BytesIO(body), name="up.txt", as_of=TODAY))


# ---------------------------------------------------------------------------------------------- the reader
def test_certified_date_reads_smarts_oracle_timestamps_and_plain_dates() -> None:
    assert certified_date("20-JUN-16 08.15.42.284000 AM") == date(2016, 6, 20)
    assert certified_date("19-mar-2025") == date(2025, 3, 19)
    assert certified_date("06/20/2016") == certified_date("2016-06-20") == date(2016, 6, 20)
    assert certified_date("31-FEB-16 08.15.42 AM") is None and certified_date("20-XYZ-16") is None


def test_a_record_over_two_lines_is_one_and_bad_rows_are_rejected_by_line() -> None:
    body = download(
        row(explanation="first line\nsecond line", report_id="1"),  # lines 2-3
        row(wdid="not a wdid"),  # line 4
        row(year="15"),  # line 5
        row(certified="yesterday"),  # line 6
        row(certified="01-JUL-26 01.00.00.000000 AM"),  # line 7: after today
        row(report_id="=1+1"),  # line 8
        row(year="2025", certified="", report_id="9"),  # line 9: not certified yet
        "1\t2\t3",  # line 10: too few fields, and nothing after it to complete it
    )
    out = read(body)
    records = [r for r in out if isinstance(r, AnnualReportRecord)]
    rejected = {r.line: r.reason for r in out if isinstance(r, RejectedRow)}
    assert records == [
        AnnualReportRecord(WDID, "2015-2016", "1", date(2016, 6, 20), 2),
        AnnualReportRecord(WDID, "2025-2026", "9", None, 9),
    ]
    assert sorted(rejected) == [4, 5, 6, 7, 8, 10]
    assert "WDID" in rejected[4] and "REPORT_YEAR" in rejected[5] and "unparseable CERTIFIED_DATE" in rejected[6]
    assert "after today" in rejected[7] and "REPORT_ID" in rejected[8] and "malformed record" in rejected[10]


def test_a_file_without_the_columns_is_not_an_annual_reports_download() -> None:
    with pytest.raises(Exception, match="missing columns REPORT_ID, REPORT_YEAR, CERTIFIED_DATE") as err:
        read(b"WDID,PARAMETER\n1 23I001437,pH\n")
    assert getattr(err.value, "code", None) == "bad_format"


@pytest.mark.skipif(not SAMPLE.exists(), reason="../shared/data is not present")
def test_the_region_1_download_reads_98_certified_reports_on_99_lines() -> None:
    out = list(read_annual_reports(SAMPLE.open("rb"), name=SAMPLE.name, as_of=TODAY))
    assert len(out) == 98 and all(isinstance(r, AnnualReportRecord) and r.certified_on for r in out)
    lines = [r.line for r in out]
    assert max(b - a for a, b in itertools.pairwise(lines)) == 2  # one record spans two lines
    assert out[0] == AnnualReportRecord(WDID, "2015-2016", "844613", date(2016, 6, 20), 2)


# ---------------------------------------------------------------------------------------------- the service
class World:
    def __init__(self, *, registered: tuple[str, ...] = (WDID, OTHER)) -> None:
        self.objects, self.uploads, self.obligations = FakeUploadObjects(), FakeUploads(), FakeObligations()
        self.intake = AnnualReportIntake(
            objects=self.objects, uploads=self.uploads, facility_pages=lambda: [list(registered)],
            obligations=self.obligations, clock=FixedClock.on(TODAY),
        )  # fmt: skip

    def open(self, wdid: str, year: str) -> None:
        self.obligations.put_new(annual_report_obligation(wdid, year))

    def upload(self, key: str, body: bytes, version: str = "v1") -> ObjectEvent:
        self.objects.add(BUCKET, key, body, version)
        return ObjectEvent(kind="created", event_name="ObjectCreated:Put", bucket=BUCKET, key=key, version_id=version)

    def status(self, wdid: str, year: str) -> str | None:
        found = self.obligations.get(wdid, annual_report_obligation(wdid, year).obligation_id)
        return found[0].status if found else None


def test_certified_years_close_their_annual_reports_with_who_and_the_smarts_id() -> None:
    world = World()
    world.open(WDID, "2023-2024")
    world.open(WDID, "2024-2025")
    world.open(OTHER, "2024-2025")
    body = download(
        row(year="2023", report_id="1244322", certified="19-MAR-25 11.56.12.938000 AM"),
        row(year="2023", report_id="1244399", certified="01-APR-25 11.56.12.938000 AM"),  # amended: later
        row(year="2024", report_id="1295787", certified=""),  # not certified yet
        row(wdid="1 23I009999", year="2024"),  # not registered
        row(wdid="1 23I001437x"),  # rejected
    )
    result = world.intake.handle(world.upload("smarts/annual-reports/r1.txt", body))
    assert result.outcome == "accepted"
    assert result.counts == {"records": 4, "rejected": 1, "not_certified": 1, "not_registered": 1, "closed": 1,
                             "already_closed": 0, "not_tracked": 0}  # fmt: skip
    assert (world.status(WDID, "2023-2024"), world.status(WDID, "2024-2025")) == ("closed", "open")
    [completion] = world.obligations.completions
    assert (completion.actor_user_id, completion.reference, completion.completed_on) == (
        ACTOR, "1244322", date(2025, 3, 19))  # the earliest certification  # fmt: skip
    closed, _ = world.obligations.get(WDID, completion.obligation_id)  # type: ignore[misc]
    assert closed.facts["completion_reference"] == "1244322" and closed.facts["closed_on"] == "2025-03-19"
    record = world.uploads.get(BUCKET, "smarts/annual-reports/r1.txt", "v1")
    assert record is not None and record["status"] == "processed" and record["closed"] == 1
    report = world.objects.reports[(BUCKET, "smarts/annual-reports/r1.txt.errors.csv")].decode().splitlines()
    assert report[0] == "line,reason,kept" and report[1].startswith("6,")


def test_the_obligations_of_a_file_are_read_in_one_batched_read() -> None:
    world = World()
    world.open(WDID, "2024-2025")
    world.open(OTHER, "2024-2025")
    body = download(row(year="2024", report_id="1"), row(wdid=OTHER, year="2024", report_id="2"))
    result = world.intake.handle(world.upload("smarts/annual-reports/r1.txt", body))
    assert result.counts["closed"] == 2
    assert world.obligations.batch_reads == 1


def test_a_reupload_closes_nothing_twice_and_a_redelivery_is_a_duplicate() -> None:
    world = World()
    world.open(WDID, "2023-2024")
    body = download(row(year="2023", report_id="1244322", certified="19-MAR-25 11.56.12.938000 AM"))
    event = world.upload("smarts/annual-reports/r1.txt", body)
    assert world.intake.handle(event).counts["closed"] == 1
    assert world.intake.handle(event).outcome == "duplicate"
    again = world.intake.handle(world.upload("smarts/annual-reports/r1 copy.txt", body))
    assert (again.counts["closed"], again.counts["already_closed"]) == (0, 1)
    assert len(world.obligations.completions) == 1


def test_a_report_certified_before_its_july_1_is_written_closed_and_a_past_untracked_year_is_counted() -> None:
    world = World()
    body = download(
        row(year="2025", report_id="1400001", certified="20-JUN-26 09.00.00.000000 AM"),  # July 1, 2026 opens it
        row(year="2019", report_id="987260", certified="19-JUN-20 04.26.57.247000 PM"),  # never opened here
    )
    result = world.intake.handle(world.upload("smarts/annual-reports/r1.txt", body))
    assert (result.counts["closed"], result.counts["not_tracked"]) == (1, 1)
    assert world.status(WDID, "2025-2026") == "closed" and world.status(WDID, "2019-2020") is None
    assert not world.obligations.put_new(annual_report_obligation(WDID, "2025-2026"))  # July 1 keeps it closed


def test_a_file_that_is_not_a_download_is_rejected_on_its_record() -> None:
    world = World()
    result = world.intake.handle(world.upload("smarts/annual-reports/x.csv", b"WDID,Parameter\n1 23I001437,pH\n"))
    assert result.outcome == "rejected" and "missing columns" in (result.error or "")
    record = world.uploads.get(BUCKET, "smarts/annual-reports/x.csv", "v1")
    assert record is not None and record["status"] == "failed" and "missing columns" in record["error"]


def test_other_keys_and_deletions_are_ignored() -> None:
    world = World()
    assert world.intake.handle(world.upload("smarts/levels/x.csv", b"")).outcome == "ignored"
    assert world.intake.handle(world.upload("smarts/annual-reports/x.txt.errors.csv", b"")).outcome == "ignored"
    removed = ObjectEvent(kind="removed", event_name="ObjectRemoved:Delete", bucket=BUCKET,
                          key="smarts/annual-reports/x.txt")  # fmt: skip
    assert world.intake.handle(removed).outcome == "ignored"

"""Monitoring intake through the local stack: upload under monitoring/ -> S3 notification -> SQS -> intake ->
samples, error report, upload record; facts uploads -> status items. By default only the registered facilities'
rows are stored; the other tests upload as an operator storing all (`permitclock-store: all`)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from boto3.dynamodb.conditions import Attr

from tests.integration.conftest import Stack
from tests.integration.test_api import admin_event
from tests.unit.igp.igp_helpers import RAW_HEADER, raw_row

INTAKE = {"MonitoringIntakeFunction"}
REGION1 = "smarts/region1_raw_smarts_sample/Region_1_-_North_Coast_-_Industrial_Ad_Hoc_Reports_-_Parameter_Data.txt"
WDID = "1 08I000001"
STORE_ALL = {"permitclock-store": "all"}


def _upload(local: Stack, key: str, body: bytes, metadata: dict[str, str] = STORE_ALL) -> str:
    version = str(local.s3.put_object(Bucket=local.bucket, Key=key, Body=body, Metadata=metadata)["VersionId"])
    local.runner.drain(only=INTAKE)
    return version


def _record(local: Stack, key: str, version: str) -> dict[str, Any]:
    [record] = local.items(f"UPLOAD#{local.bucket}/{key}", f"V#{version}")
    return record


def _samples(local: Stack) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"FilterExpression": Attr("item_type").eq("sample")}
    while True:
        page = local.table.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _report(local: Stack, key: str) -> list[dict[str, str]]:
    body = local.s3.get_object(Bucket=local.bucket, Key=key)["Body"].read().decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_region1_file_is_stored_once_and_reupload_stores_nothing_twice(local: Stack, shared_data: Path) -> None:
    body = (shared_data / REGION1).read_bytes()
    key = "monitoring/region1/parameter data.txt"

    first = _upload(local, key, body)

    record = _record(local, key, first)
    assert record["status"] == "processed"
    assert record["layout"] == "smarts_raw"
    assert (record["rows_read"], record["stored"], record["rejected"]) == (99, 99, 0)
    samples = _samples(local)
    assert len(samples) == 99
    assert all(s["sk"].startswith(f"SAMPLE#{s['reporting_year']}#{s['parameter']}#") for s in samples)
    lead = [s for s in samples if s["parameter"].startswith("Lead") and s["qualifier"] == "ND"]
    assert lead, "the Region 1 lead non-detects are stored as samples"

    second = _upload(local, key, body)  # a new version of the same file

    record = _record(local, key, second)
    assert (record["rows_read"], record["stored"], record["already_stored"]) == (99, 0, 99)
    assert len(_samples(local)) == 99
    assert local.s3.get_object(Bucket=local.bucket, Key=key)["Body"].read() == body  # never modified


def test_bad_rows_go_to_the_error_report_with_line_numbers(local: Stack) -> None:
    rows = [
        raw_row(sample_id="1"),  # line 2: good
        raw_row(sample_id="2", sample_date="13/45/2016"),  # line 3: unparseable date
        raw_row(sample_id="3", result="abc"),  # line 4: unparseable number
        raw_row(sample_id="4", parameter="Iron, Total", units="furlongs"),  # line 5: unknown unit
        raw_row(sample_id="5", parameter="Specific Conductance", units="umhos/cm", result="120"),  # no NAL: kept
    ]
    key = "monitoring/2016/upload+test.txt"
    version = _upload(local, key, ("\n".join([RAW_HEADER, *rows]) + "\n").encode())

    record = _record(local, key, version)
    assert (record["rows_read"], record["stored"], record["rejected"]) == (5, 2, 3)
    assert record["error_report_key"] == key + ".errors.csv"
    report = _report(local, key + ".errors.csv")
    assert [int(r["line"]) for r in report] == [3, 4, 5]
    assert all(r["reason"] for r in report)
    # The report itself is ignored by the intake: no upload record, no samples from it.
    assert local.items(f"UPLOAD#{local.bucket}/{key}.errors.csv") == []
    assert {s["parameter"] for s in _samples(local)} == {"Zinc, Total", "Specific Conductance"}


def test_wrong_format_gets_one_error_naming_the_missing_columns(local: Stack) -> None:
    key = "monitoring/not-smarts.csv"
    version = _upload(local, key, b"facility,date,value\nA,2016-10-17,1\n")

    record = _record(local, key, version)
    assert record["status"] == "failed"
    assert "missing columns WDID, EVENT_TYPE, SAMPLE_DATE, PARAMETER" in record["error"]
    [row] = _report(local, key + ".errors.csv")
    assert row["line"] == "0" and "missing columns" in row["reason"]
    assert _samples(local) == []


def test_facts_upload_sets_return_to_baseline_facts_on_the_status(local: Stack) -> None:
    facts = {
        "facts": [
            {"wdid": WDID, "parameter": "Zinc, Total (Recoverable)", "level_1_report_submitted": "2025-12-20",
             "bmps_implemented": "2025-10-01"},
            {"wdid": WDID, "parameter": "Unobtainium", "bmps_implemented": "2025-10-01"},
        ]
    }  # fmt: skip
    key = "monitoring/facts/2025-12.json"
    version = _upload(local, key, json.dumps(facts).encode())

    record = _record(local, key, version)
    assert (record["rows_read"], record["stored"], record["rejected"]) == (2, 1, 1)
    [status] = local.items(f"FAC#{WDID}", "STATUS#Zinc")
    assert status["level_1_report_submitted"] == "2025-12-20"
    assert status["bmps_implemented"] == "2025-10-01"
    assert int(status["version"]) == 1
    [row] = _report(local, key + ".errors.csv")
    assert row["line"] == "2" and "Unobtainium" in row["reason"]


def test_by_default_only_registered_facilities_rows_are_stored_and_the_rest_counted(local: Stack) -> None:
    # GIVEN one facility created by an admin, and a file of its rows and another facility's (a bad row each)
    lrp = {"user_id": "lrp-1", "email": "lrp@one.example", "name": "Lee", "title": "Owner",
           "eauthorization_on_file": True}  # fmt: skip
    facility = {"wdid": WDID, "name": "One", "lrp": lrp}
    created = local.runner.invoke("ApiFunction", admin_event("POST", "/facilities", facility))
    assert created["statusCode"] == 201, created["body"]
    other = "4 19I000033"
    rows = [
        raw_row(wdid=WDID, sample_id="1"),  # line 2
        raw_row(wdid=other, sample_id="2"),
        raw_row(wdid=other, sample_id="3", result="abc"),
        raw_row(wdid=WDID, sample_id="4", result="abc"),  # line 5: rejected
        raw_row(wdid=other, sample_id="5"),
    ]
    key = "monitoring/statewide/parameter-data.txt"
    # WHEN it is uploaded without metadata
    version = _upload(local, key, ("\n".join([RAW_HEADER, *rows]) + "\n").encode(), metadata={})
    # THEN the registered facility's rows are read (one stored, one rejected by line), the others only counted
    record = _record(local, key, version)
    assert record["status"] == "processed" and record["store"] == "registered"
    assert (record["rows_read"], record["stored"], record["rejected"], record["skipped_unregistered"]) == (2, 1, 1, 3)
    assert {s["wdid"] for s in _samples(local)} == {WDID}
    assert [r["line"] for r in _report(local, key + ".errors.csv")] == ["5"]
    # the registered WDIDs came from the facility index, as the function's role allows
    uses = {u.sid for u in local.runner.iam_used if u.function == "MonitoringIntakeFunction"}
    assert "ListRegisteredFacilities" in uses

"""A monitoring download whose invocations run out of time, through the local stack: each invocation checkpoints
in the upload record and queues the next part on its own queue, which goes on at the checkpoint's byte (a ranged
GET), never at the first row. The record, the samples and the error report end as a one-shot run's: what the
reader gives offline for the registered facility (issue 18, #14.1)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Attr
from permitclock.adapters.samples import sample_item
from permitclock.bootstrap import Aws
from permitclock.domain.samples import RejectedRow, Sample
from permitclock.intake.smarts import SmartsReader

from infra.local_stack import REGION
from infra.sample_documents import RAW_HEADER, raw_row
from tests.integration.conftest import Stack
from tests.integration.test_api import admin_event

INTAKE = "MonitoringIntakeFunction"
WDID, OTHER = "1 08I000001", "4 19I000033"
MARGIN_MS = 60_000
"""The function's `resume_margin_seconds` (its default)."""
KEY = "monitoring/statewide/parameter-data.txt"


def _file() -> bytes:
    rows = []
    for i in range(45):
        rows.append(raw_row(wdid=OTHER if i % 3 == 0 else WDID, sample_id=f"s{i}",
                            result="abc" if i % 7 == 0 else f"0.{i + 1}",
                            reporting_year="2017" if i % 11 == 0 else "2016"))  # fmt: skip
    return ("\r\n".join([RAW_HEADER, *rows]) + "\r\n").encode()


def _budget(records: int) -> Callable[[], Callable[[], int]]:
    """Each invocation's remaining time: above the margin for `records` checks (one per record read), then under."""

    def clock() -> Callable[[], int]:
        left = iter(range(records - 1, -1_000_000, -1))
        return lambda: MARGIN_MS + next(left)

    return clock


def _samples(local: Stack) -> list[dict[str, Any]]:
    items = local.table.scan(FilterExpression=Attr("item_type").eq("sample"))["Items"]
    return sorted(items, key=lambda i: (i["pk"], i["sk"]))


@pytest.mark.parametrize("records_per_part", [None, 6])
def test_a_download_read_in_parts_ends_as_a_one_shot_run(local: Stack, records_per_part: int | None) -> None:
    # GIVEN a registered facility, and an intake whose S3 GETs are watched
    lrp = {"user_id": "lrp-1", "email": "lrp@one.example", "name": "Lee", "title": "Owner",
           "eauthorization_on_file": True}  # fmt: skip
    facility = {"wdid": WDID, "name": "One", "lrp": lrp}
    assert local.runner.invoke("ApiFunction", admin_event("POST", "/facilities", facility))["statusCode"] == 201
    s3 = boto3.client("s3", region_name=REGION)
    gets: list[dict[str, Any]] = []
    s3.meta.events.register("provide-client-params.s3.GetObject", lambda params, **_: gets.append(dict(params)))
    local.runner.use(INTAKE, replace(local.runner.runtime, aws=Aws(region=REGION, s3=s3)))
    if records_per_part is not None:
        local.runner.remaining_time(INTAKE, _budget(records_per_part))
    body = _file()
    # WHEN the file is uploaded and the intake runs to rest
    version = str(local.s3.put_object(Bucket=local.bucket, Key=KEY, Body=body)["VersionId"])
    local.runner.drain(only={INTAKE})
    # THEN the record holds what the reader gives offline for the registered facility's rows
    [record] = local.items(f"UPLOAD#{local.bucket}/{KEY}", f"V#{version}")
    reader = SmartsReader(io.BytesIO(body), as_of=date.today(), name=KEY)
    rows = list(reader.rows(frozenset({WDID})))
    samples = [r for r in rows if isinstance(r, Sample)]
    rejected = [r for r in rows if isinstance(r, RejectedRow) and not r.kept]
    kept = [r for r in rows if isinstance(r, RejectedRow) and r.kept]
    assert record["status"] == "processed" and record["checkpoint"] is None
    assert (record["rows_read"], record["stored"], record["already_stored"], record["rejected"],
            record["warnings"], record["skipped_unregistered"]) == (
        len(samples) + len(rejected), len(samples), 0, len(rejected), len(kept), reader.skipped)  # fmt: skip
    upload = f"{KEY}#{version}"
    expected = sorted((sample_item(s, upload=upload) for s in samples), key=lambda i: (i["pk"], i["sk"]))
    assert [{k: str(v) for k, v in i.items()} for i in _samples(local)] == [
        {k: str(v) for k, v in i.items()} for i in expected
    ]
    report = local.s3.get_object(Bucket=local.bucket, Key=KEY + ".errors.csv")["Body"].read().decode()
    assert [(int(r["line"]), r["kept"]) for r in csv.DictReader(io.StringIO(report))] == sorted(
        [(r.line, "true" if r.kept else "false") for r in rejected + kept]
    )
    assert local.queue_messages("MonitoringEventsDLQ") == []
    # and each later part read the file from its checkpoint's byte (a line start) on, never from the first row
    data_gets = [g for g in gets if g["Key"] == KEY]
    ranged = [int(g["Range"].removeprefix("bytes=").removesuffix("-")) for g in data_gets if "Range" in g]
    assert len(ranged) == int(record["resumes"])
    assert all(body[offset - 2 : offset] == b"\r\n" for offset in ranged) and ranged == sorted(set(ranged))
    if records_per_part is None:
        assert record["resumes"] == 0
    else:
        assert int(record["resumes"]) >= 4

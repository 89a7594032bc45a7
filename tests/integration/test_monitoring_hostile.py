"""The hostile SMARTS corpus (tests/unit/igp/hostile_monitoring.py) through the deployed monitoring intake: S3
upload -> notification -> queue -> function, then the upload's final state. No upload is left `processing`; a bad
row is a rejected row with its line; a bad file is `failed` with its reason and error report (issue #14.1)."""

from __future__ import annotations

import csv
import io

from tests.integration.conftest import Stack
from tests.unit.igp.hostile_monitoring import CASES

INTAKE = {"MonitoringIntakeFunction"}
STORE_ALL = {"permitclock-store": "all"}
"""An operator's upload storing every facility's rows: the corpus's facilities are not registered."""


def test_every_hostile_upload_ends_in_its_documented_state(local: Stack) -> None:
    versions = {
        case.name: str(
            local.s3.put_object(Bucket=local.bucket, Key=case.key, Body=case.body, Metadata=STORE_ALL)["VersionId"]
        )
        for case in CASES
    }
    local.runner.drain(only=INTAKE)
    assert local.queue_messages("MonitoringEventsDLQ") == []
    for case in CASES:
        [record] = local.items(f"UPLOAD#{local.bucket}/{case.key}", f"V#{versions[case.name]}")
        report = []
        if record.get("error_report_key"):
            body = local.s3.get_object(Bucket=local.bucket, Key=record["error_report_key"])["Body"].read().decode()
            report = list(csv.DictReader(io.StringIO(body)))
        stored = int(record["stored"]) + int(record.get("already_stored", 0))
        if case.file_error:
            assert record["status"] == "failed", case.name
            assert case.file_error in record["error"], (case.name, record["error"])
            assert report[-1]["line"] == "0" and case.file_error in report[-1]["reason"], case.name
            assert stored == case.stored_before_failure, case.name
            continue
        assert record["status"] == "processed", case.name
        assert stored == len(case.sample_lines), case.name
        assert int(record["rejected"]) == len(case.rejected_lines), case.name
        assert [int(r["line"]) for r in report] == case.rejected_lines, case.name
        reasons = " | ".join(r["reason"] for r in report)
        assert all(fragment in reasons for fragment in case.reasons), (case.name, reasons)

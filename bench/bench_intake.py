"""Benchmark the monitoring intake of a statewide-shaped portal CSV on the local stack: registered-only vs store-all.

Writes a data.ca.gov "Parameter Data" CSV shaped like the statewide file (`infra.synthetic_monitoring`: FACILITIES
facilities of the statewide shape, 20 parameters, 15 reporting years; default 100 facilities, about 60,000 rows),
then, side by side in one run, each on a fresh moto stack with the same registered facilities (every
`--registered-every`-th one, default 10: a deployment follows a share of the state's facilities), uploads it
under `monitoring/` and drains MonitoringIntakeFunction: once as it comes (only the registered facilities' rows
stored) and once with the metadata `permitclock-store: all`. Every DynamoDB request the handler makes is counted
by operation (a botocore `before-call.dynamodb` hook on boto3's default session, as bench_annual_run.py does).
Prints, per mode, rows/s read (the file's rows over the intake's time), rows/s stored, DynamoDB requests per
stored row, the parts it took, and the time the statewide file (5.5 million rows) would take at that read rate
against the function's 900 s limit, then one JSON line. `--part-records N` gives each invocation time for N
records only, so the file is read in parts (checkpoint, resume message, ranged GET). moto is not DynamoDB: its
rate is the handler's own cost plus moto's, a lower bound on neither. Nothing is asserted.

    .venv/bin/python bench/bench_intake.py [--facilities N] [--registered-every K] [--part-records N]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STATEWIDE_ROWS = 5_500_000
LAMBDA_LIMIT_S = 900
MODES = {"registered": {}, "all": {"permitclock-store": "all"}}
"""Each mode's upload metadata."""


def part_clock(records: int) -> Callable[[], int]:
    """An invocation's remaining time: above the intake's 60 s margin for `records` checks, then under it."""
    left = iter(range(records - 1, -(1 << 62), -1))
    return lambda: 60_000 + next(left)


def run_mode(path: Path, metadata: dict[str, str], registered: list[str], part_records: int | None) -> dict[str, Any]:
    """One fresh stack: register the facilities, upload the file with `metadata`, drain the intake (each
    invocation with time for `part_records` records, when given)."""
    import boto3
    from moto import mock_aws
    from permitclock.adapters.facilities import FacilityDirectory

    from infra.local_stack import REGION, provision
    from infra.runner import LocalRunner

    calls: Counter[str] = Counter()
    with mock_aws():
        stack = provision()
        boto3.setup_default_session(region_name=REGION)
        boto3.DEFAULT_SESSION.events.register(  # type: ignore[union-attr]
            "before-call.dynamodb", lambda model, **_: calls.update([model.name])
        )
        table = boto3.resource("dynamodb").Table(stack.table)
        directory = FacilityDirectory(table)
        for wdid in registered:
            directory.put_profile(wdid, f"Facility {wdid}")
        runner = LocalRunner(stack)
        if part_records:
            runner.remaining_time("MonitoringIntakeFunction", lambda: part_clock(part_records))
        s3 = boto3.client("s3", region_name=REGION)
        key = "monitoring/statewide/parameter-data.csv"
        version = s3.put_object(Bucket=stack.bucket, Key=key, Body=path.read_bytes(), Metadata=metadata)["VersionId"]
        calls.clear()
        start = time.perf_counter()
        runner.drain(only={"MonitoringIntakeFunction"})
        elapsed = time.perf_counter() - start
        record = table.get_item(Key={"pk": f"UPLOAD#{stack.bucket}/{key}", "sk": f"V#{version}"}).get("Item", {})
    return {
        "seconds": round(elapsed, 2),
        "status": record.get("status"),
        "stored": int(record.get("stored", 0)),
        "rows_read": int(record.get("rows_read", 0)),
        "skipped_unregistered": int(record.get("skipped_unregistered", 0)),
        "resumes": int(record.get("resumes", 0)),
        "requests_total": sum(calls.values()),
        "by_operation": dict(sorted(calls.items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--facilities", type=int, default=100, help="facilities in the file (about 600 rows each)")
    parser.add_argument("--registered-every", type=int, default=10, help="register every K-th facility")
    parser.add_argument(
        "--part-records", type=int, default=None, help="give each invocation time for N records (forces resumes)"
    )
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    logging.disable(logging.CRITICAL)
    os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"
    os.environ.update(AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_DEFAULT_REGION="us-west-2")
    from infra.synthetic_monitoring import wdid_of, write_monitoring

    registered = [wdid_of(i, args.facilities) for i in range(0, args.facilities, args.registered_every)]
    figures: dict[str, Any] = {
        "bench": "intake",
        "facilities": args.facilities,
        "registered_facilities": len(registered),
        "part_records": args.part_records,
    }
    with tempfile.TemporaryDirectory(prefix="bench_intake_") as tmp:
        path = Path(tmp) / "statewide.csv"
        rows = write_monitoring(
            path, args.facilities, parameters=20, years=range(2010, 2025), events=3, layout="data_ca_gov"
        )
        figures["rows"] = rows
        for mode, metadata in MODES.items():
            run = run_mode(path, metadata, registered, args.part_records)
            stored = max(run["stored"], 1)
            run["rows_per_s_read"] = round(rows / run["seconds"])
            run["rows_per_s_stored"] = round(run["stored"] / run["seconds"])
            run["requests_per_stored_row"] = round(run["requests_total"] / stored, 4)
            run["statewide_seconds_at_this_rate"] = round(STATEWIDE_ROWS / run["rows_per_s_read"])
            figures[mode] = run
    print(f"file: {rows:,} rows, {args.facilities} facilities, {len(registered)} registered (every "
          f"{args.registered_every}th)")  # fmt: skip
    print(f"{'':34}{'registered only':>18}{'store all':>18}")
    lines = [
        ("intake seconds on moto", "seconds"),
        ("rows/s read (file rows / time)", "rows_per_s_read"),
        ("rows/s stored", "rows_per_s_stored"),
        ("rows stored", "stored"),
        ("rows skipped (unregistered)", "skipped_unregistered"),
        ("DynamoDB requests", "requests_total"),
        ("DynamoDB requests per stored row", "requests_per_stored_row"),
        ("parts after the first (resumes)", "resumes"),
        ("statewide file at the read rate, s", "statewide_seconds_at_this_rate"),
    ]
    for label, name in lines:
        print(f"{label:34}{figures['registered'][name]:>18,}{figures['all'][name]:>18,}")
    for mode in MODES:
        ops = ", ".join(f"{op} {n}" for op, n in figures[mode]["by_operation"].items())
        print(f"{mode}: {ops}")
    figures["lambda_limit_s"] = LAMBDA_LIMIT_S
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())

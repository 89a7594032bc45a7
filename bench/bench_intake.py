"""Benchmark the monitoring intake of a statewide-shaped portal CSV on the local stack: rows/s, requests/row.

Provisions template.yaml on moto, writes a data.ca.gov "Parameter Data" CSV shaped like the statewide file
(`infra.synthetic_monitoring`: FACILITIES facilities of the statewide shape, 20 parameters, 15 reporting years;
default 100 facilities, about 60,000 rows), uploads it under `monitoring/` and drains MonitoringIntakeFunction.
Every DynamoDB request the handler makes is counted by operation (a botocore `before-call.dynamodb` hook on
boto3's default session, as bench_annual_run.py does). Prints rows/s, requests per stored row and the time the
statewide file (5.5 million rows) would take at that rate against the function's 900 s limit, then one JSON line.
moto is not DynamoDB: its rate is the handler's own cost plus moto's, a lower bound on neither. Nothing is
asserted.

    .venv/bin/python bench/bench_intake.py [--facilities N]
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STATEWIDE_ROWS = 5_500_000
LAMBDA_LIMIT_S = 900


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--facilities", type=int, default=100)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    logging.disable(logging.CRITICAL)
    os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"
    os.environ.update(AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_DEFAULT_REGION="us-west-2")
    import boto3
    from moto import mock_aws

    from infra.local_stack import REGION, provision
    from infra.runner import LocalRunner
    from infra.synthetic_monitoring import write_monitoring

    calls: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="bench_intake_") as tmp, mock_aws():
        path = Path(tmp) / "statewide.csv"
        rows = write_monitoring(
            path, args.facilities, parameters=20, years=range(2010, 2025), events=3, layout="data_ca_gov"
        )
        stack = provision()
        boto3.setup_default_session(region_name=REGION)
        boto3.DEFAULT_SESSION.events.register(  # type: ignore[union-attr]
            "before-call.dynamodb", lambda model, **_: calls.update([model.name])
        )
        runner = LocalRunner(stack)
        s3 = boto3.client("s3", region_name=REGION)
        key = "monitoring/statewide/parameter-data.csv"
        version = s3.put_object(  # every facility's rows: none is registered here
            Bucket=stack.bucket, Key=key, Body=path.read_bytes(), Metadata={"permitclock-store": "all"}
        )["VersionId"]
        calls.clear()
        start = time.perf_counter()
        runner.drain(only={"MonitoringIntakeFunction"})
        elapsed = time.perf_counter() - start
        table = boto3.resource("dynamodb").Table(stack.table)
        record = table.get_item(Key={"pk": f"UPLOAD#{stack.bucket}/{key}", "sk": f"V#{version}"}).get("Item", {})
    stored = int(record.get("stored", 0))
    total = sum(calls.values())
    rate = rows / elapsed
    statewide_s = STATEWIDE_ROWS / rate
    print(f"rows {rows:,} ({args.facilities} facilities), stored {stored:,}, status {record.get('status')}")
    print(f"intake {elapsed:.1f} s on moto: {rate:,.0f} rows/s")
    print("DynamoDB requests by operation:")
    for op, count in sorted(calls.items()):
        print(f"  {op:<20} {count:>7}  {count / max(stored, 1):.4f} per stored row")
    print(f"requests per stored row: {total / max(stored, 1):.4f}")
    print(
        f"statewide file ({STATEWIDE_ROWS:,} rows) at this rate: {statewide_s:,.0f} s "
        f"({'within' if statewide_s < LAMBDA_LIMIT_S else 'OVER'} the {LAMBDA_LIMIT_S} s function limit)"
    )
    figures = {
        "bench": "intake",
        "facilities": args.facilities,
        "rows": rows,
        "stored": stored,
        "seconds": round(elapsed, 2),
        "rows_per_s": round(rate),
        "requests_total": total,
        "requests_per_stored_row": round(total / max(stored, 1), 4),
        "by_operation": dict(sorted(calls.items())),
        "statewide_seconds_at_this_rate": round(statewide_s),
        "lambda_limit_s": LAMBDA_LIMIT_S,
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())

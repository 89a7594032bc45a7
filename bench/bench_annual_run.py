"""Benchmark the July 1 annual run on the local stack: DynamoDB requests per facility.

Provisions template.yaml on moto, registers FACILITIES facilities (default 2,000) with 8 parameters x 3 results
of the reporting year each (synthetic samples written straight to the table, for speed), fires the annual
schedule for July 1 and drains the level work queue. Every DynamoDB request the handlers make is counted with a
botocore `before-call.dynamodb` hook on boto3's default session (the handlers build their clients from it),
by operation. Prints requests per facility (target: constant, 2 Queries (the year ended; the year beginning's
samples, for its sampling duties) + 1 TransactWriteItems, plus a GetItem and at most a PutItem per sampling duty
and the planner's and the summary's share), then one JSON line of figures. Nothing is asserted.

    .venv/bin/python bench/bench_annual_run.py [--facilities N]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import time
import warnings
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PARAMETERS = [
    ("Zinc, Total", "Zinc", "mg/L", 0.2),
    ("Copper, Total", "Copper", "mg/L", 0.02),
    ("Iron, Total", "Iron", "mg/L", 0.8),
    ("Aluminum, Total", "Aluminum", "mg/L", 0.6),
    ("Total Suspended Solids (TSS)", "TSS", "mg/L", 70.0),
    ("Oil and Grease", "O&G", "mg/L", 12.0),
    ("pH", "pH", "SU", 7.2),
    ("Nitrate & Nitrite Nitrogen, Total (as N)", "N+N", "mg/L", 0.5),
]


def _quiet() -> None:
    warnings.filterwarnings("ignore")
    logging.disable(logging.CRITICAL)
    os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"
    os.environ.update(AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_DEFAULT_REGION="us-west-2")


def _seed(table: Any, facilities: int, year_start: int) -> None:
    from permitclock.adapters.samples import sample_item
    from permitclock.domain.samples import Sample
    from permitclock.rules.igp.nals import nal_for

    rng = random.Random(7)
    first = date(year_start, 10, 1)
    with table.batch_writer() as writer:
        for n in range(facilities):
            wdid = f"{1 + n % 9} {n % 58 + 1:02d}I{n:06d}"
            writer.put_item(Item={"pk": f"FAC#{wdid}", "sk": "PROFILE", "gsi1pk": "FACILITY", "gsi1sk": wdid,
                                  "wdid": wdid, "name": f"Facility {n}"})  # fmt: skip
            for name, _, units, typical in PARAMETERS:
                nal = nal_for(name)
                for k in range(3):
                    value = Decimal(str(round(typical * rng.uniform(0.2, 2.0), 3)))
                    day = first + timedelta(days=40 * k)
                    sample = Sample(
                        wdid=wdid, parameter=name, nal=nal.parameter if nal else None, sample_date=day,
                        reporting_year=f"{year_start}-{year_start + 1}", qualifier="=", result=value, units=units,
                        value=value, sample_id=f"{n}-{k}", location="DP-1", location_type="Effluent Monitoring",
                        event_type="Qualifying Storm Event", file="bench", line=k + 2,
                    )  # fmt: skip
                    writer.put_item(Item=sample_item(sample))


def _skip_moto_transaction_snapshots() -> None:
    """moto deep-copies the whole table once per transaction item (for rollback): O(table) per request, which
    would make this benchmark measure moto. The first run cancels no transaction, so the snapshot is skipped
    here (bench only); the requests counted are the same."""
    import copy
    import types

    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    shim = types.SimpleNamespace(deepcopy=lambda obj, *a, **k: obj if isinstance(obj, Table) else copy.deepcopy(obj))
    models.copy = shim  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--facilities", type=int, default=2000)
    args = parser.parse_args(argv)
    _quiet()
    import boto3
    from moto import mock_aws
    from permitclock.adapters.levels import RunSummaryStore
    from permitclock.services.annual_run import summary_view

    from infra.local_stack import REGION, provision
    from infra.runner import LocalRunner

    _skip_moto_transaction_snapshots()
    calls: Counter[str] = Counter()
    with mock_aws():
        stack = provision()
        # mock_aws resets boto3's default session: hook the one the handlers will build their clients from.
        boto3.setup_default_session(region_name=REGION)
        boto3.DEFAULT_SESSION.events.register(  # type: ignore[union-attr]
            "before-call.dynamodb", lambda model, **_: calls.update([model.name])
        )
        runner = LocalRunner(stack)
        table = boto3.resource("dynamodb").Table(stack.table)
        t0 = time.perf_counter()
        _seed(table, args.facilities, 2024)
        seeded = time.perf_counter() - t0
        print(f"seeded {args.facilities} facilities x 8 parameters x 3 results in {seeded:.1f} s", file=sys.stderr)
        calls.clear()
        t0 = time.perf_counter()
        fired = runner.fire("AnnualPlannerFunctionAnnualLevelAssignment", {"on": "2025-07-01"})
        planner_calls = Counter(calls)
        runner.drain(only={"LevelWorkerFunction"})
        elapsed = time.perf_counter() - t0
        run_calls = Counter(calls)
        summary = summary_view(RunSummaryStore(table).get(fired["run_id"]) or {})
    n = args.facilities
    worker_calls = run_calls - planner_calls
    total = sum(run_calls.values())
    print(f"facilities: {n}, run time {elapsed:.1f} s ({n / elapsed:.0f} facilities/s on moto)")
    print("DynamoDB requests by operation (whole run):")
    for op, count in sorted(run_calls.items()):
        print(f"  {op:<20} {count:>7}  {count / n:6.3f} per facility")
    print(f"requests per facility: {total / n:.3f} (worker only: {sum(worker_calls.values()) / n:.3f})")
    figures = {
        "bench": "annual_run",
        "facilities": n,
        "seconds": round(elapsed, 2),
        "requests_total": total,
        "requests_per_facility": round(total / n, 3),
        "worker_requests_per_facility": round(sum(worker_calls.values()) / n, 3),
        "queries_per_facility": round(run_calls["Query"] / n, 3),
        "transactions_per_facility": round(run_calls["TransactWriteItems"] / n, 3),
        "by_operation": dict(sorted(run_calls.items())),
        "facilities_evaluated": summary["facilities_evaluated"],
        "changes": summary["changes"],
        "obligations_opened": summary["obligations_opened"],
        "sampling_duties_written": summary["sampling_duties_written"],
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark the HTTP API on the local stack: p50/p99 latency per route and DynamoDB requests per call.

Provisions template.yaml on moto, seeds one facility with REPORTS reports (each with history items, an attachment
record and two obligations), then invokes `ApiFunction` in-process with API Gateway HTTP API v2 events for each
route, ITERATIONS times. Prints a table and one JSON line. The target is structural, not wall-clock: a list or
detail call reads its data with ONE query (plus the caller's membership GetItem), whatever the facility holds.
Latency on moto is the handler plus moto's in-process DynamoDB (whose Query and GSI Query scan the whole
table in Python, so they grow with the table, unlike DynamoDB); the "handler" columns subtract the time spent
inside DynamoDB calls (botocore before-call/after-call hooks). Nothing is asserted.

    .venv/bin/python -m bench.bench_api [--reports 200] [--iterations 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-west-2",
)

from moto import mock_aws  # noqa: E402
from permitclock.adapters.attachment_records import AttachmentRecords  # noqa: E402
from permitclock.adapters.obligations import ObligationStore  # noqa: E402
from permitclock.adapters.qisp import QispRegistry  # noqa: E402
from permitclock.adapters.reports import DynamoDbReportStore, report_item  # noqa: E402
from permitclock.bootstrap import Aws  # noqa: E402
from permitclock.clock import FixedClock  # noqa: E402
from permitclock.domain.members import Member  # noqa: E402
from permitclock.domain.obligations import Obligation  # noqa: E402
from permitclock.domain.reports import QispRecord, Report  # noqa: E402
from permitclock.domain.uploads import AttachmentRecord  # noqa: E402
from permitclock.observability import logger  # noqa: E402
from permitclock.workflow.reports import set_demonstrations, set_qisp  # noqa: E402

from infra.local_stack import REGION, provision  # noqa: E402
from infra.runner import LocalRunner  # noqa: E402

WDID = "5S34I025848"
PARAMS = ("Total Suspended Solids (TSS)", "Zinc, Total (Recoverable)")
BMP = "Industrial Activity BMP Demonstration (Part 2.a.iii)"
QISP = QispRecord(certificate_number="F09876", first_name="Qisp", last_name="Industrial", zip="95814")
EVENT = json.loads((ROOT / "events/api/list_reports.json").read_text())


def event(method: str, path: str, *, user: str, body: Any = None, query: dict[str, str] | None = None) -> dict:
    out = json.loads(json.dumps(EVENT))
    out.update(rawPath=path, rawQueryString=urlencode(query or {}), queryStringParameters=query)
    out["requestContext"]["http"].update(method=method, path=path)
    out["requestContext"]["authorizer"]["jwt"]["claims"].update(sub=user, name=f"Name of {user}")
    out["body"] = json.dumps(body) if body is not None else None
    return out


def seed(table: Any, reports: int) -> list[str]:
    store = DynamoDbReportStore(table)
    member = Member(wdid=WDID, user_id="user-dep", role="DEP", email="dep@example.com")
    for m in (member, Member(wdid=WDID, user_id="user-lrp", role="LRP", eauthorization_on_file=True, title="PM")):
        store.put_member(m)
    QispRegistry(table).put_all([QISP])
    obligations, records = ObligationStore(table), AttachmentRecords(table)
    clock = FixedClock.on(date(2026, 11, 3))
    ids = []
    for n in range(reports):
        report_id = f"R{n:04d}"
        year = f"{2000 + n // 10}-{2001 + n // 10}"
        oblig = [
            Obligation(
                program="igp",
                type="Level 2 ERA Technical Report",
                facility_id=WDID,
                subject=p,
                due=date(2027, 1, 1),
                section="IGP XII.D.2",
                period=report_id,
            )
            for p in PARAMS
        ]
        for o in oblig:
            obligations.put_new(o)
        report = Report(
            wdid=WDID,
            report_id=report_id,
            report_type="Level 2 ERA Technical Report",
            reporting_year=year,
            parameters=PARAMS,
            due=date(2027, 1, 1),
            obligation_ids=tuple(o.obligation_id for o in oblig),
        )
        table.put_item(Item=report_item(report))  # as the July 1 run opens it (a bench seeds thousands)
        change = set_demonstrations(report, member, {p: [BMP] for p in PARAMS}, clock)
        store.commit(change)
        store.commit(set_qisp(change.report, member, QISP, clock))
        records.put_new(
            AttachmentRecord(
                attachment_id=f"att{n:04d}",
                status="accepted",
                bucket="bench",
                key=f"attachments/{WDID}/{report_id}/tr.pdf",
                version_id=f"v{n}",
                wdid=WDID,
                report_id=report_id,
                file_name="tr.pdf",
                file_type="Level 2 ERA Technical Report",
                title="Technical Report",
                date_attached=datetime(2026, 11, 1, 12),
                size=1000,
                sha256="0" * 64,
                pages=4,
            )
        )
        ids.append(report_id)
    return ids


def run(reports: int, iterations: int) -> dict[str, Any]:
    with mock_aws():
        stack = provision()
        import boto3

        dynamodb = boto3.resource("dynamodb", region_name=REGION)  # the API function's: its requests are counted
        runner = LocalRunner(stack)
        runner.use("ApiFunction", replace(runner.runtime, aws=Aws(region=REGION, dynamodb=dynamodb)))
        table = boto3.resource("dynamodb", region_name=REGION).Table(stack.table)
        t0 = time.perf_counter()
        ids = seed(table, reports)
        seed_seconds = time.perf_counter() - t0
        middle = ids[len(ids) // 2]
        report = f"/facilities/{WDID}/reports/{middle}"
        routes: list[tuple[str, str, str, str, Any, dict[str, str] | None]] = [
            ("GET /facilities", "GET", "/facilities", "user-dep", None, None),
            ("GET /facilities/{wdid}/reports", "GET", f"/facilities/{WDID}/reports", "user-dep", None, None),
            ("GET /facilities/{wdid}/obligations", "GET", f"/facilities/{WDID}/obligations", "user-dep", None, None),
            ("GET /facilities/{wdid}/reports/{id}", "GET", report, "user-dep", None, None),
            ("POST .../completion-check", "POST", f"{report}/completion-check", "user-dep", None, None),
            (
                "PUT .../demonstrations",
                "PUT",
                f"{report}/demonstrations",
                "user-dep",
                {"demonstrations": {PARAMS[0]: [BMP]}},
                None,
            ),
            ("GET /qisps?last_name=", "GET", "/qisps", "user-dep", None, {"last_name": "industrial"}),
        ]
        runner.invoke("ApiFunction", event("GET", "/facilities", user="user-dep"))  # cold start, dependencies
        logger.setLevel("ERROR")  # one INFO line per change would swamp the table
        client = dynamodb.meta.client
        results = {}
        for name, method, path, user, body, query in routes:
            latencies: list[float] = []
            own: list[float] = []
            sent: Counter[str] = Counter()
            in_dynamodb = [0.0, 0.0]  # [started at, total seconds this call]

            def before(sent: Counter[str] = sent, clock: list[float] = in_dynamodb, **kwargs: Any) -> None:
                sent[kwargs["model"].name] += 1
                clock[0] = time.perf_counter()

            def after(clock: list[float] = in_dynamodb, **_: Any) -> None:
                clock[1] += time.perf_counter() - clock[0]

            client.meta.events.register("before-call.dynamodb", before, unique_id="bench-before")
            client.meta.events.register("after-call.dynamodb", after, unique_id="bench-after")
            items = 0
            for _ in range(iterations):
                in_dynamodb[1] = 0.0
                start = time.perf_counter()
                response = runner.invoke("ApiFunction", event(method, path, user=user, body=body, query=query))
                elapsed = time.perf_counter() - start
                latencies.append(elapsed * 1000)
                own.append((elapsed - in_dynamodb[1]) * 1000)
                assert response["statusCode"] == 200, (name, response)
                items = len(json.loads(response["body"]).get("reports", [])) or items
            client.meta.events.unregister("before-call.dynamodb", unique_id="bench-before")
            client.meta.events.unregister("after-call.dynamodb", unique_id="bench-after")
            results[name] = {
                "p50_ms": round(statistics.median(latencies), 2),
                "p99_ms": round(statistics.quantiles(latencies, n=100, method="inclusive")[98], 2),
                "handler_p50_ms": round(statistics.median(own), 2),
                "handler_p99_ms": round(statistics.quantiles(own, n=100, method="inclusive")[98], 2),
                "requests_per_call": {k: round(v / iterations, 2) for k, v in sorted(sent.items())},
                **({"reports_returned": items} if items else {}),
            }
        return {"reports": reports, "iterations": iterations, "seed_seconds": round(seed_seconds, 1), "routes": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--iterations", type=int, default=200)
    args = parser.parse_args()
    import logging

    logging.disable(logging.WARNING)
    figures = run(args.reports, args.iterations)
    print(f"API on the local stack: {figures['reports']} reports, {figures['iterations']} calls per route")
    print("(handler = the call minus the time inside moto's DynamoDB, i.e. our code's own cost)")
    header = f"{'route':38} {'p50 ms':>8} {'p99 ms':>8} {'handler p50':>12} {'handler p99':>12}  DynamoDB requests/call"
    print(header)
    for name, r in figures["routes"].items():
        requests = ", ".join(f"{k} {v:g}" for k, v in r["requests_per_call"].items())
        print(
            f"{name:38} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} {r['handler_p50_ms']:12.1f} {r['handler_p99_ms']:12.1f}"
            f"  {requests}"
        )
    print(json.dumps({"bench": "api", **figures}, sort_keys=True))


if __name__ == "__main__":
    main()

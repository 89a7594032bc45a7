"""Load on the local stack (`make load`): 50,000 facilities, 500 concurrent API requests, 10,000 uploads.

Everything runs on one embedded stack (template.yaml -> SAM translator -> moto CloudFormation, handlers
in-process through `infra.runner.LocalRunner`), in three phases on the same table:

1. **data**: 50,000 facilities' profiles, LRP memberships, parameter statuses (4 each) and obligations (2 each)
   written with `batch_writer` (write throughput, BatchWriteItem requests per item); then what reads them in
   bulk: the annual planner's facility listing (`facility_wdids`, GSI1 pages) and one deadline sweep fired
   through its schedule (1% of the facilities have something due; the rest one obligation past the horizon
   and one closed).
2. **api**: 500 requests started at once from 500 threads (a barrier) against `ApiFunction`, a mix of
   `GET /facilities`, `GET /facilities/{wdid}/obligations` and `GET /facilities/{wdid}/reports` by random LRPs.
   Lambda runs one invocation per execution environment at a time, so the threads share a pool of
   `--environments` LocalRunners (each its own copy of the handler module and its clients) and each request
   takes a free one; `--environments 1` funnels everything through one. Every answer is checked against the
   caller (status 200, the right facility, the right obligations). A sequential baseline is measured first.
3. **uploads**: 10,000 objects put under `attachments/` (valid one-page PDFs from
   `infra.sample_documents.text_pdf`, 5% bad: empty, a PNG, HTML, missing metadata), S3 notifications through
   the document events queue, drained by the validator's poller. Then verified from moto's own table and
   bucket: one record per upload, no duplicate (key, version), the rejected and quarantined counts equal the
   bad count, nothing left on the queue or its DLQ, one rejection notice per bad upload.

DynamoDB requests are counted with a botocore `before-call.dynamodb` hook on boto3's default session, set up
after provisioning (the handlers build their clients from it). moto is in-process and answers every Query by
walking the whole table in Python, and the GIL runs one thread at a time: latencies here are moto's and this
machine's, the request counts are DynamoDB's. The load averages are printed with the figures.

    .venv/bin/python -m bench.load [--scale 0.1] [--phases data,api,uploads] [--environments 50]

Prints figures per phase and one final JSON line; exits 1 when a check fails (lost, duplicated or
misanswered work), never on a timing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import queue
import random
import statistics
import sys
import threading
import time
import warnings
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FULL = {"facilities": 50_000, "requests": 500, "uploads": 10_000}
SWEEP_DAY = date(2026, 12, 25)
DUE_FRACTION = 0.01
BAD_FRACTION = 0.05
PARAMETERS = ("Zinc, Total (Recoverable)", "Copper, Total (Recoverable)", "Iron, Total", "pH")
REPORT_ID = "L1R-2025-2026"
VALIDATOR = "AttachmentValidatorFunction"
METADATA = {"file-type": "Level 1 ERA Report", "title": "Level 1 ERA Report", "uploaded-by": "load@example.com"}
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def _quiet() -> None:
    warnings.filterwarnings("ignore")
    logging.disable(logging.CRITICAL)
    os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"
    os.environ.update(AWS_ACCESS_KEY_ID="load", AWS_SECRET_ACCESS_KEY="load", AWS_DEFAULT_REGION="us-west-2")


def say(*parts: Any, flush: bool = True) -> None:
    """Print to the real stdout: the handlers' powertools Metrics flush EMF JSON to stdout every 100 metrics,
    so the run itself goes on with stdout pointed at /dev/null (see main)."""
    print(*parts, file=sys.__stdout__, flush=flush)


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def wdid_of(n: int) -> str:
    return f"{1 + n % 9} {n % 58 + 1:02d}I{n:06d}"


def pct(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


class Requests:
    """DynamoDB requests by operation, per phase (botocore before-call hook; thread-safe)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def hook(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.counts[model.name] += 1

    def take(self) -> Counter[str]:
        with self._lock:
            out, self.counts = self.counts, Counter()
        return out


# ---------------------------------------------------------------------------------------------- phase 1
def seed(table: Any, facilities: int) -> tuple[int, int]:
    """Write the facilities; returns (items written, facilities with something due)."""
    from permitclock.adapters.levels import status_item
    from permitclock.adapters.obligations import obligation_item
    from permitclock.domain.levels import ParameterStatus
    from permitclock.rules.igp.obligations import LEVEL_1_ERA_REPORT, LEVEL_2_ERA_ACTION_PLAN, era_obligation

    due_every = max(1, round(1 / DUE_FRACTION))
    items = due = 0
    statuses = [
        ParameterStatus(parameter=p, level=level, since=date(2025, 7, 1) if level != "Baseline" else None, version=1)
        for p, level in zip(PARAMETERS, ("Level 1", "Baseline", "Baseline", "Level 2"), strict=True)
    ]
    with table.batch_writer() as batch:
        for n in range(facilities):
            wdid = wdid_of(n)
            batch.put_item(Item={"pk": f"FAC#{wdid}", "sk": "PROFILE", "gsi1pk": "FACILITY", "gsi1sk": wdid,
                                 "wdid": wdid, "name": f"Facility {n}"})  # fmt: skip
            batch.put_item(Item={"pk": f"FAC#{wdid}", "sk": f"MEMBER#lrp-{n}", "gsi1pk": f"USER#lrp-{n}",
                                 "gsi1sk": f"FAC#{wdid}", "wdid": wdid, "user_id": f"lrp-{n}", "role": "LRP",
                                 "email": f"lrp{n}@load.example", "digest": False, "cc_opt_in": False})  # fmt: skip
            for status in statuses:
                batch.put_item(Item=status_item(wdid, status))
            if n % due_every == 0:  # Level 1 ERA Report due January 1, 2027: before-7 on December 25
                first = era_obligation(LEVEL_1_ERA_REPORT, wdid, PARAMETERS[0], "2025-2026", {})
                due += 1
            else:  # past the 60-day horizon: costs the sweep nothing
                first = era_obligation(LEVEL_1_ERA_REPORT, wdid, PARAMETERS[0], "2025-2026", {}).model_copy(
                    update={"due": date(2027, 9, 1)}
                )
            closed = era_obligation(LEVEL_2_ERA_ACTION_PLAN, wdid, PARAMETERS[3], "2024-2025", {}).model_copy(
                update={"status": "closed"}
            )
            batch.put_item(Item=obligation_item(first))
            batch.put_item(Item=obligation_item(closed))
            items += 2 + len(statuses) + 2
    return items, due


def phase_data(stack: Any, runner: Any, table: Any, requests: Requests, facilities: int) -> dict[str, Any]:
    from permitclock.adapters.levels import facility_wdids

    out: dict[str, Any] = {"facilities": facilities, "loadavg_before": loadavg()}
    requests.take()
    t0 = time.perf_counter()
    items, due = seed(table, facilities)
    seconds = time.perf_counter() - t0
    sent = requests.take()
    out.update(
        items_written=items,
        write_seconds=round(seconds, 1),
        write_items_per_s=round(items / seconds),
        write_requests=sum(sent.values()),
        write_requests_per_item=round(sum(sent.values()) / items, 4),
        write_requests_by_op=dict(sent),
        due_facilities=due,
    )
    say(
        f"[data] wrote {items:,} items ({facilities:,} facilities x 8) in {seconds:.1f} s: {items / seconds:,.0f} "
        f"items/s, {sum(sent.values()):,} requests ({dict(sent)}), {sum(sent.values()) / items:.4f} per item",
        flush=True,
    )

    t0 = time.perf_counter()
    listed = sum(len(page) for page in facility_wdids(table))
    seconds = time.perf_counter() - t0
    sent = requests.take()
    out.update(list_facilities=listed, list_seconds=round(seconds, 1), list_requests=sum(sent.values()),
               list_facilities_per_request=round(listed / max(1, sum(sent.values())), 1))  # fmt: skip
    say(
        f"[data] facility listing (planner, GSI1 pages of 1,000): {listed:,} facilities, {sum(sent.values())} "
        f"Query requests, {seconds:.1f} s",
        flush=True,
    )

    t0 = time.perf_counter()
    summary = runner.fire("DeadlineSweepFunctionDailySweep", {"on": SWEEP_DAY.isoformat()})
    seconds = time.perf_counter() - t0
    sent = requests.take()
    total = sum(sent.values())
    out.update(
        sweep_seconds=round(seconds, 1),
        sweep_requests=total,
        sweep_requests_by_op=dict(sorted(sent.items())),
        sweep_requests_per_due_facility=round(total / max(1, due), 3),
        sweep_reminders=summary.get("reminders"),
        sweep_obligations=summary.get("obligations"),
        sweep_feeds_written=summary.get("feeds_written"),
        loadavg_after=loadavg(),
    )
    say(
        f"[data] deadline sweep on {SWEEP_DAY}: {due:,} facilities due of {facilities:,}; {total:,} DynamoDB requests "
        f"({total / max(1, due):.2f} per due facility; {dict(sorted(sent.items()))}), reminders "
        f"{summary.get('reminders')}, feeds {summary.get('feeds_written')}, {seconds:.1f} s",
        flush=True,
    )
    say(f"[data] load average before/after: {out['loadavg_before']} / {out['loadavg_after']}", flush=True)
    return out


# ---------------------------------------------------------------------------------------------- phase 2
def api_event(base: dict[str, Any], path: str, user: str) -> dict[str, Any]:
    out = json.loads(json.dumps(base))
    out.update(rawPath=path, rawQueryString=urlencode({}), queryStringParameters=None, body=None)
    out["requestContext"]["http"].update(method="GET", path=path)
    out["requestContext"]["authorizer"]["jwt"]["claims"].update(
        sub=user, email=f"{user}@load.example", name=f"Name of {user}"
    )
    return out


def api_plan(count: int, facilities: int, seed_: int) -> list[tuple[str, str, int]]:
    rng = random.Random(seed_)
    routes = ("facilities", "obligations", "reports")
    return [(routes[i % 3], f"lrp-{(n := rng.randrange(facilities))}", n) for i in range(count)]


def check_answer(route: str, n: int, response: dict[str, Any]) -> str | None:
    """None when the answer is the caller's; else what is wrong."""
    if response.get("statusCode") != 200:
        return f"status {response.get('statusCode')}"
    body = json.loads(response.get("body") or "{}")
    wdid = wdid_of(n)
    if route == "facilities":
        found = [f.get("wdid") for f in body.get("facilities", [])]
        return None if found == [wdid] else f"facilities {found} for {wdid}"
    if route == "obligations":
        found = {o.get("facility_id") for o in body.get("obligations", [])}
        return None if found == {wdid} and len(body["obligations"]) == 2 else f"obligations of {found} for {wdid}"
    return None if body.get("reports") == [] else "reports"


def phase_api(
    stack: Any, requests: Requests, facilities: int, count: int, environments: int, sequential: int
) -> dict[str, Any]:
    from infra.runner import LocalRunner

    base = json.loads((ROOT / "events/api/list_reports.json").read_text())
    pool: queue.Queue[Any] = queue.Queue()
    t0 = time.perf_counter()
    runners = [LocalRunner(stack) for _ in range(environments)]
    for r in runners:  # cold start each environment: load the module, build its clients
        r.invoke("ApiFunction", api_event(base, "/facilities", "lrp-0"))
        pool.put(r)
    cold_s = time.perf_counter() - t0
    # The handlers' environment, set once for the process: LocalRunner.invoke sets and restores it around each
    # call, which is not thread-safe unless the values it restores are the same ones.
    os.environ.update(runners[0]._env(stack.functions["ApiFunction"]))
    requests.take()

    def one(route: str, user: str, n: int) -> tuple[float, str | None]:
        path = {"facilities": "/facilities", "obligations": f"/facilities/{wdid_of(n)}/obligations",
                "reports": f"/facilities/{wdid_of(n)}/reports"}[route]  # fmt: skip
        event = api_event(base, path, user)
        start = time.perf_counter()
        runner = pool.get()
        try:
            response = runner.invoke("ApiFunction", event)
        except Exception as err:  # counted and reported, never raised
            return (time.perf_counter() - start) * 1000, f"raised {type(err).__name__}: {err}"
        finally:
            pool.put(runner)
        return (time.perf_counter() - start) * 1000, check_answer(route, n, response)

    seq = [one(*p) for p in api_plan(sequential, facilities, 1)]
    seq_sent = requests.take()
    seq_ms = [s for s, _ in seq]

    plan = api_plan(count, facilities, 2)
    results: list[tuple[float, str | None] | None] = [None] * count
    barrier = threading.Barrier(count + 1)

    def worker(i: int) -> None:
        barrier.wait()
        results[i] = one(*plan[i])

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    load_before = loadavg()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    sent = requests.take()
    done = [r for r in results if r is not None]
    latencies = [ms for ms, _ in done]
    errors = Counter(err.split(" for ")[0] for _, err in done if err)
    total = sum(sent.values())
    out = {
        "requests": count,
        "threads": count,
        "environments": environments,
        "cold_start_s_per_environment": round(cold_s / environments, 3),
        "sequential_calls": sequential,
        "sequential_p50_ms": round(statistics.median(seq_ms), 1),
        "sequential_p99_ms": round(pct(seq_ms, 99), 1),
        "sequential_dynamodb_requests_per_call": round(sum(seq_sent.values()) / max(1, sequential), 3),
        "sequential_errors": sum(1 for _, e in seq if e),
        "seconds": round(wall, 2),
        "throughput_rps": round(count / wall, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(pct(latencies, 99), 1),
        "max_ms": round(max(latencies), 1),
        "dynamodb_requests_per_call": round(total / count, 3),
        "dynamodb_requests_by_op": dict(sorted(sent.items())),
        "answered": len(done),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "loadavg_before": load_before,
        "loadavg_after": loadavg(),
    }
    say(
        f"[api] sequential baseline, {sequential} calls: p50 {out['sequential_p50_ms']} ms, p99 "
        f"{out['sequential_p99_ms']} ms, {out['sequential_dynamodb_requests_per_call']} DynamoDB requests per call",
        flush=True,
    )
    say(
        f"[api] {count} concurrent requests ({count} threads, {environments} environments): {wall:.1f} s, "
        f"{count / wall:.1f} requests/s, p50 {out['p50_ms']} ms, p99 {out['p99_ms']} ms, max {out['max_ms']} ms; "
        f"{total / count:.2f} DynamoDB requests per call ({dict(sorted(sent.items()))}); wrong or failed answers: "
        f"{out['errors']} {dict(errors) or ''}",
        flush=True,
    )
    say(f"[api] load average before/after: {load_before} / {out['loadavg_after']}", flush=True)
    return out


# ---------------------------------------------------------------------------------------------- phase 3
def upload_body(i: int, bad_every: int) -> tuple[bytes, dict[str, str], str | None]:
    """(body, metadata, expected rejection code or None)."""
    from infra.sample_documents import text_pdf

    if i % bad_every == 0:
        kind = (i // bad_every) % 4
        if kind == 0:
            return b"", METADATA, "empty"
        if kind == 1:
            return PNG, METADATA, "wrong_file_type"
        if kind == 2:
            return b"<html><body>%PDF-1.7 not really</body></html>", METADATA, "not_pdf"
        return text_pdf(f"Upload {i}"), {"title": "no file type"}, "bad_metadata"
    return text_pdf(f"Level 1 ERA Report, upload {i}", "Zinc, Total (Recoverable): BMPs implemented."), METADATA, None


def moto_table_items(table_name: str) -> list[dict[str, Any]]:
    """The table's items straight from moto's backend (verification only: no DynamoDB request is made)."""
    from moto.dynamodb.models import dynamodb_backends

    from infra.local_stack import ACCOUNT_ID, REGION

    table = dynamodb_backends[ACCOUNT_ID][REGION].get_table(table_name)
    return [item.to_json()["Attributes"] for item in table.all_items()]


def _s(attr: dict[str, Any] | None) -> str | None:
    return None if attr is None else next(iter(attr.values()))


def _depth(sqs: Any, url: str) -> int:
    attrs = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


def phase_uploads(
    stack: Any, runner: Any, requests: Requests, facilities: int, uploads: int, report_every: int
) -> dict[str, Any]:
    s3, sqs = __import__("boto3").client("s3"), runner._sqs
    bad_every = max(1, round(1 / BAD_FRACTION))
    spread = max(1, min(facilities, 200))  # the facilities whose L1R report gets the uploads
    notices_url = stack.queue_url("NoticesQueue")
    notices_before = _depth(sqs, notices_url)
    expected: dict[str, str | None] = {}
    versions: dict[str, str] = {}
    load_before = loadavg()
    t0 = time.perf_counter()
    for i in range(uploads):
        body, metadata, code = upload_body(i, bad_every)
        key = f"attachments/{wdid_of(i % spread)}/{REPORT_ID}/upload-{i:05d}.pdf"
        versions[key] = s3.put_object(Bucket=stack.bucket, Key=key, Body=body, Metadata=metadata)["VersionId"]
        expected[key] = code
    put_s = time.perf_counter() - t0
    bad = sum(1 for c in expected.values() if c)
    say(f"[uploads] put {uploads:,} objects ({bad:,} bad) in {put_s:.1f} s: {uploads / put_s:,.0f} puts/s", flush=True)

    requests.take()
    [mapping] = [m for m in stack.mappings if m.function == VALIDATOR]
    per_item_ms: list[float] = []
    polls = received = failed = 0
    t0 = time.perf_counter()
    quiet = 0
    while quiet < 2:  # Lambda's poller: receive up to BatchSize, invoke, delete successes, release failures
        start = time.perf_counter()
        result = runner.poll(mapping)
        elapsed = (time.perf_counter() - start) * 1000
        polls += 1
        if not result.received:
            quiet += 1
            continue
        quiet = 0
        received += result.received
        failed += result.failed
        per_item_ms.extend([elapsed / result.received] * result.received)
        if received and received % report_every < result.received:
            rate = received / (time.perf_counter() - t0)
            say(f"[uploads]   {received:,} messages handled, {rate:.1f}/s, load {loadavg()}", flush=True)
    drain_s = time.perf_counter() - t0
    sent = requests.take()
    total = sum(sent.values())

    # Verification, from moto's own state (no counted request).
    records = [
        i
        for i in moto_table_items(stack.table)
        if "#ATT#" in (_s(i.get("sk")) or "") or (_s(i.get("pk")) or "").startswith("UPLOAD#")
    ]
    by_key: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_key.setdefault(_s(r.get("key")) or "", []).append(r)
    lost = [k for k in expected if k not in by_key]
    duplicated = [k for k, rs in by_key.items() if len(rs) > 1]
    wrong_version = [k for k, rs in by_key.items() if k in versions and _s(rs[0].get("version_id")) != versions[k]]
    extra = [k for k in by_key if k not in expected]
    rejected = {k for k, rs in by_key.items() if any(_s(r.get("status")) == "rejected" for r in rs)}
    wrong_verdict = [
        k
        for k, code in expected.items()
        if k in by_key
        and (
            (code is None and k in rejected)
            or (
                code is not None
                and code not in [_s(e["M"]["code"]) for e in by_key[k][0].get("errors", {}).get("L", [])]
            )
        )
    ]
    quarantined = sum(
        page.get("KeyCount", 0)
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=stack.bucket, Prefix="quarantine/")
    )
    left_in_attachments = sum(
        page.get("KeyCount", 0)
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=stack.bucket, Prefix="attachments/")
    )

    queue_left = _depth(sqs, mapping.queue_url)
    dlq = _depth(sqs, stack.queue_url("DocumentEventsDLQ"))
    notices = _depth(sqs, notices_url) - notices_before
    ok = (
        not lost
        and not duplicated
        and not wrong_version
        and not extra
        and not wrong_verdict
        and len(rejected) == bad
        and quarantined == bad
        and left_in_attachments == uploads - bad
        and queue_left == 0
        and dlq == 0
        and notices == bad
    )
    out = {
        "uploads": uploads,
        "bad": bad,
        "put_seconds": round(put_s, 1),
        "drain_seconds": round(drain_s, 1),
        "uploads_per_s": round(received / drain_s, 1) if drain_s else None,
        "messages": received,
        "batches": polls,
        "failed_in_batches": failed,
        "p50_ms_per_upload": round(statistics.median(per_item_ms), 1) if per_item_ms else None,
        "p99_ms_per_upload": round(pct(per_item_ms, 99), 1) if per_item_ms else None,
        "dynamodb_requests": total,
        "dynamodb_requests_per_upload": round(total / max(1, uploads), 3),
        "dynamodb_requests_by_op": dict(sorted(sent.items())),
        "records": len(records),
        "lost": len(lost),
        "duplicated": len(duplicated),
        "wrong_version": len(wrong_version),
        "unexpected_records": len(extra),
        "wrong_verdict": len(wrong_verdict),
        "rejected": len(rejected),
        "quarantined": quarantined,
        "left_in_attachments": left_in_attachments,
        "queue_left": queue_left,
        "dlq": dlq,
        "rejection_notices": notices,
        "ok": ok,
        "loadavg_before": load_before,
        "loadavg_after": loadavg(),
    }
    say(
        f"[uploads] drained {received:,} messages in {drain_s:.1f} s ({out['uploads_per_s']} uploads/s; per upload "
        f"p50 {out['p50_ms_per_upload']} ms, p99 {out['p99_ms_per_upload']} ms, batch time / batch size); "
        f"{total:,} DynamoDB requests, {out['dynamodb_requests_per_upload']} per upload ({dict(sorted(sent.items()))})",
        flush=True,
    )
    say(
        f"[uploads] records {len(records):,} for {uploads:,} uploads: lost {len(lost)}, duplicated {len(duplicated)}, "
        f"wrong version {len(wrong_version)}, wrong verdict {len(wrong_verdict)}; rejected {len(rejected)}, "
        f"quarantined {quarantined} (bad {bad}); left under attachments/ {left_in_attachments}; queue {queue_left}, "
        f"DLQ {dlq}; rejection notices {notices} -> {'OK' if ok else 'FAILED'}",
        flush=True,
    )
    say(f"[uploads] load average before/after: {load_before} / {out['loadavg_after']}", flush=True)
    return out


# ---------------------------------------------------------------------------------------------- moto shim
def index_moto_queries() -> None:
    """Make moto answer a Query from the partition (or GSI partition) it names, not by sorting the whole table.

    moto 5's `Table.query` starts from `all_items()`, which collects and *sorts every item of the table* on
    each call, then filters by key: every Query, even on one partition, costs O(n log n) in the table size
    (about 0.7 s per API call at 40,000 items, ~10 s at 400,000). That is moto, not DynamoDB, and it would
    make this load measure moto's sort. Like `bench_annual_run`'s transaction shim, this benchmark-only patch
    feeds moto's own `query` only the candidate items: the base table's partition dict, or a GSI hash-key
    group kept up to date from the keys every write touched (puts, deletes, in-place updates). moto still
    filters, sorts, pages, projects and counts as before, so results and request counts are unchanged.
    `--moto-scan` runs without it."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    if getattr(Table, "_load_indexed", False):
        return
    local = threading.local()
    lock = threading.RLock()
    state: dict[int, dict[str, Any]] = {}  # id(table) -> {"dirty": [(hash, range) written, in order], "gsi": {}}
    original_all_items, original_query = Table.all_items, Table.query
    original_put, original_delete, original_update = Table.put_item, Table.delete_item, DynamoDBBackend.update_item

    def table_state(table: Any) -> dict[str, Any]:
        st = state.get(id(table))
        if st is None or st["table"] is not table:  # a new table object (a restored transaction snapshot)
            st = state[id(table)] = {"table": table, "dirty": [], "gsi": {}}
        return st

    def touched(table: Any, hash_key: Any, range_key: Any) -> None:
        with lock:
            table_state(table)["dirty"].append((hash_key, range_key))

    def put_item(self: Any, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        item = original_put(self, item_attrs, *args, **kwargs)
        touched(self, item.hash_key, item.range_key)
        return item

    def delete_item(self: Any, hash_key: Any, range_key: Any = None) -> Any:
        touched(self, hash_key, range_key)
        return original_delete(self, hash_key, range_key)

    def update_item(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        table = self.get_table(table_name)
        result = original_update(self, table_name, key, *args, **kwargs)
        touched(table, result.hash_key, result.range_key)
        return result

    def current(table: Any, hash_key: Any, range_key: Any) -> Any:
        partition = table.items.get(hash_key)
        if partition is None:
            return None
        return partition.get(range_key) if table.range_key_attr else partition

    def gsi_group(table: Any, index_name: str, attr: str, value: Any) -> list[Any]:
        with lock:
            st = table_state(table)
            index = st["gsi"].get(index_name)
            if index is None:  # first query of this index: one pass over the table
                groups: dict[Any, dict[Any, Any]] = {}
                where: dict[Any, Any] = {}
                for item in original_all_items(table):
                    v = item.attrs.get(attr)
                    if v is not None:
                        pk = (item.hash_key, item.range_key)
                        groups.setdefault(v, {})[pk] = item
                        where[pk] = v
                index = st["gsi"][index_name] = {"groups": groups, "where": where, "seen": len(st["dirty"])}
            pending = set(st["dirty"][index["seen"] :])
            for pk in pending:  # re-file every item a write touched since this index last looked
                old = index["where"].pop(pk, None)
                if old is not None:
                    index["groups"].get(old, {}).pop(pk, None)
                item = current(table, *pk)
                v = item.attrs.get(attr) if item is not None else None
                if v is not None:
                    index["groups"].setdefault(v, {})[pk] = item
                    index["where"][pk] = v
            index["seen"] = len(st["dirty"])
            return list(index["groups"].get(value, {}).values())

    def all_items(self: Any) -> Any:
        override = getattr(local, "candidates", {}).get(id(self))
        return override if override is not None else original_all_items(self)

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name") if "index_name" in kwargs else (args[6] if len(args) > 6 else None)
        conditions = kwargs.get("hash_key_conditions")
        if index_name:
            index = {i.name: i for i in self.all_indexes()}.get(index_name)
            hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"] if index else []
            if conditions and len(conditions) == 1:
                attr, value = conditions[0]
            elif len(hashes) == 1 and hash_key is not None:
                attr, value = hashes[0], hash_key
            else:
                return original_query(self, hash_key, *args, **kwargs)
            candidates = gsi_group(self, index_name, attr, value)
        else:
            partition = self.items.get(hash_key)
            candidates = [] if partition is None else list(partition.values()) if self.range_key_attr else [partition]
        if not hasattr(local, "candidates"):
            local.candidates = {}
        local.candidates[id(self)] = candidates
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            local.candidates.pop(id(self), None)

    Table.all_items = all_items  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]
    Table.put_item = put_item  # type: ignore[method-assign]
    Table.delete_item = delete_item  # type: ignore[method-assign]
    DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]
    Table._load_indexed = True  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full sizes (50,000 / 500 / 10,000)")
    parser.add_argument("--facilities", type=int, help="override the scaled facility count")
    parser.add_argument("--requests", type=int, help="override the scaled concurrent API request count")
    parser.add_argument("--uploads", type=int, help="override the scaled upload count")
    parser.add_argument("--environments", type=int, default=50, help="API execution environments (default 50)")
    parser.add_argument("--moto-scan", action="store_true", help="leave moto's whole-table sort per Query in place")
    parser.add_argument("--phases", default="data,api,uploads", help="comma-separated: data, api, uploads")
    args = parser.parse_args(argv)
    phases = {p.strip() for p in args.phases.split(",") if p.strip()}
    facilities = args.facilities or max(100, round(FULL["facilities"] * args.scale))
    count = args.requests or max(10, round(FULL["requests"] * args.scale))
    uploads = args.uploads or max(20, round(FULL["uploads"] * args.scale))
    _quiet()
    import boto3
    from moto import mock_aws

    from infra.local_stack import REGION, provision
    from infra.runner import LocalRunner

    if not args.moto_scan:
        index_moto_queries()
    started = time.perf_counter()
    figures: dict[str, Any] = {
        "bench": "load",
        "scale": args.scale,
        "moto_query_shim": not args.moto_scan,
        "cpus": os.cpu_count(),
        "loadavg_start": loadavg(),
    }
    say(
        f"load on the local stack: {facilities:,} facilities, {count} concurrent API requests, {uploads:,} uploads "
        f"(scale {args.scale}; moto Query {'sorting the table' if args.moto_scan else 'from the named partition'}); "
        f"load average {figures['loadavg_start']} on {os.cpu_count()} CPUs",
        flush=True,
    )
    requests = Requests()
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull), mock_aws():
        stack = provision()
        # mock_aws resets boto3's default session: hook the one the handlers build their clients from.
        boto3.setup_default_session(region_name=REGION)
        boto3.DEFAULT_SESSION.events.register("before-call.dynamodb", requests.hook)  # type: ignore[union-attr]
        runner = LocalRunner(stack)
        table = boto3.resource("dynamodb").Table(stack.table)
        if "data" in phases:
            figures["data"] = phase_data(stack, runner, table, requests, facilities)
        else:  # the other phases still need the facilities they address
            seed(table, facilities)
            requests.take()
        if "api" in phases:
            figures["api"] = phase_api(stack, requests, facilities, count, args.environments, min(60, count))
        if "uploads" in phases:
            figures["uploads"] = phase_uploads(stack, runner, requests, facilities, uploads, max(500, uploads // 10))
    figures["seconds"] = round(time.perf_counter() - started, 1)
    figures["loadavg_end"] = loadavg()
    failed = []
    if "api" in figures and (figures["api"]["errors"] or figures["api"]["answered"] != count):
        failed.append("api")
    if "uploads" in figures and not figures["uploads"]["ok"]:
        failed.append("uploads")
    figures["ok"] = not failed
    say(f"total {figures['seconds']:.0f} s; load average at the end {figures['loadavg_end']}; "
          f"{'all checks hold' if not failed else 'FAILED: ' + ', '.join(failed)}")  # fmt: skip
    say(json.dumps(figures, sort_keys=True))
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())

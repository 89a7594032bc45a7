"""Benchmark the local server (`permitclock serve`): time from start to healthy, and p50/p99 of
`GET /facilities/{id}/reports` over HTTP for a facility with REPORTS reports, beside the same call in-process.

Starts `permitclock serve` in a subprocess on free ports and times it until `GET /_local/health` answers; seeds one
facility with REPORTS reports through the server's AWS endpoint (the seed of bench_api.py, on a boto3 table of
that endpoint); mints a token with the local issuer; then calls the route ITERATIONS times over HTTP (a new
connection each, as curl would). The in-process figure is bench_api.py's for the same route and size (the
handler invoked directly, no HTTP, no JWT check). Nothing is asserted: the figures are printed side by side.

    .venv/bin/python -m bench.bench_serve [--reports 200] [--iterations 200]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ROUTE = "GET /facilities/{wdid}/reports"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str, token: str | None = None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as response:
        return response.status, response.read()


def over_http(reports: int, iterations: int) -> dict[str, Any]:
    import boto3

    from bench.bench_api import WDID, seed
    from infra import local_issuer

    port, aws_port = _free_port(), _free_port()
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
    command = [sys.executable, "-m", "permitclock.cli.main", "serve", "--port", str(port), "--aws-port",
               str(aws_port), "--outbox", str(ROOT / "out" / "bench" / "serve-outbox")]  # fmt: skip
    started = time.perf_counter()
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        while True:
            if server.poll() is not None:
                raise SystemExit(f"permitclock serve exited with {server.returncode}")
            try:
                status, body = _get(base + "/_local/health")
                break
            except OSError:
                time.sleep(0.1)
        healthy_s = time.perf_counter() - started
        health = json.loads(body)
        table = boto3.resource(
            "dynamodb", region_name=health["region"], endpoint_url=health["aws_endpoint"],
            aws_access_key_id="local", aws_secret_access_key="local",
        ).Table(health["table"])  # fmt: skip
        seeded = time.perf_counter()
        seed(table, reports)
        seed_s = time.perf_counter() - seeded
        token = local_issuer.mint(local_issuer.signing_key(), local_issuer.authorizer(), sub="user-dep")
        url = f"{base}/facilities/{urllib.request.quote(WDID)}/reports"
        status, body = _get(url, token)  # cold start of the API function
        returned = len(json.loads(body)["reports"])
        latencies = []
        for _ in range(iterations):
            start = time.perf_counter()
            status, body = _get(url, token)
            latencies.append((time.perf_counter() - start) * 1000)
            assert status == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "start_to_healthy_s": round(healthy_s, 1),
        "seed_over_endpoint_s": round(seed_s, 1),
        "reports_returned": returned,
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(statistics.quantiles(latencies, n=100, method="inclusive")[98], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--iterations", type=int, default=200)
    args = parser.parse_args()
    import logging

    logging.disable(logging.WARNING)
    http = over_http(args.reports, args.iterations)
    from bench.bench_api import run

    in_process = run(args.reports, args.iterations)["routes"][ROUTE]
    print(f"permitclock serve: healthy {http['start_to_healthy_s']} s after start "
          f"(seeding {args.reports} reports over its AWS endpoint: {http['seed_over_endpoint_s']} s)")  # fmt: skip
    print(f"{ROUTE}, {args.reports} reports, {args.iterations} calls:")
    print(f"  {'':28} {'p50 ms':>8} {'p99 ms':>8}")
    print(f"  {'over HTTP (serve, with JWT)':28} {http['p50_ms']:8.1f} {http['p99_ms']:8.1f}")
    print(f"  {'in-process (bench_api)':28} {in_process['p50_ms']:8.1f} {in_process['p99_ms']:8.1f}")
    figures = {"reports": args.reports, "iterations": args.iterations, "http": http,
               "in_process": {k: in_process[k] for k in ("p50_ms", "p99_ms")}}  # fmt: skip
    print(json.dumps({"bench": "serve", **figures}, sort_keys=True))


if __name__ == "__main__":
    main()

"""The child-process runner turns hangs, crashes and memory blow-ups into `Stopped` results, never raising."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from permitclock.attachments import check_pdf_bytes
from permitclock.attachments.sandbox import CHILD_FAILED_EXIT, Isolated, Stopped, default_start_method
from permitclock.domain.attachments import ValidationLimits
from pypdf import PdfWriter

MiB = 1024 * 1024
FORK = "fork"
"""The runner's own tests use fork: their targets live in this test module, which a forkserver or spawned child
cannot import. Under pytest-xdist (a threaded worker) fork warns; these tests ask for it, so the warning is
expected here (the default start method's choice is tested in a fresh interpreter with the warning an error)."""
pytestmark = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")


def double(value: int) -> int:
    return value * 2


def hang(_: object) -> None:
    time.sleep(60)


def segfault(_: object) -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def allocate(size: int) -> int:
    return len(bytearray(size))


def test_result_comes_back() -> None:
    assert Isolated(double, 5.0, 64 * MiB, FORK)(21) == 42


def test_spawn_start_method_works_too() -> None:
    # Spawn pickles the target, so it must be importable in a fresh interpreter (test modules are not). A fresh
    # interpreter importing the checker can take over 10 s on a loaded 2-core machine: the budgets here are wide,
    # since this test is about spawn working, not about its speed.
    assert Isolated(str.upper, 120.0, 256 * MiB, start_method="spawn")("spawned") == "SPAWNED"
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    out = io.BytesIO()
    writer.write(out)
    roomy = ValidationLimits(time_budget_seconds=120.0, cpu_budget_seconds=60.0)
    assert check_pdf_bytes(out.getvalue(), roomy, start_method="spawn").pages == 1


def test_hang_is_killed_at_the_budget() -> None:
    start = time.perf_counter()
    outcome = Isolated(hang, 0.3, 64 * MiB, FORK)(None)
    assert outcome == Stopped(timed_out=True, exitcode=None)
    assert outcome.describe() == "time budget exceeded"
    assert time.perf_counter() - start < 5.0


def test_segfault_is_reported_with_its_signal() -> None:
    outcome = Isolated(segfault, 5.0, 64 * MiB, FORK)(None)
    assert isinstance(outcome, Stopped)
    assert outcome.describe() == "signal SIGSEGV"


def test_memory_cap_stops_an_allocation() -> None:
    assert Isolated(allocate, 5.0, 64 * MiB, FORK)(MiB) == MiB
    outcome = Isolated(allocate, 5.0, 64 * MiB, FORK)(512 * MiB)
    assert outcome == Stopped(timed_out=False, exitcode=CHILD_FAILED_EXIT)


@pytest.mark.parametrize("start_method", ["fork", "forkserver", "spawn"])
def test_pdf_check_timeout_is_a_resource_limit(start_method: str) -> None:
    # Neither a fork nor an interpreter start answers within a millisecond.
    data = b"%PDF-1.7\n" + b"1 0 obj\n<< /A [" + b"0 " * 200_000 + b"] >>\nendobj\n"
    check = check_pdf_bytes(data, ValidationLimits(time_budget_seconds=0.001), start_method=start_method)
    assert [f.code.value for f in check.errors] == ["resource_limit"]
    assert "seconds" in check.errors[0].message


CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKE0001",
    "AWS_SECRET_ACCESS_KEY": "fake-secret-access-key-0001",
    "AWS_SESSION_TOKEN": "fake-session-token-0001",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/fake-0001",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.23/fake-0001",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN": "fake-container-token-0001",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "/fake/token-file-0001",
}
PROBE = """
import json, os, sys
from pathlib import Path
from permitclock.attachments.sandbox import Isolated
names = json.loads(sys.argv[1])
report = {}
for method in ("fork", "forkserver", "spawn"):
    block = Isolated(Path.read_bytes, 30.0, 512 << 20, method)(Path("/proc/self/environ"))
    seen = {name: Isolated(os.getenv, 30.0, 512 << 20, method)(name) for name in names}
    report[method] = {"environ": {k: v for k, v in seen.items() if v}, "block": block.decode("latin-1")}
print(json.dumps(report))
"""


def test_child_environment_holds_no_aws_credentials() -> None:
    # A fresh interpreter started with the credentials, as Lambda starts the handler: its forked and spawned
    # children must find them neither in os.environ nor in the initial environment block (/proc/self/environ).
    env = {**os.environ, **CREDENTIALS, "KEEP_ME": "visible"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps([*CREDENTIALS, "KEEP_ME"])],
        env=env, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    report = json.loads(done.stdout)
    for method in ("fork", "forkserver", "spawn"):
        assert report[method]["environ"] == {"KEEP_ME": "visible"}, method
        block = report[method]["block"]
        assert "KEEP_ME=visible" in block
        assert not [value for value in CREDENTIALS.values() if value in block], method


def spin(seconds: float) -> float:
    """Burn processor time (not wall time) for `seconds`."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
    return seconds


def test_the_child_reports_the_processor_time_it_used() -> None:
    outcome, usage = Isolated(spin, 30.0, 64 * MiB, FORK, cpu_budget_seconds=5.0).measured(0.3)
    assert outcome == 0.3
    assert usage.cpu_seconds is not None and 0.3 <= usage.cpu_seconds < 5.0
    assert usage.peak_rss_bytes is not None and usage.peak_rss_bytes > 0


def test_a_wall_clock_stop_reports_what_the_child_had_used() -> None:
    outcome, usage = Isolated(hang, 0.3, 64 * MiB, FORK).measured(None)
    assert outcome == Stopped(timed_out=True, exitcode=None)
    assert usage.cpu_seconds is not None and usage.cpu_seconds < 0.3  # asleep: starved of nothing, using nothing


def test_a_starved_wall_clock_stop_says_so() -> None:
    data = b"%PDF-1.7\n" + b"1 0 obj\n<< /A [" + b"0 " * 200_000 + b"] >>\nendobj\n"
    check = check_pdf_bytes(data, ValidationLimits(time_budget_seconds=0.001), start_method=FORK)
    assert "the machine was busy" in check.errors[0].message


def test_a_threaded_caller_forks_from_the_forkserver() -> None:
    # fork copies only the calling thread; Python 3.12 warns of deadlocks when other threads exist
    done = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", THREADED_PROBE],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    assert done.stdout.split() == ["fork", "forkserver", "SPAWNED"], done.stderr
    assert default_start_method() in ("fork", "forkserver")


THREADED_PROBE = """
import threading
from permitclock.attachments.sandbox import Isolated, default_start_method
print(default_start_method())
stop = threading.Event()
worker = threading.Thread(target=stop.wait)
worker.start()
print(default_start_method())
print(Isolated(str.upper, 60.0, 512 << 20)("spawned"))
stop.set()
worker.join()
"""

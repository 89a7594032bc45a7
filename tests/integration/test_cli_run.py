"""`permitclock run`, the plugin subcommand: found through its entry point, runs a job on the embedded stack."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

from permitclock.cli.main import PLUGIN_GROUP, build_parser, main

from infra.sample_documents import RAW_HEADER, raw_row

WDID = "4 19I000033"


def test_run_is_registered_through_the_plugin_entry_point() -> None:
    from importlib.metadata import entry_points

    assert {e.name: e.value for e in entry_points(group=PLUGIN_GROUP)}["run"] == "infra.cli_run:register"
    args = build_parser().parse_args(["run", "annual", "--on", "2025-07-01"])
    assert (args.command, args.job, args.func.__module__) == ("run", "annual", "infra.cli_run")


def test_run_annual_uploads_registers_and_assigns(tmp_path: Path) -> None:
    monitoring = tmp_path / "harbor.txt"
    rows = [
        raw_row(wdid=WDID, result="0.52", sample_date="11/14/2024", reporting_year="2024", sample_id="s1"),
        raw_row(wdid=WDID, result="0.31", sample_date="02/03/2025", reporting_year="2024", sample_id="s2"),
        raw_row(wdid=WDID, result="abc", sample_date="02/03/2025", reporting_year="2024", sample_id="s3"),
    ]
    monitoring.write_text("\n".join([RAW_HEADER, *rows]) + "\n")

    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(["run", "annual", "--on", "2025-07-01", "--monitoring", str(monitoring), "--facilities"])

    out = json.loads(stdout.getvalue())  # stdout is the JSON summary alone (progress goes to stderr)
    assert code == 0
    [upload] = out["uploads"]
    assert (upload["key"], upload["status"], upload["stored"], upload["rejected"]) == (
        "monitoring/harbor.txt", "processed", 2, 1,
    )  # fmt: skip
    [run] = out["runs"]
    assert (run["job"], run["reporting_year"], run["facilities_evaluated"]) == ("annual", "2024-2025", 1)
    assert run["changes"] == {"baseline_to_level_1": 1}


def test_run_sweep_prints_its_json_alone_and_progress_on_stderr(tmp_path: Path) -> None:
    """As a process: nothing else reaches stdout (moto looks for Docker while provisioning, and says so)."""
    done = subprocess.run(
        [sys.executable, "-m", "permitclock.cli.main", "run", "sweep", "--on", "2026-12-25", "--outbox", tmp_path],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout)
    [run] = out["runs"]
    assert (run["job"], run["day"], out["demo_facilities"]) == ("sweep", "2026-12-25", 3)
    assert run["reminders"] >= 1 and len(run["emails"]) == run["reminder_recipients"] + run["digests"]
    assert run["overdue"] <= run["obligations"]
    assert len(list(tmp_path.glob("*.eml"))) == len(run["emails"])
    progress = done.stderr.splitlines()
    assert any(line.startswith("permitclock run: sweep 2026-12-25:") for line in progress)

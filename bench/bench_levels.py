"""Benchmark `permitclock levels` against the floor: a bare `csv.reader` pass over the same file, side by side.

Generates, in a temp dir, raw SMARTS "Parameter Data" files of FACILITIES x 8 parameters x 6 results (default
2,100 and 20,000 facilities: 100,800 and 960,000 rows, the issue's file) and, with `--statewide`, a portal CSV
shaped like the statewide file (10,000 facilities, 20 parameters, 15 reporting years, about 6 million rows:
`infra.synthetic_monitoring`). Each file is read in fresh child processes, the floor (`csv.reader` with the file's
delimiter, every row touched, one process) and then `permitclock levels FILE --format json --jobs N` (stdout to
/dev/null, imports done before the clock starts; N defaults to the CPUs available, as the command's own default),
each printing its wall seconds and CPU seconds (the engine's worker processes included); peak memory is sampled
from outside every `SAMPLE_SECONDS`: the process tree's total PSS, interpreter and imports included. Prints
one table, the verdicts against the targets (960,000 rows: levels <= 3x the floor's wall time, peak < 300 MB;
statewide: < 30 s wall, < 500 MB), then one JSON line. Nothing is asserted; the machine is shared, so
the load averages and the share of CPU time the virtual machine's host took (steal) are printed too.

    .venv/bin/python bench/bench_levels.py [--facilities 2100,20000] [--statewide] [--format json|jsonl] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from permitclock.cli.level_engine import default_jobs
from permitclock.intake.smarts import RAW_COLUMNS

from infra.synthetic_monitoring import write_monitoring

PARAMETERS = [
    ("pH", "SU", 7.0, 1.2),
    ("Total Suspended Solids (TSS)", "mg/L", 60.0, 80.0),
    ("Oil and Grease", "mg/L", 4.0, 6.0),
    ("Zinc, Total", "mg/L", 0.15, 0.15),
    ("Copper, Total", "ug/L", 20.0, 15.0),
    ("Iron, Total", "mg/L", 0.6, 0.6),
    ("Lead, Total", "mg/L", 0.05, 0.08),
    ("Aluminum, Total", "mg/L", 0.5, 0.4),
]
EVENTS = ["10/17/2016", "12/29/2016", "04/11/2017", "11/16/2017", "12/20/2017", "02/28/2018"]
AS_OF = date(2025, 11, 1)
TARGET_RATIO = 3.0
TARGET_RSS_MB = 300.0
STATEWIDE_TARGET_S = 30.0
STATEWIDE_TARGET_RSS_MB = 500.0
SAMPLE_SECONDS = 0.25
"""How often the process tree's memory is read: reading smaps_rollup walks a process's page tables, and at 20 ms
it took a third of a core from the run it measured."""
STATEWIDE = {"facilities": 10_000, "parameters": 20, "years": range(2010, 2025), "events": 3}


def generate(path: Path, facilities: int, seed: int = 2014) -> int:
    """The raw file of the issue's measurement (960,000 rows at 20,000 facilities)."""
    rnd = random.Random(seed)
    rows = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write("\t".join(RAW_COLUMNS) + "\n")
        for f in range(facilities):
            wdid = f"{1 + f % 9} {f % 58:02d}I{f:06d}"
            for e, day in enumerate(EVENTS):
                year = "2016" if e < 3 else "2017"
                sample_id = str(2_000_000 + f * 10 + e)
                for name, units, mean, spread in PARAMETERS:
                    nd = name != "pH" and rnd.random() < 0.15
                    value = "" if nd else f"{max(0.0, rnd.gauss(mean, spread)):.4g}".lstrip("0") or "0"
                    fields = [
                        "Industrial", wdid, str(100000 + f), year, str(900000 + f), "Qualifying Storm Event",
                        "DP-1", "Effluent Monitoring", "", "38.5", "-121.4", sample_id, day, "24:00" if e == 1
                        else "10:00", day, "08:00", name, "ND" if nd else "=", value, units, "E200.7", ".5", "1",
                        "", "", "", "02-AUG-17 08.03.32.748000 AM",
                    ]  # fmt: skip
                    out.write("\t".join(fields) + "\n")
                    rows += 1
    return rows


def child(kind: str, path: str, output_format: str, jobs: int) -> None:
    """Run one measurement in this (fresh) process and print its JSON figures."""
    if kind == "floor":
        import csv

        delimiter = "," if path.endswith(".csv") else "\t"
        cpu, start = time.process_time(), time.perf_counter()
        rows = 0
        with open(path, newline="", encoding="utf-8") as handle:
            for _ in csv.reader(handle, delimiter=delimiter):
                rows += 1
    else:
        import os

        from permitclock.cli.main import build_parser, main

        build_parser()  # imports done before the clock starts
        sys.stdout.flush()
        saved = os.dup(1)
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - the process ends here
        cpu, start = time.process_time(), time.perf_counter()
        main(["levels", path, "--as-of", AS_OF.isoformat(), "--format", output_format, "--jobs", str(jobs)])
        sys.stdout.flush()
        os.dup2(saved, 1)
        sys.stdout = sys.__stdout__
        rows = -1
    wall, used = time.perf_counter() - start, time.process_time() - cpu
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)  # the engine's worker processes, all reaped by now
    used += workers.ru_utime + workers.ru_stime
    own_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"wall_s": round(wall, 2), "cpu_s": round(used, 2), "own_peak_mb": round(own_peak), "rows": rows}))


def measure(kind: str, path: Path, output_format: str, jobs: int) -> dict[str, Any]:
    """Run one child, its process tree's memory read every `SAMPLE_SECONDS` while it runs: `peak_mb` is the largest
    total PSS (each shared page split between the processes sharing it, so forked workers are not counted twice),
    `peak_rss_sum_mb` the largest sum of RSS (shared pages counted in every process)."""
    command = [sys.executable, __file__, "--child", kind, str(path), "--format", output_format, "--jobs", str(jobs)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as child_process:
        peak_pss = peak_rss = 0
        while child_process.poll() is None:
            pss, rss = _tree_memory_kb(child_process.pid)
            peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
            time.sleep(SAMPLE_SECONDS)
        out = child_process.stdout.read() if child_process.stdout else ""
    if child_process.returncode:
        raise SystemExit(f"{kind} child failed with exit {child_process.returncode}")
    figures = dict(json.loads(out.strip().splitlines()[-1]))
    figures["peak_mb"] = round(max(peak_pss / 1024, figures["own_peak_mb"]))
    figures["peak_rss_sum_mb"] = round(peak_rss / 1024)
    return figures


def _tree_memory_kb(pid: int) -> tuple[int, int]:
    """(PSS, RSS) in kB of `pid` and its descendants now (0 for a process that ended meanwhile)."""
    pss = rss = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith(("Pss:", "Rss:")):
                    kb = int(line.split()[1])
                    pss, rss = (pss + kb, rss) if line.startswith("Pss:") else (pss, rss + kb)
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return pss, rss


def _cpu_ticks() -> tuple[int, int]:
    """(all, stolen) CPU ticks of the machine so far (/proc/stat): on a virtual machine, time the host gave the
    CPUs to others, which slows every figure here alike."""
    try:
        ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    return sum(ticks), ticks[7] if len(ticks) > 7 else 0


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--facilities", default="2100,20000", help="raw files' facility counts, comma-separated")
    parser.add_argument("--statewide", action="store_true", help="also the statewide-shaped portal CSV (~6M rows)")
    parser.add_argument("--format", choices=("json", "jsonl"), default="json")
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="levels' --jobs (default: its own)")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.format, args.jobs)
        return
    figures: dict[str, Any] = {"format": args.format, "jobs": args.jobs, "loadavg_before": _loadavg(), "files": []}
    ticks_before = _cpu_ticks()
    with tempfile.TemporaryDirectory(prefix="bench_levels_") as tmp:
        files: list[tuple[str, Path, int]] = []
        for count in (int(n) for n in args.facilities.split(",") if n):
            path = Path(tmp) / f"raw_{count}.txt"
            files.append((f"raw, {count:,} facilities", path, generate(path, count)))
        if args.statewide:
            path = Path(tmp) / "statewide.csv"
            rows = write_monitoring(path, layout="data_ca_gov", **STATEWIDE)  # type: ignore[arg-type]
            files.append(("statewide-shaped portal CSV", path, rows))
        print(f"{'file':30s} {'rows':>10s} {'MB':>7s} | {'floor s (CPU)':>14s} {'levels s (CPU)':>15s} "
              f"{'ratio wall/CPU':>15s} | {'floor MB':>8s} {'levels MB':>9s}")  # fmt: skip
        for label, path, rows in files:
            floor = measure("floor", path, args.format, args.jobs)
            levels = measure("levels", path, args.format, args.jobs)
            entry = {
                "file": label,
                "rows": rows,
                "file_mb": round(path.stat().st_size / 1e6, 1),
                "floor": floor,
                "levels": levels,
                "ratio_wall": round(levels["wall_s"] / floor["wall_s"], 2),
                "ratio_cpu": round(levels["cpu_s"] / floor["cpu_s"], 2),
                "levels_rows_per_s": round(rows / levels["wall_s"]),
            }
            figures["files"].append(entry)
            print(
                f"{label:30s} {rows:>10,} {entry['file_mb']:>7} | "
                f"{floor['wall_s']:>6} ({floor['cpu_s']:>5}) {levels['wall_s']:>7} ({levels['cpu_s']:>5}) "
                f"{entry['ratio_wall']:>7}/{entry['ratio_cpu']:<7} | {floor['peak_mb']:>8} {levels['peak_mb']:>9}",
                flush=True,
            )
    figures["loadavg_after"] = _loadavg()
    ticks_after = _cpu_ticks()
    all_ticks = ticks_after[0] - ticks_before[0]
    figures["cpu_stolen_pct"] = round(100 * (ticks_after[1] - ticks_before[1]) / all_ticks, 1) if all_ticks else None
    for entry in figures["files"]:
        levels = entry["levels"]
        if entry["file"].startswith("statewide"):
            verdicts = [
                f"wall {levels['wall_s']} s {'within' if levels['wall_s'] < STATEWIDE_TARGET_S else 'OVER'} "
                f"{STATEWIDE_TARGET_S} s",
                f"peak {levels['peak_mb']} MB {'within' if levels['peak_mb'] < STATEWIDE_TARGET_RSS_MB else 'OVER'} "
                f"{STATEWIDE_TARGET_RSS_MB} MB",
            ]
        elif entry["rows"] >= 900_000:
            verdicts = [
                f"ratio {entry['ratio_wall']} wall ({entry['ratio_cpu']} CPU) "
                f"{'within' if entry['ratio_wall'] <= TARGET_RATIO else 'OVER'} {TARGET_RATIO}x",
                f"peak {levels['peak_mb']} MB {'within' if levels['peak_mb'] < TARGET_RSS_MB else 'OVER'} "
                f"{TARGET_RSS_MB} MB",
            ]
        else:
            continue
        print(f"{entry['file']}: " + "; ".join(verdicts))
    print(
        f"load averages: before {figures['loadavg_before']}, after {figures['loadavg_after']}; "
        f"CPU time stolen by the host: {figures['cpu_stolen_pct']}%"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

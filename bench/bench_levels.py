"""Benchmark the IGP Level engine: streaming parse of a synthetic SMARTS download, then parse + assignment.

Generates a raw "Industrial Ad Hoc Reports - Parameter Data" file of FACILITIES x 8 parameters x 6 results
(default 20,000 x 8 x 6 = 960,000 rows, ~230 MB) in a temp dir and prints rows/s for parsing alone and for
parsing + Level assignment (`permitclock levels`' engine), their ratio (target <= 2) and the total time
(target < 30 s on a 2-core machine), then one JSON line with the figures. Nothing is asserted. The machine is
shared: the CPU seconds of this process and the load averages are printed too (`ratio_cpu` is the ratio in CPU
time, steadier than wall-clock under load).

    .venv/bin/python bench/bench_levels.py [--facilities N] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import tempfile
import time
from datetime import date
from pathlib import Path

from permitclock.cli.levels import compute_levels
from permitclock.domain.samples import Sample
from permitclock.intake.smarts import RAW_COLUMNS, parse

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
TARGET_RATIO = 2.0
TARGET_TOTAL_SECONDS = 30.0


def generate(path: Path, facilities: int, seed: int = 2014) -> int:
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


def time_parse(path: Path) -> tuple[float, int, int]:
    """Parse only, counting rows (nothing is kept, so the GC has little to walk)."""
    return _time_parse(path)[:3]


def _time_parse(path: Path) -> tuple[float, int, int, float]:
    """(wall s, samples, rejected, CPU s of this process)."""
    cpu, start = time.process_time(), time.perf_counter()
    samples = rejected = 0
    for row in parse(path, as_of=AS_OF):
        if isinstance(row, Sample):
            samples += 1
        else:
            rejected += 1
    return time.perf_counter() - start, samples, rejected, time.process_time() - cpu


def time_levels(path: Path) -> tuple[float, int]:
    return _time_levels(path)[:2]


def _time_levels(path: Path) -> tuple[float, int, float]:
    """(wall s, assignments, CPU s of this process)."""
    cpu, start = time.process_time(), time.perf_counter()
    run = compute_levels([str(path)], as_of=AS_OF)
    return time.perf_counter() - start, len(run.assignments), time.process_time() - cpu


def _loadavg() -> str:
    """The 1/5/15-minute load averages (`/proc/loadavg`): the box is shared, so timings need them alongside."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--facilities", type=int, default=20_000)
    parser.add_argument("--profile", action="store_true", help="print the top functions of parse + assignment")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_levels_") as tmp:
        path = Path(tmp) / "Parameter_Data.txt"
        t0 = time.perf_counter()
        rows = generate(path, args.facilities)
        generate_s = time.perf_counter() - t0
        size_mb = path.stat().st_size / 1e6
        load_before = _loadavg()
        parse_s, samples, rejected, parse_cpu = _time_parse(path)
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
        levels_s, assignments, levels_cpu = _time_levels(path)
        if args.profile:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    ratio = levels_s / parse_s
    figures = {
        "rows": rows,
        "file_mb": round(size_mb, 1),
        "generate_s": round(generate_s, 2),
        "parse_s": round(parse_s, 2),
        "parse_rows_per_s": round(rows / parse_s),
        "parse_assign_s": round(levels_s, 2),
        "parse_assign_rows_per_s": round(rows / levels_s),
        "ratio_parse_assign_over_parse": round(ratio, 2),
        "parse_cpu_s": round(parse_cpu, 2),
        "parse_assign_cpu_s": round(levels_cpu, 2),
        "ratio_cpu": round(levels_cpu / parse_cpu, 2),
        "total_s": round(parse_s + levels_s, 2),
        "samples": samples,
        "rejected": rejected,
        "assignments": assignments,
        "ratio_target": TARGET_RATIO,
        "total_target_s": TARGET_TOTAL_SECONDS,
        "loadavg_before": load_before,
        "loadavg_after": _loadavg(),
    }
    for key, value in figures.items():
        print(f"{key:32s} {value}")
    print(f"ratio {'within' if ratio <= TARGET_RATIO else 'OVER'} target {TARGET_RATIO}")
    print(f"parse + assign {'within' if levels_s < TARGET_TOTAL_SECONDS else 'OVER'} {TARGET_TOTAL_SECONDS} s")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

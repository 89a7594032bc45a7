"""The long, time-boxed fuzz run: every property of `tests/fuzz/properties.py` with fresh seeds until time is up.

    FUZZ_SECONDS=600 python -m bench.fuzz            # all properties, time shared by weight
    FUZZ_SECONDS=60 python -m bench.fuzz smarts api  # some of them

Each property gets a slice of FUZZ_SECONDS (PDF properties weigh more: each example forks a checker). Within
its slice it runs rounds of FUZZ_CHUNK examples, each round with a new random seed; a failing round is shrunk by
Hypothesis and recorded (property, exception, the minimal input) in `out/fuzz-findings.json`. Prints a table:
examples tried, rounds, slowest example, findings. Exit 1 when anything was found.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, seed, settings

from tests.fuzz.properties import PROPERTIES, Property

WEIGHTS = {"pdf_check": 4.0, "validate_attachment": 2.0, "injected_active_content": 3.0, "api": 1.5}
OUT = Path("out")


@dataclass
class Tally:
    name: str
    examples: int = 0
    rounds: int = 0
    seconds: float = 0.0
    slowest: float = 0.0
    findings: list[dict[str, Any]] = field(default_factory=list)


def run_slice(prop: Property, seconds: float, chunk: int) -> Tally:
    tally = Tally(prop.name)
    if prop.needs is not None and not prop.needs.is_dir():
        return tally
    last: list[Any] = [None]

    def counted(value: Any) -> None:
        last[0] = value
        started = time.monotonic()
        try:
            prop.check(value)
        finally:
            took = time.monotonic() - started
            tally.examples += 1
            tally.slowest = max(tally.slowest, took)

    deadline = time.monotonic() + seconds
    started = time.monotonic()
    seen: set[str] = set()
    while time.monotonic() < deadline:
        round_seed = random.randrange(2**32)

        @seed(round_seed)
        @settings(
            max_examples=chunk,
            deadline=None,
            database=None,
            derandomize=False,
            suppress_health_check=list(HealthCheck),
            print_blob=True,
        )
        @given(prop.strategy)
        def round_(value: Any) -> None:
            counted(value)

        tally.rounds += 1
        try:
            round_()
        except Exception as exc:  # a finding: Hypothesis re-runs the shrunk example last
            signature = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
            if signature not in seen:
                seen.add(signature)
                tally.findings.append({"property": prop.name, "seed": round_seed, "error": signature,
                                       "input": repr(last[0])[:2000]})  # fmt: skip
    tally.seconds = time.monotonic() - started
    return tally


def main(argv: list[str]) -> int:
    total = float(os.environ.get("FUZZ_SECONDS", "600"))
    chunk = int(os.environ.get("FUZZ_CHUNK", "500"))
    names = argv or sorted(PROPERTIES)
    unknown = set(names) - set(PROPERTIES)
    if unknown:
        print(f"unknown properties: {', '.join(sorted(unknown))} (known: {', '.join(sorted(PROPERTIES))})")
        return 2
    weight_sum = sum(WEIGHTS.get(n, 1.0) for n in names)
    tallies = []
    for name in names:
        share = total * WEIGHTS.get(name, 1.0) / weight_sum
        print(f"fuzzing {name} for {share:.0f}s ...", flush=True)
        tallies.append(run_slice(PROPERTIES[name], share, chunk))
    OUT.mkdir(exist_ok=True)
    findings = [f for t in tallies for f in t.findings]
    (OUT / "fuzz-findings.json").write_text(json.dumps(findings, indent=2) + "\n")
    print()
    print(f"{'property':<22}{'examples':>10}{'rounds':>8}{'seconds':>9}{'slowest s':>11}{'findings':>10}")
    for t in tallies:
        print(f"{t.name:<22}{t.examples:>10}{t.rounds:>8}{t.seconds:>9.0f}{t.slowest:>11.2f}{len(t.findings):>10}")
    print(f"{'total':<22}{sum(t.examples for t in tallies):>10}{'':>8}{sum(t.seconds for t in tallies):>9.0f}"
          f"{'':>11}{len(findings):>10}")  # fmt: skip
    for f in findings:
        print(f"\nFINDING {f['property']} (seed {f['seed']}): {f['error']}\n  input: {f['input'][:400]}")
    print(f"\nfindings written to {OUT / 'fuzz-findings.json'}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""`make faults`: every fault scenario of `tests/faults/scenarios.py`, each on a fresh local stack, and the table
pipeline x fault -> outcome.

    python -m bench.faults                 # all scenarios
    python -m bench.faults annual API      # the scenarios of pipelines whose name contains a word

A scenario's outcome is the phrase it returns once its assertions held (retried and recovered, dead-lettered,
...); a failed assertion prints FAILED with the reason. Exit 1 when any scenario failed.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import time
import traceback
import warnings


def _quiet() -> None:
    warnings.filterwarnings("ignore")
    logging.disable(logging.CRITICAL)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "CRITICAL")
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_SESSION_TOKEN="testing",
                      AWS_DEFAULT_REGION="us-west-2")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    _quiet()
    from moto import mock_aws

    from tests.faults.scenarios import SCENARIOS, new_stack

    words = [w.lower() for w in (sys.argv[1:] if argv is None else argv)]
    chosen = [s for s in SCENARIOS if not words or any(w in s.pipeline.lower() for w in words)]
    rows: list[tuple[str, str, str, float]] = []
    failed = 0
    for case in chosen:
        started = time.perf_counter()
        sink = io.StringIO()
        try:
            with mock_aws(), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                outcome = case.run(new_stack())
        except Exception as err:  # an assertion or anything else: the scenario failed
            where = traceback.extract_tb(err.__traceback__)[-1]
            failed += 1
            outcome = f"FAILED: {type(err).__name__} {str(err)[:60]} (line {where.lineno})"
        rows.append((case.pipeline, case.fault, outcome, time.perf_counter() - started))
        print(f"  {case.pipeline:<18} {case.fault:<62} {rows[-1][3]:5.1f} s", file=sys.stderr, flush=True)
    print(_table(rows))
    held = len(rows) - failed
    print(f"\n{held} of {len(rows)} scenarios held, {failed} failed ({sum(r[3] for r in rows):.0f} s)")
    return 1 if failed else 0


def _table(rows: list[tuple[str, str, str, float]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(("pipeline", "fault", "outcome"))]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(("pipeline", "fault", "outcome"), widths, strict=True)) + " |"
    out = [line, "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for pipeline, fault, outcome, _ in rows:
        cells = (pipeline, fault, outcome)
        out.append("| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())

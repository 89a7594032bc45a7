"""`permitclock levels FILE... [--facts FILE.json]`: IGP Level assignments from SMARTS monitoring downloads,
offline, as JSON.

Every reporting year present in the files is assigned in order (2015-2016 first), starting from Baseline (with
the return-to-Baseline facts of `--facts` recorded on it, as a `monitoring/facts/` upload of the same file before
the July 1 runs records them), skipping years not over on the as-of date. Decimals are printed as exact JSON
numbers (the Decimal's own digits). Exit 0 when it ran (even with rejected rows or fact entries, listed), 1 when
no file could be read, 2 on a usage error or a facts file that is not one.
The command streams (`level_engine`) unless `--facts` is given; `compute_levels` assigns from samples
held in memory, for `--facts`, `outlook` and `reconcile`, which read the samples or every final status.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from permitclock.cli.arguments import bounded_int, iso_date
from permitclock.cli.level_engine import MAX_JOBS, collector_paused, default_jobs, stream_levels
from permitclock.cli.level_output import JsonlOutput, JsonOutput, decimal_text
from permitclock.cli.level_parts import PROGRESS_ROWS, silent
from permitclock.clock import SystemClock, today
from permitclock.domain.levels import Assignment, NdPolicy, ParameterStatus
from permitclock.domain.samples import RejectedRow, Sample
from permitclock.errors import DomainError
from permitclock.intake.facts import FactSet, read_facts
from permitclock.intake.smarts import SmartsReader
from permitclock.rules.igp.aggregate import LevelRow, row_of
from permitclock.rules.igp.levels import assign_grouped
from permitclock.rules.igp.years import has_levels, is_over

Grouped = dict[str, dict[str, dict[str, list[Sample]]]]
"""Samples mapped to an NAL, by WDID, then reporting year, then NAL parameter key (`Sample.nal`)."""


@dataclass
class LevelsRun:
    """Everything one run produced: assignments in (WDID, year, parameter) order, rejected rows, file errors."""

    assignments: list[Assignment] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    files_read: int = 0
    final_statuses: dict[str, dict[str, ParameterStatus]] = field(default_factory=dict)
    samples: Grouped = field(default_factory=dict)
    """Every sample mapped to an NAL, grouped (kept only when `compute_levels(..., keep_samples=True)`)."""


def read_samples(
    paths: Iterable[str], as_of: date, run: LevelsRun, progress: Callable[[str], None] = silent
) -> Grouped:
    """Parse every file; samples mapped to an NAL grouped by WDID, reporting year and NAL parameter in the same
    pass (the rest are not needed for Levels), as `assign_grouped` takes them. `progress` gets a line every
    `PROGRESS_ROWS` rows read."""
    by_wdid: Grouped = {}
    last_wdid: str | None = None
    years: dict[str, dict[str, list[Sample]]] = {}
    rejected = run.rejected
    for path in paths:
        try:
            reader = SmartsReader(path, as_of=as_of)
        except DomainError as err:
            run.file_errors.append(err.message)
            rejected.append(RejectedRow(path, 0, err.message))
            continue
        run.files_read += 1
        rows = 0
        with reader:
            for row in reader:
                rows += 1
                if rows % PROGRESS_ROWS == 0:
                    progress(f"{path}: {rows:,} rows, {len(by_wdid):,} facilities")
                if isinstance(row, RejectedRow):
                    rejected.append(row)
                    continue
                nal = row.nal
                if nal is None:
                    continue
                wdid = row.wdid
                if wdid != last_wdid:  # rows of one facility mostly come together
                    years = by_wdid.get(wdid)  # type: ignore[assignment]
                    if years is None:
                        years = by_wdid[wdid] = {}
                    last_wdid = wdid
                year = row.reporting_year
                by_nal = years.get(year)
                if by_nal is None:
                    by_nal = years[year] = {}
                group = by_nal.get(nal)
                if group is None:
                    by_nal[nal] = [row]
                else:
                    group.append(row)
    return by_wdid


def compute_levels(
    paths: Sequence[str],
    *,
    as_of: date,
    nd_policy: NdPolicy = "zero",
    keep_samples: bool = False,
    facts: Sequence[FactSet] = (),
    progress: Callable[[str], None] = silent,
) -> LevelsRun:
    """Assign every WDID's years in order from Baseline, with `facts` recorded on it first (the samples kept in
    `run.samples` with `keep_samples`; `progress` as in `read_samples`). Raises `DomainError` (code
    `unreadable`) when no file could be read."""
    run = LevelsRun()
    with collector_paused():  # a million live samples: every collector pass would walk them all
        return _compute(paths, as_of, nd_policy, run, keep_samples, facts, progress)


def recorded(facts: Sequence[FactSet]) -> dict[str, dict[str, ParameterStatus]]:
    """The Baseline statuses with `facts` recorded on them in order (a later entry's value wins, a None clears),
    as the status items hold them after the same facts file is uploaded (`adapters.status_facts`)."""
    statuses: dict[str, dict[str, ParameterStatus]] = {}
    for entry in facts:
        by_parameter = statuses.setdefault(entry.wdid, {})
        held = by_parameter.get(entry.parameter) or ParameterStatus(parameter=entry.parameter)
        by_parameter[entry.parameter] = ParameterStatus.model_validate({**held.model_dump(), **entry.facts})
    return statuses


def _compute(
    paths: Sequence[str],
    as_of: date,
    nd_policy: NdPolicy,
    run: LevelsRun,
    keep: bool,
    facts: Sequence[FactSet],
    progress: Callable[[str], None],
) -> LevelsRun:
    by_wdid = read_samples(paths, as_of, run, progress)
    if keep:
        run.samples = by_wdid
    if not run.files_read:
        raise DomainError("; ".join(run.file_errors) or "no input file", code="unreadable")
    assignments = run.assignments
    assignable = {year: has_levels(year) and is_over(year, as_of) for years in by_wdid.values() for year in years}
    facts_of = recorded(facts)
    for wdid in sorted(by_wdid):
        by_year = by_wdid[wdid]
        statuses: dict[str, ParameterStatus] = facts_of.get(wdid, {})
        for year in sorted(by_year):
            if not assignable[year]:
                continue
            for assignment in assign_grouped(
                wdid, year, statuses, by_year[year], as_of=as_of, nd_policy=nd_policy, checked=True
            ):
                statuses[assignment.parameter] = assignment.status
                if assignment.evaluation.result_count:
                    assignments.append(assignment)
        run.final_statuses[wdid] = statuses
    return run


def dumps(value: Any, indent: int = 0, step: int = 2) -> str:
    """JSON with Decimals as exact numbers and dates as ISO strings (json cannot print a Decimal exactly)."""
    pad, inner = " " * indent, " " * (indent + step)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(str(k))}: {dumps(v, indent + step, step)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(f"{inner}{dumps(v, indent + step, step)}" for v in value) + f"\n{pad}]"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, date):
        return json.dumps(value.isoformat())
    return json.dumps(value)


def read_facts_files(paths: Sequence[str]) -> tuple[list[FactSet], list[RejectedRow]]:
    """The valid entries of every facts file, and the bad ones as rejected rows (line: the 1-based position).
    Raises `DomainError` (code `bad_facts`) for a file that cannot be read or is not a facts file."""
    entries: list[FactSet] = []
    rejected: list[RejectedRow] = []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                read = read_facts(handle)
        except OSError as err:
            raise DomainError(f"{path}: cannot read ({err.strerror})", code="bad_facts") from None
        if read.error:
            raise DomainError(f"{path}: {read.error}", code="bad_facts")
        entries.extend(read.entries)
        rejected.extend(RejectedRow(path, position, reason) for position, reason in read.problems)
    return entries, rejected


def _run(args: argparse.Namespace) -> int:
    as_of = args.as_of or today(SystemClock())
    try:
        facts, bad_facts = read_facts_files(args.facts)
    except DomainError as err:
        print(f"permitclock levels: {err.message}", file=sys.stderr)
        return 2
    output = JsonlOutput(sys.stdout) if args.format == "jsonl" else JsonOutput()
    if args.facts:
        file_errors = _with_facts(args, as_of, facts, bad_facts, output)
    else:
        file_errors = stream_levels(
            args.files,
            as_of=as_of,
            nd_policy=args.nd_policy,
            output=output,
            progress=progress_lines("levels", args.progress),
            jobs=args.jobs or default_jobs(),
        ).file_errors
    for message in file_errors:
        print(f"permitclock levels: {message}", file=sys.stderr)
    output.finish(sys.stdout)
    return 0


def _with_facts(
    args: argparse.Namespace,
    as_of: date,
    facts: Sequence[FactSet],
    bad_facts: Sequence[RejectedRow],
    output: JsonOutput | JsonlOutput,
) -> list[str]:
    """`--facts`: statuses carrying dated facts take the full rules (`assign_grouped`) over samples held in memory;
    printed by the same output as the stream."""
    run = compute_levels(args.files, as_of=as_of, nd_policy=args.nd_policy, facts=facts)
    for rejected in (*run.rejected, *bad_facts):
        output.rejected(rejected)
    by_wdid: dict[str, list[LevelRow]] = {}
    for assignment in run.assignments:
        by_wdid.setdefault(assignment.wdid, []).append(row_of(assignment))
    for wdid, rows in by_wdid.items():
        output.facility(wdid, rows)
    return run.file_errors


@dataclass(frozen=True)
class ProgressLines:
    """Prints `permitclock {command}: ...` on stderr (a class, so the engine's worker processes can be given it)."""

    command: str

    def __call__(self, message: str) -> None:
        print(f"permitclock {self.command}: {message}", file=sys.stderr, flush=True)


def progress_lines(command: str, wanted: bool) -> Callable[[str], None]:
    """`ProgressLines` on stderr, with `--progress` or when stderr is a terminal; otherwise nothing (stderr stays
    empty for a script)."""
    return ProgressLines(command) if wanted or sys.stderr.isatty() else silent


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--nd-policy",
        choices=("zero", "exclude"),
        default="zero",
        help="non-detects count as 0 in the average (zero, default) or are left out (exclude)",
    )
    parser.add_argument("--as-of", type=iso_date, default=None, help="YYYY-MM-DD; default today in America/Los_Angeles")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "levels",
        help="assign IGP Levels from SMARTS monitoring files (JSON on stdout)",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="SMARTS Parameter Data (.txt) or data.ca.gov CSV")
    parser.add_argument(
        "--facts",
        action="append",
        default=[],
        metavar="FILE.json",
        help="return-to-Baseline facts, as uploaded under monitoring/facts/ (repeatable)",
    )
    add_common_arguments(parser)
    parser.add_argument(
        "--format",
        choices=("json", "jsonl"),
        default="json",
        help="one JSON document sorted by WDID (json, default) or JSON Lines written as facilities are assigned",
    )
    parser.add_argument(
        "--progress",
        action="store_true",
        help="progress lines on stderr (rows read, rereading passes); the default when stderr is a terminal",
    )
    parser.add_argument(
        "--jobs",
        type=bounded_int(1, MAX_JOBS),
        default=None,
        help=f"processes reading a large file in parts (default: the CPUs available, at most {MAX_JOBS})",
    )
    parser.set_defaults(func=_run)

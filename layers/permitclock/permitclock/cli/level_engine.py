"""The streaming Level engine of `permitclock levels`: files read once, memory bounded by one facility, a large
file read by several processes at once.

Every row is checked as the intake checks it (`SmartsReader.values`, no object per row) and its rejection reported
in file order; a counted result is folded into its facility (`LevelFold`). SMARTS downloads and the portal CSV keep
a facility's rows together, so a facility is assigned as soon as the rows move on to another WDID and only its
distinct counted results of the years the July 1 decisions read are ever held. A WDID whose rows come back after
another facility's is *scattered*: its first decisions are dropped and it is assigned again from a later pass that
rereads the files for at most `MAX_OPEN` scattered facilities at a time, skipping other rows before they are read.
A file of scattered rows (sorted by date, say) thus costs one pass per `MAX_OPEN` facilities, never more memory.

With `jobs` > 1, a file of at least two `MIN_PART_BYTES` is cut into parts at line starts (`PARTS_PER_JOB` per
worker), each read by a worker process (`level_parts`) that assigns and renders the facilities wholly inside it;
this process replays the parts' events in file order, joins the facilities that cross a cut and checks each cut
against where the part before it stopped, so the output is byte for byte the one reader's
(tests/unit/igp/test_level_parts.py). Workers are forked: the command is single-threaded and the pool forks them
all before it starts its own thread, so they begin at once with the command's imports (spawned ones would import
the console script again, half a second and 50 MB each).

Why not DuckDB or pyarrow's CSV reader: the rows must be read exactly as the Lambda intake reads them (the raw
download's records split over lines, UTF-16, resynchronisation, the same rejections by physical line), which
neither reader does; re-expressing every check in SQL would be a second parser to keep identical, and the layer
would grow by tens of MB. The pure-Python path measured within reach of the targets (bench/bench_levels.py).
"""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from multiprocessing import get_context
from typing import Any, Protocol

from permitclock.cli.level_parts import (
    Done,
    Event,
    Open,
    Part,
    PartEnd,
    Render,
    Seen,
    line_starts,
    logged_events,
    read_part,
    read_part_to_log,
    silent,
)
from permitclock.domain.levels import NdPolicy
from permitclock.domain.samples import RejectedRow
from permitclock.errors import BadInput, DomainError
from permitclock.intake.smarts import SmartsReader
from permitclock.rules.igp.aggregate import Groups, LevelFold, LevelRow

MAX_OPEN = 2_000
"""Scattered facilities assigned together in one rereading pass."""
MIN_PART_BYTES = 32 << 20
"""The smallest part worth a worker process (starting one costs about a third of a second)."""
MAX_JOBS = 8
PARTS_PER_JOB = 2
"""A file is cut in twice as many parts as there are workers, so the parts before the last are replayed here while
the last ones are still being read, not all after them."""


def default_jobs() -> int:
    """The processes `permitclock levels` reads with by default: the CPUs this process may use, up to `MAX_JOBS`."""
    return max(1, min(len(os.sched_getaffinity(0)), MAX_JOBS))


class Output(Protocol):
    """Where decisions and rejected rows go (`level_output`): `render` is a static function (workers call it)."""

    @staticmethod
    def render(wdid: str, rows: list[LevelRow]) -> Any: ...

    def put(self, wdid: str, rendered: Any) -> None: ...

    def rejected(self, row: RejectedRow) -> None: ...


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused for a run over monitoring rows, and restored after: reading builds
    no reference cycles, and its passes, started every few hundred tuples made per row, walked the live heap
    again and again (quadratic for the samples `compute_levels` holds; a few percent of the stream's time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class EngineRun:
    """What a run read: files, rows (checked records of the first pass), facilities, scattered ones, passes, and
    the parts files were read in (one per file unless cut for workers)."""

    files_read: int = 0
    rows: int = 0
    facilities: int = 0
    scattered: int = 0
    passes: int = 0
    parts: int = 0
    reread_cuts: int = 0
    """Cuts that were not at a record's start, so the rows after them were read again here."""
    file_errors: list[str] = field(default_factory=list)


def stream_levels(
    paths: Sequence[str],
    *,
    as_of: date,
    nd_policy: NdPolicy,
    output: Output,
    progress: Callable[[str], None] = silent,
    jobs: int = 1,
) -> EngineRun:
    """Assign every facility of `paths` (see the module docstring), the collector paused (`collector_paused`;
    a full collection every `level_parts.PROGRESS_ROWS` rows keeps memory flat should anything make a cycle), in
    up to `jobs` processes (`progress` must then be picklable). Raises `DomainError` (code `unreadable`) when no
    file could be read, and the error that stopped a file's reading (an encoding error) after what came before it."""
    with (
        collector_paused(),
        tempfile.TemporaryDirectory(prefix="permitclock-levels-", ignore_cleanup_errors=True) as logs,
    ):
        facilities = _Facilities(LevelFold(as_of, nd_policy), output)
        run = EngineRun(passes=1)
        plans = [_plan(path, as_of, jobs, run) for path in paths]
        workers = sum(not isinstance(parts, str) and len(parts) > 1 for parts in plans)
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("fork")) if workers else None
        try:
            started = [
                _start(pool, parts, as_of, nd_policy, output.render, os.path.join(logs, str(n)), progress)
                for n, parts in enumerate(plans)
            ]
            for path, parts, futures in zip(paths, plans, started, strict=True):
                if isinstance(parts, str):
                    output.rejected(RejectedRow(path, 0, parts))
                    continue
                _replay(path, parts, futures, facilities, as_of, nd_policy, progress, run)
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        facilities.finish()
        if not run.files_read:
            raise DomainError("; ".join(run.file_errors) or "no input file", code="unreadable")
        run.facilities, run.scattered = len(facilities.closed), len(facilities.scattered)
        _reassign(sorted(facilities.scattered), paths, as_of, facilities, run, progress)
        return run


class _Facilities:
    """The one reader's facility-by-facility state, fed the parts' events in file order: joins a facility's runs
    that meet across a cut or a file's end, and marks a WDID seen before as scattered."""

    def __init__(self, fold: LevelFold, output: Output) -> None:
        self.fold = fold
        self.output = output
        self.closed: set[str] = set()
        self.scattered: set[str] = set()
        self._current: str | None = None
        self._groups: Groups | None = None
        """The open facility's results (None when it is scattered or none is open)."""

    def event(self, event: Event) -> None:
        kind = type(event)
        if kind is Done:
            self.finish()
            if self._first_seen(event.wdid):  # type: ignore[union-attr]
                self.output.put(event.wdid, event.rendered)  # type: ignore[union-attr]
        elif kind is Open:
            wdid, groups, complete = event  # type: ignore[misc]
            if wdid == self._current:
                if self._groups is not None:
                    self.fold.merge(self._groups, groups)
            else:
                self.finish()
                self._current = wdid
                self._groups = groups if self._first_seen(wdid) else None
            if complete:
                self.finish()
        elif kind is Seen:
            self.finish()
            self.scattered.add(event.wdid)  # type: ignore[union-attr]
        else:
            self.output.rejected(event)  # type: ignore[arg-type]

    def _first_seen(self, wdid: str) -> bool:
        if wdid in self.closed:
            self.scattered.add(wdid)
            return False
        self.closed.add(wdid)
        return True

    def finish(self) -> None:
        """Assign the open facility (its rows have ended)."""
        if self._groups is not None:
            wdid = self._current
            self.output.put(wdid, self.output.render(wdid, self.fold.assign(wdid, self._groups)))  # type: ignore[arg-type]
        self._current, self._groups = None, None


def _plan(path: str, as_of: date, jobs: int, run: EngineRun) -> list[Part] | str:
    """The parts `path` is read in: one, or up to `jobs` for a large UTF-8 file; the reason when it cannot be
    read (noted in `run`)."""
    try:
        reader = SmartsReader(path, as_of=as_of, positions=True)
    except DomainError as err:
        run.file_errors.append(err.message)
        return err.message
    encoding = reader.resume_point(2)
    reader.close()
    try:
        size = os.stat(path).st_size if os.path.isfile(path) else 0
    except OSError:
        size = 0
    count = min(jobs * PARTS_PER_JOB, size // MIN_PART_BYTES) if jobs > 1 else 1
    if count < 2 or encoding is None or encoding.encoding != "utf-8":
        return [Part(path, path)]
    starts = line_starts(path, [size * k // count for k in range(1, count)], "utf-8")
    edges = [None, *starts]
    return [
        Part(path, f"{path} (part {n + 1} of {len(edges)})", start, stop.line if stop else None)
        for n, (start, stop) in enumerate(zip(edges, [*starts, None], strict=True))
    ]


def _start(
    pool: ProcessPoolExecutor | None,
    parts: list[Part] | str,
    as_of: date,
    nd_policy: NdPolicy,
    render: Render,
    log_prefix: str,
    progress: Callable[[str], None],
) -> list[tuple[Future[PartEnd], str]]:
    """A worker's future and log per part of a file cut in parts (none for a file read here)."""
    if pool is None or isinstance(parts, str) or len(parts) < 2:
        return []
    started = []
    for n, part in enumerate(parts):
        log = f"{log_prefix}-{n}.events"
        started.append((pool.submit(read_part_to_log, part, as_of, nd_policy, render, log, progress), log))
    return started


def _replay(
    path: str,
    parts: list[Part],
    started: list[tuple[Future[PartEnd], str]],
    facilities: _Facilities,
    as_of: date,
    nd_policy: NdPolicy,
    progress: Callable[[str], None],
    run: EngineRun,
) -> None:
    """Feed `facilities` the file's events in order: read here (one part), or replayed from the workers' logs,
    each cut checked against where the part before it stopped; from a cut that was not at a record's start, the
    rest of the file is read again here from the part before it."""
    run.files_read += 1
    render = facilities.output.render
    if not started:
        _check(read_part(parts[0], as_of, nd_policy, render, facilities.event, progress), run)
        return
    run.parts += len(parts)
    previous: PartEnd | None = None
    for n, (future, log) in enumerate(started):
        end = future.result()
        if previous is not None and previous.boundary != end.first_line:
            run.reread_cuts += 1
            if previous.boundary is not None:
                again = Part(path, parts[n - 1].label, parts[n - 1].start, None, skip_before=previous.boundary)
                _check(read_part(again, as_of, nd_policy, render, facilities.event, progress), run)
            return  # the later parts' logs go with the run's directory
        for event in logged_events(log):
            facilities.event(event)
        _check(end, run)
        previous = end


def _check(end: PartEnd, run: EngineRun) -> None:
    """Count a part's rows, or raise the error that stopped it (after its events, as one reader raises it)."""
    run.rows += end.rows
    if end.error is not None:
        kind, message, code = end.error
        raise (BadInput if kind == BadInput.__name__ else DomainError)(message, code=code)


def _reassign(
    wdids: list[str],
    paths: Sequence[str],
    as_of: date,
    facilities: _Facilities,
    run: EngineRun,
    progress: Callable[[str], None],
) -> None:
    """Assign scattered facilities from rereading passes of at most `MAX_OPEN` facilities each."""
    fold, output = facilities.fold, facilities.output
    for start in range(0, len(wdids), MAX_OPEN):
        batch = wdids[start : start + MAX_OPEN]
        open_groups: dict[str, Groups] = {wdid: {} for wdid in batch}
        run.passes += 1
        progress(f"pass {run.passes}: rereading {len(batch):,} facilities whose rows are not together")
        for path in paths:
            try:
                reader = SmartsReader(path, as_of=as_of)
            except DomainError:
                continue  # reported by the first pass
            for item in reader.values(open_groups):
                if type(item) is tuple:
                    fold.add(open_groups[item[0]], item)
        for wdid in batch:
            output.put(wdid, output.render(wdid, fold.assign(wdid, open_groups[wdid])))

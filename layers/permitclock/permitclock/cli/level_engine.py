"""The streaming Level engine of `permitclock levels`: files read once, memory bounded by one facility.

Every row is checked as the intake checks it (`SmartsReader.values`, no object per row) and its rejection reported
in file order; a counted result is folded into its facility (`LevelFold`). SMARTS downloads and the portal CSV keep
a facility's rows together, so a facility is assigned as soon as the rows move on to another WDID and only its
distinct counted results of the years the July 1 decisions read are ever held. A WDID whose rows come back after
another facility's is *scattered*: its first decisions are dropped and it is assigned again from a later pass that
rereads the files for at most `MAX_OPEN` scattered facilities at a time, skipping other rows before they are read.
A file of scattered rows (sorted by date, say) thus costs one pass per `MAX_OPEN` facilities, never more memory.

Why not DuckDB or pyarrow's CSV reader: the rows must be read exactly as the Lambda intake reads them (the raw
download's records split over lines, UTF-16, resynchronisation, the same rejections by physical line), which
neither reader does; re-expressing every check in SQL would be a second parser to keep identical, and the layer
would grow by tens of MB. The pure-Python path measured within reach of the targets (bench/bench_levels.py).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from permitclock.domain.levels import NdPolicy
from permitclock.domain.samples import RejectedRow
from permitclock.errors import DomainError
from permitclock.intake.smarts import SmartsReader
from permitclock.rules.igp.aggregate import Groups, LevelFold, LevelRow

MAX_OPEN = 2_000
"""Scattered facilities assigned together in one rereading pass."""
PROGRESS_ROWS = 500_000
"""A progress line every this many rows read."""

Facility = Callable[[str, list[LevelRow]], None]
"""Called with each facility's decisions once it is assigned (again, for a scattered facility)."""


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
    """What a run read: files, rows (checked records of the first pass), facilities, scattered ones, passes."""

    files_read: int = 0
    rows: int = 0
    facilities: int = 0
    scattered: int = 0
    passes: int = 0
    file_errors: list[str] = field(default_factory=list)


def stream_levels(
    paths: Sequence[str],
    *,
    as_of: date,
    nd_policy: NdPolicy,
    on_facility: Facility,
    on_rejected: Callable[[RejectedRow], None],
    progress: Callable[[str], None] = lambda _: None,
) -> EngineRun:
    """Assign every facility of `paths` (see the module docstring), the collector paused (`collector_paused`;
    a full collection every `PROGRESS_ROWS` rows keeps memory flat should anything make a cycle). Raises
    `DomainError` (code `unreadable`) when no file could be read."""
    with collector_paused():
        return _stream(paths, as_of, nd_policy, on_facility, on_rejected, progress)


def _stream(
    paths: Sequence[str],
    as_of: date,
    nd_policy: NdPolicy,
    on_facility: Facility,
    on_rejected: Callable[[RejectedRow], None],
    progress: Callable[[str], None],
) -> EngineRun:
    run = EngineRun(passes=1)
    fold = LevelFold(as_of, nd_policy)
    closed: set[str] = set()
    scattered: set[str] = set()
    current: str | None = None
    groups: Groups | None = None
    for path in paths:
        try:
            reader = SmartsReader(path, as_of=as_of)
        except DomainError as err:
            run.file_errors.append(err.message)
            on_rejected(RejectedRow(path, 0, err.message))
            continue
        run.files_read += 1
        rows = 0
        for item in reader.values():
            if type(item) is not tuple:
                on_rejected(item)  # type: ignore[arg-type]
                continue
            rows += 1
            if rows % PROGRESS_ROWS == 0:
                progress(f"{path}: {rows:,} rows, {len(closed):,} facilities")
                gc.collect()
            wdid = item[0]
            if wdid != current:
                if groups is not None:
                    on_facility(current, fold.assign(current, groups))  # type: ignore[arg-type]
                if wdid in closed:
                    scattered.add(wdid)
                    groups = None
                else:
                    closed.add(wdid)
                    groups = {}
                current = wdid
            if groups is not None:
                fold.add(groups, item)
        run.rows += rows
    if groups is not None:
        on_facility(current, fold.assign(current, groups))  # type: ignore[arg-type]
    if not run.files_read:
        raise DomainError("; ".join(run.file_errors) or "no input file", code="unreadable")
    run.facilities, run.scattered = len(closed), len(scattered)
    _reassign(sorted(scattered), paths, as_of, fold, on_facility, run, progress)
    return run


def _reassign(
    wdids: list[str],
    paths: Sequence[str],
    as_of: date,
    fold: LevelFold,
    on_facility: Facility,
    run: EngineRun,
    progress: Callable[[str], None],
) -> None:
    """Assign scattered facilities from rereading passes of at most `MAX_OPEN` facilities each."""
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
            on_facility(wdid, fold.assign(wdid, open_groups[wdid]))

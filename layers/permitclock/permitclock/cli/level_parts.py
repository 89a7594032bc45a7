"""One part of a monitoring file read for the Level engine (`level_engine`): its rows folded facility by facility
into events the engine replays in file order, so a large file is read by several processes at once.

A part starts at a physical line (`Resume`: the line and its byte offset) and ends before the first record at or
after the next part's first line (`Part.stop_line`). It never knows what came before it, so it does not decide
facilities that may cross its edges: its first and last runs of one WDID's rows go out unassigned (`Open`, their
folded results) for the engine to join with its neighbours'; every run between them is assigned and rendered in
the part (`Done`: the output's own text, made where the work is). A WDID whose rows come back within the part is
`Seen` (not folded: the engine assigns such facilities again from a rereading pass).

A part's first line is only a guess at a record's start (a record of the raw download may span lines, a quoted
CSV field too); the engine checks it against where the part before it stopped (`PartEnd.boundary`) and reads
again from there when they disagree, so parts give the rows exactly as one reader of the whole file gives them.
"""

from __future__ import annotations

import gc
import os
import pickle
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import chain
from typing import Any, NamedTuple

from permitclock.domain.levels import NdPolicy
from permitclock.domain.samples import RejectedRow
from permitclock.errors import DomainError
from permitclock.intake.records import Resume
from permitclock.intake.smarts import SmartsReader, Values
from permitclock.rules.igp.aggregate import Groups, LevelFold, LevelRow

PROGRESS_ROWS = 500_000
"""A progress line every this many rows read."""
SCAN_BYTES = 16 << 20
"""What `line_starts` reads at a time."""
LOG_BATCH = 1_000
"""Events pickled together into a worker's log."""

Render = Callable[[str, list[LevelRow]], Any]
"""A facility's decisions made into what the output writes (`level_output`): picklable, as workers call it."""


class Done(NamedTuple):
    """A run of one facility's rows wholly inside the part, assigned and rendered."""

    wdid: str
    rendered: Any


class Open(NamedTuple):
    """The part's first run (`complete`: another WDID followed it in the part) or last run, folded, unassigned."""

    wdid: str
    groups: Groups
    complete: bool


class Seen(NamedTuple):
    """A run of a WDID whose rows came earlier in the part: the facility is scattered."""

    wdid: str


Event = Done | Open | Seen | RejectedRow


@dataclass(frozen=True)
class Part:
    """Where a part reads: `start` (None: right after the header) up to `stop_line`'s record (None: the end);
    records before `skip_before` are read but not used (reading again from a known record start)."""

    path: str
    label: str
    start: Resume | None = None
    stop_line: int | None = None
    skip_before: int = 0


@dataclass
class PartEnd:
    """What a part read: its rows, the line of the first record it used, the line of the first record at or after
    `stop_line` (None: the file ended first), and the error that stopped it (class name, message, code)."""

    rows: int = 0
    first_line: int | None = None
    boundary: int | None = None
    error: tuple[str, str, str] | None = None


def silent(_: str) -> None:
    """No progress lines (a module function, so a worker can be given it)."""


def read_part(
    part: Part,
    as_of: date,
    nd_policy: NdPolicy,
    render: Render,
    emit: Callable[[Event], None],
    progress: Callable[[str], None] = silent,
) -> PartEnd:
    """Read `part`, emitting its events in file order (see the module docstring). A `DomainError` while reading
    (an encoding error, say) ends the part: it is returned in `PartEnd.error`, the run before it not emitted, as
    a single reader stops there."""
    end = PartEnd()
    fold = LevelFold(as_of, nd_policy)
    reader = SmartsReader(part.path, as_of=as_of)
    rest = None
    try:
        if part.start is not None:
            rest = open(part.path, "rb")  # noqa: SIM115 - closed below
            rest.seek(part.start.offset)
            reader.continue_at(rest, part.start)
        _fold(reader, part, fold, render, emit, progress, end)
    except DomainError as err:
        end.error = (type(err).__name__, err.message, err.code)
    finally:
        reader.close()
        if rest is not None:
            rest.close()
    return end


def _fold(
    reader: SmartsReader,
    part: Part,
    fold: LevelFold,
    render: Render,
    emit: Callable[[Event], None],
    progress: Callable[[str], None],
    end: PartEnd,
) -> None:
    items = reader.values()
    skip = part.skip_before
    head = next((item for item in items if _line_of(item) >= skip), None)
    if head is None:
        return
    end.first_line = _line_of(head)
    stop = part.stop_line or sys.maxsize
    seen: set[str] = set()
    current: str | None = None
    groups: Groups | None = None
    first = True
    rows = 0
    for item in chain((head,), items):
        if type(item) is not tuple:
            if item.line >= stop:  # type: ignore[union-attr]
                end.boundary = item.line  # type: ignore[union-attr]
                break
            emit(item)  # type: ignore[arg-type]
            continue
        if item[-1] >= stop:
            end.boundary = item[-1]
            break
        rows += 1
        if rows % PROGRESS_ROWS == 0:
            progress(f"{part.label}: {rows:,} rows, {len(seen):,} facilities")
            gc.collect()
        wdid = item[0]
        if wdid != current:
            if groups is not None and first:
                emit(Open(current, groups, True))  # type: ignore[arg-type]
            elif groups is not None:
                emit(Done(current, render(current, fold.assign(current, groups))))  # type: ignore[arg-type]
            if current is not None:
                first = False
            if wdid in seen:
                emit(Seen(wdid))
                groups = None
            else:
                seen.add(wdid)
                groups = {}
            current = wdid
        if groups is not None:
            fold.add(groups, item)
    end.rows = rows
    if groups is not None:
        emit(Open(current, groups, False))  # type: ignore[arg-type]


def _line_of(item: Values | RejectedRow) -> int:
    return item[-1] if type(item) is tuple else item.line  # type: ignore[union-attr]


def read_part_to_log(
    part: Part, as_of: date, nd_policy: NdPolicy, render: Render, log: str, progress: Callable[[str], None]
) -> PartEnd:
    """`read_part` in a worker process: its events pickled into the file `log`, `LOG_BATCH` at a time."""
    gc.disable()  # as `collector_paused`: reading makes no cycles
    batch: list[Event] = []
    with open(log, "wb") as out:

        def emit(event: Event) -> None:
            batch.append(event)
            if len(batch) >= LOG_BATCH:
                pickle.dump(batch, out, pickle.HIGHEST_PROTOCOL)
                batch.clear()

        end = read_part(part, as_of, nd_policy, render, emit, progress)
        pickle.dump(batch, out, pickle.HIGHEST_PROTOCOL)
    return end


def logged_events(log: str) -> Iterator[Event]:
    """The events of a worker's log, in order (the file is removed once read)."""
    try:
        with open(log, "rb") as handle:
            while True:
                try:
                    batch = pickle.load(handle)
                except EOFError:
                    return
                yield from batch
    finally:
        os.unlink(log)


def line_starts(path: str, targets: list[int], encoding: str) -> list[Resume]:
    """For each byte offset of `targets` (ascending), the first line that starts at or after it: its number
    (lines ended by LF, CR LF or a lone CR, as `physical_lines` counts them) and its offset. Only lines that start
    after an LF are found, so a target past the file's last LF has none."""
    starts: list[Resume] = []
    line, offset, after_cr = 1, 0, False
    pending = list(targets)
    with open(path, "rb") as handle:
        while pending:
            chunk = handle.read(SCAN_BYTES)
            if not chunk:
                break
            while pending and offset + len(chunk) > pending[0]:
                cut = chunk.find(b"\n", max(pending[0] - offset, 0))
                if cut < 0:
                    break
                head = chunk[: cut + 1]
                start = Resume(line + _terminators(head, after_cr), offset + cut + 1, encoding)
                if not starts or start.offset > starts[-1].offset:
                    starts.append(start)
                pending.pop(0)
            line += _terminators(chunk, after_cr)
            after_cr = chunk.endswith(b"\r")
            offset += len(chunk)
    return starts


def _terminators(data: bytes, after_cr: bool) -> int:
    """Line ends in `data` (the LF of a CR LF split from its CR, `after_cr`, not counted again)."""
    if b"\r" not in data:
        return data.count(b"\n") - (after_cr and data.startswith(b"\n"))
    split_lf = after_cr and data.startswith(b"\n")
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n") - split_lf

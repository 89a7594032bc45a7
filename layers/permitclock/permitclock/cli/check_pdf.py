"""`permitclock check-pdf PATH... [--file-type TYPE]`: validate attachment files as SMARTS would receive them.

Prints one JSON object per file and line: `{"file", "ok", "file_type", "pages", "errors", "warnings"}`, each
finding as `{"code", "message"}`. Exit 0 when every file is accepted, 1 when any is rejected, 2 on a usage
error (unknown file type, a path that is not a file: reported before any file is checked; a file that cannot
be read).

Every file gets its verdict within `PROMISE_SECONDS`, the first one counted from the start of the process
(interpreter start and imports included): its wall-clock budget is what is left of the promise, less a
margin for writing the line. The CPU budget (`ValidationLimits.cpu_budget_seconds`) is what decides a slow
file; the wall-clock budget only bounds a machine so loaded that the CPU budget cannot be used up in time.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from permitclock.attachments import validate_attachment
from permitclock.cli.arguments import bounded_int
from permitclock.domain.attachments import AttachmentFileType, ValidationLimits
from permitclock.errors import BadInput

DEFAULTS = ValidationLimits()
DEFAULT_FILE_TYPE = AttachmentFileType.LEVEL_2_ERA_TECHNICAL_REPORT
OUTPUT_FIELDS = ("ok", "file_type", "pages", "errors", "warnings")
PROMISE_SECONDS = 10.0
MARGIN_SECONDS = 1.0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check-pdf",
        help="validate attachment files (one JSON line per file)",
        description="Validate attachment files as SMARTS would receive them: one JSON line per file.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files to check")
    parser.add_argument(
        "--file-type",
        default=DEFAULT_FILE_TYPE.value,
        help=f"declared SMARTS attachment type, one of: {', '.join(t.value for t in AttachmentFileType)} "
        f"(default: {DEFAULT_FILE_TYPE.value})",
    )
    parser.add_argument(
        "--max-pages",
        type=bounded_int(1, 1_000_000),
        default=DEFAULTS.max_pages,
        help=f"reject PDFs with more pages (default: {DEFAULTS.max_pages})",
    )
    parser.add_argument(
        "--max-bytes",
        type=bounded_int(1, 2**40),
        default=DEFAULTS.max_bytes,
        help=f"reject files larger than this many bytes (default: {DEFAULTS.max_bytes})",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    file_type = _file_type(args.file_type)
    limits = DEFAULTS.model_copy(update={"max_pages": args.max_pages, "max_bytes": args.max_bytes})
    paths = [Path(raw) for raw in args.paths]
    for path in paths:
        if not path.is_file():
            raise BadInput(f"{path}: {'not a file' if path.exists() else 'no such file'}")
    all_ok = True
    started = time.monotonic() - _process_age()
    for path in paths:
        left = PROMISE_SECONDS - MARGIN_SECONDS - (time.monotonic() - started)
        budget = limits.model_copy(update={"time_budget_seconds": max(0.5, min(limits.time_budget_seconds, left))})
        verdict = validate_attachment(_read_head(path, limits.max_bytes + 1), file_type, budget)
        started = time.monotonic()
        all_ok = all_ok and verdict.ok
        dumped = verdict.model_dump(mode="json")
        line = {"file": str(path), **{field: dumped[field] for field in OUTPUT_FIELDS}}
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return 0 if all_ok else 1


def _process_age() -> float:
    """Seconds since this process started (Linux `/proc`); 0 where that cannot be read."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            start_ticks = int(stat.read().rsplit(b")", 1)[1].split()[19])  # field 22 of proc(5), starttime
        with open("/proc/uptime") as uptime:
            return max(0.0, float(uptime.read().split()[0]) - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, IndexError, ValueError):
        return 0.0


def _file_type(raw: str) -> AttachmentFileType:
    for file_type in AttachmentFileType:
        if raw.casefold() == file_type.value.casefold():
            return file_type
    choices = "; ".join(t.value for t in AttachmentFileType)
    raise BadInput(f"unknown file type {raw!r}; use one of: {choices}")


def _read_head(path: Path, count: int) -> bytes:
    """At most `count` bytes: enough to reject a file over the size cap without reading all of it."""
    try:
        with path.open("rb") as handle:
            return handle.read(count)
    except OSError as err:
        raise BadInput(f"{path}: cannot read ({err.strerror})") from None

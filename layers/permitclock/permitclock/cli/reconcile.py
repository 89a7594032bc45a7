"""`permitclock reconcile --smarts-levels FILE ...`: where SMARTS's Level status and permitclock's disagree.

SMARTS side: the "Current Level 1 and Level 2 Pollutant Search" export (one row per WDID and pollutant above
Baseline, for the regions it was run for). permitclock side: a `permitclock levels` JSON (`--levels-json`; the
latest assignment of each WDID and parameter) or monitoring files assigned on the spot. Only permitclock WDIDs
of a region the export covers are compared (`rules.igp.reconciliation`); the others are listed apart, as are
SMARTS WDIDs without permitclock data.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import date
from typing import Any

from permitclock.cli.levels import add_common_arguments, compute_levels, dumps, progress_lines
from permitclock.clock import SystemClock, today
from permitclock.domain.levels import Level
from permitclock.errors import BadInput, DomainError
from permitclock.intake.level_export import LevelExport, read_level_export
from permitclock.rules.igp.reconciliation import reconcile


def read_smarts_levels(path: str) -> LevelExport:
    try:
        return read_level_export(path)
    except OSError as err:
        raise DomainError(f"{path}: cannot read ({err.strerror})", code="unreadable") from err


def levels_from_json(path: str) -> dict[tuple[str, str], Level]:
    """The latest level of each (WDID, parameter) in a `permitclock levels` output."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        latest: dict[tuple[str, str], tuple[str, Level]] = {}
        for a in data["assignments"]:
            key = (a["wdid"], a["parameter"])
            if key not in latest or a["reporting_year"] > latest[key][0]:
                latest[key] = (a["reporting_year"], a["level"])
    except OSError as err:
        raise DomainError(f"{path}: cannot read ({err.strerror})", code="unreadable") from err
    except (ValueError, KeyError, TypeError) as err:
        raise BadInput(f"{path}: not a `permitclock levels` JSON ({err})") from None
    return {key: level for key, (_, level) in latest.items()}


def _run(args: argparse.Namespace) -> int:
    export = read_smarts_levels(args.smarts_levels)
    if args.levels_json:
        ours = levels_from_json(args.levels_json)
        wdids = {w for w, _ in ours}
    elif args.monitoring:
        as_of: date = args.as_of or today(SystemClock())
        run = compute_levels(
            args.monitoring, as_of=as_of, nd_policy=args.nd_policy, progress=progress_lines("reconcile", args.progress)
        )
        for message in run.file_errors:
            print(f"permitclock reconcile: {message}", file=sys.stderr)
        ours = {
            (wdid, parameter): status.level
            for wdid, statuses in run.final_statuses.items()
            for parameter, status in statuses.items()
        }
        wdids = set(run.final_statuses)
    else:
        raise BadInput("give --levels-json FILE or monitoring FILEs")
    if args.region:
        export.regions = set(args.region)
    result = reconcile(export.levels, export.covers, ours, wdids)
    out: dict[str, Any] = {
        "disagreements": [asdict(d) for d in result.disagreements],
        "export_regions": sorted(export.regions),
        "compared_wdids": len(result.compared_wdids),
        "outside_export_wdids": result.outside_export_wdids,
        "smarts_only_wdids": result.smarts_only_wdids,
        "skipped_rows": [asdict(s) for s in export.skipped],
    }
    sys.stdout.write(dumps(out) + "\n")
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "reconcile",
        help="list (WDID, pollutant) where SMARTS and permitclock Levels disagree",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("--smarts-levels", required=True, metavar="FILE", help="SMARTS Level 1/2 Pollutant Search CSV")
    parser.add_argument("--levels-json", metavar="FILE", help="output of `permitclock levels`")
    parser.add_argument(
        "--region",
        action="append",
        metavar="CODE",
        help="a Regional Board code the export covers (repeatable; default: the regions of its WDIDs)",
    )
    parser.add_argument("monitoring", nargs="*", metavar="FILE", help="SMARTS monitoring files to assign instead")
    add_common_arguments(parser)
    parser.add_argument(
        "--progress",
        action="store_true",
        help="progress lines on stderr while monitoring files are read; the default when stderr is a terminal",
    )
    parser.set_defaults(func=_run)

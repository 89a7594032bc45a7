"""`permitclock reconcile --smarts-levels FILE ...`: where SMARTS's Level status and permitclock's disagree.

SMARTS side: the "Current Level 1 and Level 2 Pollutant Search" export (one row per WDID and pollutant above
Baseline). permitclock side: a `permitclock levels` JSON (`--levels-json`; the latest assignment of each WDID
and parameter) or monitoring files assigned on the spot. Only WDIDs permitclock knows are compared (a
parameter absent from either side is Baseline there); SMARTS WDIDs without permitclock data are listed apart.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import date
from typing import Any

from permitclock.cli.levels import add_common_arguments, compute_levels, dumps
from permitclock.clock import SystemClock, today
from permitclock.errors import BadInput, DomainError
from permitclock.rules.igp.nals import nal_by_report_name

LEVELS = ("Baseline", "Level 1", "Level 2")


def read_smarts_levels(path: str) -> tuple[dict[tuple[str, str], str], list[dict[str, Any]]]:
    """(WDID, NAL level_report_name) -> SMARTS level, and the rows that could not be used."""
    found: dict[tuple[str, str], str] = {}
    skipped: list[dict[str, Any]] = []
    try:
        handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    except OSError as err:
        raise DomainError(f"{path}: cannot read ({err.strerror})", code="unreadable") from err
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("WDID", "Pollutant", "Level") if c not in (reader.fieldnames or [])]
        if missing:
            raise BadInput(f"{path}: not a SMARTS Level 1/Level 2 export: missing columns {', '.join(missing)}")
        for row in reader:
            line = reader.line_num
            wdid, pollutant, level = (row.get(k, "").strip() for k in ("WDID", "Pollutant", "Level"))
            nal = nal_by_report_name(pollutant)
            reason = (
                "empty WDID" if not wdid
                else f"unknown Level {level!r}" if level not in LEVELS
                else f"pollutant {pollutant!r} has no NAL" if nal is None
                else ""
            )  # fmt: skip
            if reason or nal is None:
                skipped.append({"file": path, "line": line, "reason": reason})
                continue
            found[(wdid, nal.level_report_name)] = level
    return found, skipped


def levels_from_json(path: str) -> dict[tuple[str, str], str]:
    """The latest level of each (WDID, parameter) in a `permitclock levels` output."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        latest: dict[tuple[str, str], tuple[str, str]] = {}
        for a in data["assignments"]:
            key = (a["wdid"], a["parameter"])
            if key not in latest or a["reporting_year"] > latest[key][0]:
                latest[key] = (a["reporting_year"], a["level"])
    except OSError as err:
        raise DomainError(f"{path}: cannot read ({err.strerror})", code="unreadable") from err
    except (ValueError, KeyError, TypeError) as err:
        raise BadInput(f"{path}: not a `permitclock levels` JSON ({err})") from None
    return {key: level for key, (_, level) in latest.items()}


def reconcile(
    smarts: dict[tuple[str, str], str], ours: dict[tuple[str, str], str], our_wdids: set[str]
) -> dict[str, Any]:
    keys = {k for k in smarts if k[0] in our_wdids} | set(ours)
    disagreements = []
    for wdid, parameter in sorted(keys):
        theirs = smarts.get((wdid, parameter), "Baseline")
        mine = ours.get((wdid, parameter), "Baseline")
        if theirs != mine:
            disagreements.append(
                {"wdid": wdid, "parameter": parameter, "smarts_level": theirs, "permitclock_level": mine}
            )
    return {
        "disagreements": disagreements,
        "compared_wdids": len(our_wdids),
        "smarts_only_wdids": sorted({w for w, _ in smarts} - our_wdids),
    }


def _run(args: argparse.Namespace) -> int:
    smarts, skipped = read_smarts_levels(args.smarts_levels)
    if args.levels_json:
        ours = levels_from_json(args.levels_json)
        wdids = {w for w, _ in ours}
    elif args.monitoring:
        as_of: date = args.as_of or today(SystemClock())
        run = compute_levels(args.monitoring, as_of=as_of, nd_policy=args.nd_policy)
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
    result = reconcile(smarts, ours, wdids)
    result["skipped_rows"] = skipped
    sys.stdout.write(dumps(result) + "\n")
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "reconcile",
        help="list (WDID, pollutant) where SMARTS and permitclock Levels disagree",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("--smarts-levels", required=True, metavar="FILE", help="SMARTS Level 1/2 Pollutant Search CSV")
    parser.add_argument("--levels-json", metavar="FILE", help="output of `permitclock levels`")
    parser.add_argument("monitoring", nargs="*", metavar="FILE", help="SMARTS monitoring files to assign instead")
    add_common_arguments(parser)
    parser.set_defaults(func=_run)

"""`permitclock outlook FILE... [--as-of DATE]`: the in-year Level outlook from SMARTS monitoring downloads, offline.

For the reporting year `--as-of` falls in (default today in America/Los_Angeles), every (WDID, NAL parameter)
with a result in that year or the one before: results so far, running average against the NAL, instantaneous
exceedances, the QSEs still required, the state and the most the remaining results may average
(`rules.igp.outlook`). The Level each parameter holds now comes from assigning the files' earlier years, as
`permitclock levels` does. JSON on stdout; exit 0 when it ran, 1 when no file could be read, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from permitclock.cli.levels import add_common_arguments, compute_levels, dumps
from permitclock.clock import SystemClock, today
from permitclock.domain.levels import NdPolicy
from permitclock.domain.outlook import ParameterOutlook
from permitclock.rules.igp.nals import nal_table
from permitclock.rules.igp.outlook import parameter_outlook
from permitclock.rules.igp.years import label_for_start, reporting_year_of, start_year


def compute_outlooks(paths: list[str], *, as_of: date, nd_policy: NdPolicy) -> tuple[list[ParameterOutlook], Any]:
    run = compute_levels(paths, as_of=as_of, nd_policy=nd_policy, keep_samples=True)
    year = reporting_year_of(as_of)
    previous = label_for_start(start_year(year) - 1)
    table = nal_table()
    outlooks = []
    for wdid in sorted(run.samples):
        by_year = run.samples[wdid]
        keys = set(by_year.get(year, {})) | set(by_year.get(previous, {}))
        statuses = run.final_statuses.get(wdid, {})
        for key in sorted(keys, key=lambda k: table[k].level_report_name):
            nal = table[key]
            outlooks.append(
                parameter_outlook(
                    wdid, nal, by_year.get(year, {}).get(key, []), as_of=as_of,
                    status=statuses.get(nal.level_report_name), nd_policy=nd_policy,
                )
            )  # fmt: skip
    return outlooks, run


def _run(args: argparse.Namespace) -> int:
    as_of = args.as_of or today(SystemClock())
    outlooks, run = compute_outlooks(args.files, as_of=as_of, nd_policy=args.nd_policy)
    for message in run.file_errors:
        print(f"permitclock outlook: {message}", file=sys.stderr)
    out = {
        "reporting_year": reporting_year_of(as_of),
        "as_of": as_of,
        "outlooks": [o.model_dump() for o in outlooks],
        "rejected_rows": [{"file": r.file, "line": r.line, "reason": r.reason} for r in run.rejected],
    }
    sys.stdout.write(dumps(out) + "\n")
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "outlook",
        help="the in-year Level outlook of each facility parameter (JSON on stdout)",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="SMARTS Parameter Data (.txt) or data.ca.gov CSV")
    add_common_arguments(parser)
    parser.set_defaults(func=_run)

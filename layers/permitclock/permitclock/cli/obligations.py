"""`permitclock obligations PROGRAM FILE.json [--as-of YYYY-MM-DD]`: any program's obligations, offline.

Reads one facts document of a rule pack (`il_725_243`, `tx_115`, `pa_cbts`, `ma_srf`; the formats are in
docs/programs.md, an example of each in events/programs/) the way the program intake reads an upload of it
(`services.program_intake`: the same JSON reading with exact decimals, input model and facility check) and prints
`{"program", "facility_id", "as_of", "obligations": [...]}`, each obligation in the shape its table item has
(`Obligation.stored_fields`). Exit 0; 2 on bad input, with one line on stderr naming the field.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from permitclock.cli.windows import add_as_of_argument, as_of_date, read_document
from permitclock.rules.programs import PROGRAMS
from permitclock.services.program_intake import evaluate_document


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "obligations",
        help="a program's obligations from its facts file, as the program intake stores them (JSON on stdout)",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("program", metavar="PROGRAM", help=f"one of {', '.join(PROGRAMS)}")
    parser.add_argument("file", metavar="FILE.json")
    add_as_of_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    as_of = as_of_date(args.as_of)
    facility_id, obligations = evaluate_document(args.program, read_document(args.file), as_of)
    out = {
        "program": args.program,
        "facility_id": facility_id,
        "as_of": as_of.isoformat(),
        "obligations": [ob.stored_fields() for ob in obligations],
    }
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0

"""`permitclock suppression {lift,status} ADDRESS --table NAME`: the bounce/complaint suppression list.

Runs against a deployed stack's state table with the caller's AWS credentials (`--table`, or `TABLE_NAME`;
`--region` or the usual AWS settings). It changes only permitclock's own list (`SUPPRESS#{address hash}`),
which the notifier checks before each send; if the SES account-level suppression list also holds the address,
remove it there too (`aws sesv2 delete-suppressed-destination --email-address ADDRESS`). Prints one JSON line
with the address hash (never the address). Exit 0 when done, 1 when `lift` found nothing to lift.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from permitclock.adapters.send_claims import SendClaims
from permitclock.bootstrap import Aws
from permitclock.errors import BadInput
from permitclock.notices.recipients import recipient_hash
from permitclock.services.bounces import lift_suppression


def deployed_claims(args: argparse.Namespace) -> SendClaims:
    """The send claims of the deployed state table `--table` (or `TABLE_NAME`) in `--region`."""
    table = args.table or os.environ.get("TABLE_NAME")
    if not table:
        raise BadInput("name the state table with --table or TABLE_NAME", code="bad_input")
    return SendClaims(Aws(region=args.region).table(table))


def add_table_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--table", help="the state table's name (default: $TABLE_NAME)")
    parser.add_argument("--region", help="AWS region (default: the AWS CLI settings)")


def _run(args: argparse.Namespace) -> int:
    if "@" not in args.address:
        raise BadInput(f"not an email address: {args.address!r}", code="bad_input")
    claims = deployed_claims(args)
    out: dict[str, Any] = {"recipient_hash": recipient_hash(args.address)}
    if args.action == "lift":
        out["lifted"] = lift_suppression(claims, args.address)
        code = 0 if out["lifted"] else 1
    else:
        out["suppressed"] = claims.is_suppressed(args.address)
        code = 0
    print(json.dumps(out))
    return code


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "suppression",
        help="lift or check an address on the bounce/complaint suppression list (deployed table)",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("action", choices=["lift", "status"])
    parser.add_argument("address", help="the email address")
    add_table_arguments(parser)
    parser.set_defaults(func=_run)

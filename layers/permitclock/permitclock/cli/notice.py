"""`permitclock notice NOTICE_ID --table NAME`: what became of one notice, recipient by recipient.

Reads the notice's send claims (`NOTICE#{notice id}`) in a deployed stack's state table with the caller's AWS
credentials (`--table`, or `TABLE_NAME`; `--region` or the usual AWS settings). Prints one JSON line:
`{"notice_id", "recipients": [{"recipient_hash", "status", "detail", "claimed_at"}]}`, each recipient by the
hash of the address (never the address: `permitclock suppression status ADDRESS` prints an address's hash),
`status` `sending`, `sent` (detail: SES's message id) or `failed` (detail: SES's error code, or `bad_address`).
Exit 0 when the notice has claims, 1 when it has none (never handled, or every recipient suppressed).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from permitclock.cli.suppression import add_table_arguments, deployed_claims


def _run(args: argparse.Namespace) -> int:
    recipients = deployed_claims(args).of_notice(args.notice_id)
    print(json.dumps({"notice_id": args.notice_id, "recipients": recipients}))
    return 0 if recipients else 1


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "notice",
        help="each recipient's send state of one notice: sent, failed for good (with the code), or sending",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("notice_id", help="the notice id, as the notifier logs it (e.g. attachment_rejected:...)")
    add_table_arguments(parser)
    parser.set_defaults(func=_run)

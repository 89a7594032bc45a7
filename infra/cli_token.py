"""`permitclock token --sub USER [--email E] [--name N] [--groups a,b] [--ttl SECONDS]`: print a JWT the local
server's HTTP API accepts, signed by the local issuer (infra/local_issuer.py; the key under .permitclock-local/).

The token carries the issuer and audience of the template's JWT authorizer, the given claims, and the groups in
`cognito:groups` as Cognito puts them (`--groups permitclock-admins` for an administrator). `--ttl` is how long
it is valid, 1 to 86400 s (default 3600 s; Cognito's ID tokens last a day at most); `--expired` mints one that
expired a minute ago, which the server refuses with 401. `--sub` is 1 to 255 characters with no control
character or blank (the API refuses any other). A plugin subcommand, like `run` and `serve`.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from typing import Any

from permitclock.cli.arguments import bounded_int

MAX_TTL_SECONDS = 86_400
EXPIRED_SECONDS_AGO = 60


def subject(text: str) -> str:
    """argparse type of `--sub`: what the API accepts as a `sub` claim."""
    if not 1 <= len(text) <= 255 or not text.strip() or any(unicodedata.category(c) == "Cc" for c in text):
        raise argparse.ArgumentTypeError(f"1 to 255 characters, not blank, no control characters: {text[:40]!r}")
    return text


def _token(args: argparse.Namespace) -> int:
    from infra import local_issuer

    groups = [g.strip() for g in (args.groups or "").split(",") if g.strip()]
    token = local_issuer.mint(
        local_issuer.signing_key(),
        local_issuer.authorizer(),
        sub=args.sub,
        email=args.email,
        name=args.name,
        groups=groups,
        ttl=-EXPIRED_SECONDS_AGO if args.expired else args.ttl,
    )
    sys.stdout.write(token + "\n")
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "token",
        help="print a JWT for the local server's HTTP API, signed by the local issuer",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("--sub", required=True, type=subject, help="the subject: the user id the API keys on")
    parser.add_argument("--email", help="the email claim")
    parser.add_argument("--name", help="the name claim")
    parser.add_argument("--groups", metavar="A,B", help="comma-separated groups, in cognito:groups")
    parser.add_argument(
        "--ttl", type=bounded_int(1, MAX_TTL_SECONDS), default=3600, metavar="SECONDS",
        help=f"seconds the token is valid, 1 to {MAX_TTL_SECONDS} (default 3600)",
    )  # fmt: skip
    parser.add_argument("--expired", action="store_true", help="mint a token that expired a minute ago (a 401 test)")
    parser.set_defaults(func=_token)

"""`permitclock token --sub USER [--email E] [--name N] [--groups a,b] [--ttl SECONDS]`: print a JWT the local
server's HTTP API accepts, signed by the local issuer (infra/local_issuer.py; the key under .permitclock-local/).

The token carries the issuer and audience of the template's JWT authorizer, the given claims, and the groups in
`cognito:groups` as Cognito puts them (`--groups permitclock-admins` for an administrator). `--ttl` is how long
it is valid (default 3600 s); zero or less mints one already expired, which the server refuses with 401.
A plugin subcommand, like `run` and `serve`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


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
        ttl=args.ttl,
    )
    sys.stdout.write(token + "\n")
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "token",
        help="print a JWT for the local server's HTTP API, signed by the local issuer",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("--sub", required=True, help="the subject: the user id the API keys on")
    parser.add_argument("--email", help="the email claim")
    parser.add_argument("--name", help="the name claim")
    parser.add_argument("--groups", metavar="A,B", help="comma-separated groups, in cognito:groups")
    parser.add_argument(
        "--ttl", type=int, default=3600, metavar="SECONDS", help="seconds the token is valid (default 3600)"
    )
    parser.set_defaults(func=_token)

"""Entry point of the `permitclock` console script.

Exit codes shared by every subcommand: 0 success, 1 the command ran and found a rejection/failure,
2 a usage error (argparse's own convention). Errors are printed as one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module
from importlib.metadata import entry_points

from permitclock.errors import DomainError

# Each name is a module of this package with `register(subparsers)`; the subparser sets `func(args) -> int`.
SUBCOMMANDS = [
    "check_pdf",
    "windows",
    "levels",
    "reconcile",
    "outlook",
    "suppression",
]
PLUGIN_GROUP = "permitclock.commands"
"""Entry points of this group name a `register(subparsers)` callable of another installed package: subcommands
that need more than the layer ships (the local stack's `run`, in infra/). CONTRIBUTING.md says how to add one."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="permitclock", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in SUBCOMMANDS:
        import_module(f"permitclock.cli.{name}").register(subparsers)
    for plugin in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
        plugin.load()(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except DomainError as err:
        print(f"permitclock {args.command}: {err.message}", file=sys.stderr)
        return 2 if err.code == "bad_input" else 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""Entry point of the `permitclock` console script.

Exit codes shared by every subcommand: 0 success, 1 the command ran and found a rejection/failure (or AWS
refused a call), 2 a usage error (argparse's own convention). stdout carries only the command's JSON; errors are
one line on stderr, never a traceback; a reader that closes the pipe early (`| head`) ends the command quietly.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from importlib import import_module
from importlib.metadata import entry_points

from botocore.exceptions import BotoCoreError, ClientError

from permitclock import __version__
from permitclock.errors import BadInput, DomainError
from permitclock.observability import logger

# Each name is a module of this package with `register(subparsers)`; the subparser sets `func(args) -> int`.
SUBCOMMANDS = [
    "check_pdf",
    "windows",
    "obligations",
    "levels",
    "reconcile",
    "outlook",
    "suppression",
    "notice",
]
PLUGIN_GROUP = "permitclock.commands"
"""Entry points of this group name a `register(subparsers)` callable of another installed package: subcommands
that need more than the layer ships (the local stack's `run`, in infra/). CONTRIBUTING.md says how to add one."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="permitclock", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"permitclock {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in SUBCOMMANDS:
        import_module(f"permitclock.cli.{name}").register(subparsers)
    for plugin in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
        plugin.load()(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    handler = logger.registered_handler
    if isinstance(handler, logging.StreamHandler):  # a log line of the layer never mixes into the JSON
        handler.setStream(sys.__stderr__)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # a closed pipe shows here, inside the try
        return code
    except DomainError as err:
        return _fail(args.command, err.message, 2 if isinstance(err, BadInput) else 1)
    except ClientError as err:
        error = err.response.get("Error", {})
        return _fail(args.command, f"AWS refused {err.operation_name}: {error.get('Code')}: {error.get('Message')}", 1)
    except BotoCoreError as err:  # no credentials or region, an endpoint out of reach
        return _fail(args.command, f"AWS: {err}", 1)
    except BrokenPipeError:
        # The reader is gone: send the rest of stdout nowhere, so the interpreter's own flush at exit cannot fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        return 130


def _fail(command: str, message: str, code: int) -> int:
    print(f"permitclock {command}: {' '.join(message.split())}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())

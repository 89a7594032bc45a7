"""Entry point of the `permitclock` console script.

Exit codes shared by every subcommand: 0 success, 1 the command ran and found a rejection/failure (or AWS
refused a call), 2 a usage error or bad input (argparse's own convention: an unknown option, a bad date or number,
a file that is missing or not a file). stdout carries only the command's JSON; errors are one line on stderr, never a
traceback: every subcommand's errors are mapped here, once (an error no mapping expects is one line naming its type,
exit 1); a reader that closes the pipe early (`| head`) ends the command quietly.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from importlib import import_module
from importlib.metadata import entry_points
from typing import NoReturn

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


class OneLineParser(argparse.ArgumentParser):
    """argparse's parser with its usage errors as one line (`permitclock levels: argument --as-of: ...`), exit 2;
    the subcommands' parsers are of this class too (`add_subparsers` makes them so), plugins' included."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{' '.join(f'{self.prog}: {message}'.split())[:500]}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="permitclock", description=__doc__.splitlines()[0])
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
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version, a usage error: already printed
        return done.code if isinstance(done.code, int) else 2
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
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as err:  # an input path
        return _fail(args.command, f"{err.filename}: cannot read ({err.strerror})", 2)
    except OSError as err:  # a port taken, a disk full: the command could not run
        return _fail(args.command, f"{err.strerror or type(err).__name__}", 1)
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # a bug: still one line, naming the error's type (never the input's content)
        return _fail(args.command, f"unexpected error ({type(err).__name__}); please report it", 1)


def _fail(command: str, message: str, code: int) -> int:
    print(f"permitclock {command}: {' '.join(message.split())[:1000]}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())

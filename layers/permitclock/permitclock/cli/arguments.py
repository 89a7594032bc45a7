"""argparse types the subcommands share: each turns a bad value into argparse's own error (one line, exit 2)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path


def iso_date(text: str) -> date:
    """A `YYYY-MM-DD` date."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text[:40]!r}") from None


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An integer from `low` to `high` (so `-1` or a 30-digit number never reaches the code that uses it)."""

    def parse(text: str) -> int:
        try:
            value = int(text) if len(text) <= 20 else None
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"not an integer from {low} to {high}: {text[:40]!r}")
        return value

    parse.__name__ = "integer"
    return parse


def input_file(text: str) -> str:
    """The path of a regular file that exists, checked before any work starts (e.g. before `run` provisions its
    stack)."""
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text[:200]}: {'not a file' if path.exists() else 'no such file'}")
    return text

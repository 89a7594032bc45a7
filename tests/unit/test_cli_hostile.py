"""Hostile input for every `permitclock` subcommand, in-process (`cli.main.main`): each bad file or argument is
one line on stderr with the documented exit code (docs/cli.md), nothing on stdout, never a traceback nor the
last-resort "unexpected error" line (which would mean an error no mapping expects)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from permitclock.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
FACTS = ROOT / "events/programs/il_725_243_example.json"
EXAMPLE = json.loads(FACTS.read_text())


def _with_amount(value: str) -> bytes:
    return json.dumps(EXAMPLE).replace('"amount": 900000', f'"amount": {value}', 1).encode()


FILES: dict[str, Callable[[Path], bytes | None]] = {
    "missing": lambda _: None,
    "directory": lambda _: None,
    "empty": lambda _: b"",
    "binary": lambda _: bytes(range(256)) * 8,
    "utf16": lambda _: json.dumps(EXAMPLE).encode("utf-16"),
    "huge-number": lambda _: _with_amount("1e999999999"),
    "long-number": lambda _: _with_amount("9" * 5000),
    "negative": lambda _: _with_amount("-1"),
    "deep": lambda _: b"[" * 100_000 + b"]" * 100_000,
    "bad-date": lambda _: json.dumps(EXAMPLE).replace("2023-11-15", "2023-13-45", 1).encode(),
    "long-line": lambda _: b"x" * 300_000,
}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("hostile")
    paths = {}
    for name, make in FILES.items():
        path = folder / name if name != "directory" else folder
        body = make(path)
        if body is not None:
            path.write_bytes(body)
        paths[name] = str(path)
    return paths


# (argv with {name} for a hostile file, which files, exit code). JSON inputs: windows, obligations, levels --facts;
# monitoring files: levels, outlook (exit 1: no file could be read); SMARTS Level exports: reconcile.
FILE_CASES = [
    (["windows", "{}"], list(FILES), 2),
    (["obligations", "il_725_243", "{}"], list(FILES), 2),
    (["obligations", "tx_115", "{}"], ["empty", "binary", "deep", "utf16"], 2),
    (["levels", "{}", "--as-of", "2026-01-01"], ["missing", "directory", "empty", "binary", "long-line"], 1),
    (["outlook", "{}", "--as-of", "2026-01-01"], ["missing", "empty", "binary", "long-line"], 1),
    (["reconcile", "--smarts-levels", "{}", str(FACTS)], ["empty", "binary", "long-line", "deep"], 2),
    (["check-pdf", "{}"], ["missing", "directory"], 2),
]

ARG_CASES = [
    [],
    ["nonsense"],
    ["--bogus"],
    ["windows", str(FACTS), "--as-of", "2026-02-30"],
    ["windows", str(FACTS), "--as-of", "99999-01-01"],
    ["obligations", "no_such_program", str(FACTS)],
    ["obligations", "il_725_243"],
    ["levels", str(FACTS), "--as-of", "tomorrow"],
    ["levels", str(FACTS), "--nd-policy", "maybe"],
    ["levels", str(FACTS), "--jobs", "0"],
    ["levels", str(FACTS), "--jobs", "9" * 30],
    ["outlook", str(FACTS), "--as-of", "2026-1-1"],
    ["check-pdf", str(FACTS), "--max-pages", "-1"],
    ["check-pdf", str(FACTS), "--max-bytes", "9" * 40],
    ["check-pdf", str(FACTS), "--file-type", "Novel"],
    ["suppression", "status", "not-an-address", "--table", "t"],
    ["suppression", "forget", "a@b.example"],
    ["notice"],
    ["notice", "attachment_rejected:x"],  # no --table, no TABLE_NAME
    ["token"],
    ["token", "--sub", ""],
    ["token", "--sub", "   "],
    ["token", "--sub", "user\n1"],
    ["token", "--sub", "u", "--ttl", "-1"],
    ["token", "--sub", "u", "--ttl", "0"],
    ["token", "--sub", "u", "--ttl", "9" * 30],
    ["run", "annual", "--on", "2026-13-01"],
    ["run", "annual"],
    ["run", "sweep", "--on", "2026-07-01", "--monitoring", "/no/such/file.txt"],
    ["serve", "--port", "-1"],
    ["serve", "--aws-port", "70000"],
]


def _one_line_failure(argv: list[str], expected: int, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(argv)
    out, err = capsys.readouterr()
    assert (code, out) == (expected, ""), (argv, code, err)
    assert err.count("\n") == 1 and err.endswith("\n") and err.startswith("permitclock"), (argv, err)
    assert "Traceback" not in err and "unexpected error" not in err, (argv, err)
    assert len(err) <= 1200, (argv, len(err))  # proportional: never the input echoed back whole


@pytest.mark.parametrize(
    ("argv", "name", "expected"),
    [(argv, name, code) for argv, names, code in FILE_CASES for name in names],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_hostile_file_is_one_line_and_its_exit_code(
    argv: list[str], name: str, expected: int, files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    monkeyed = [a.replace("{}", files[name]) for a in argv]
    if argv[0] in ("levels", "outlook"):
        assert main(monkeyed) == expected  # the unreadable file is named on stderr, the JSON says nothing was read
        out, err = capsys.readouterr()
        assert err.count("\n") == 1 and "Traceback" not in err and "unexpected error" not in err, err
        assert len(out) < 2000 and len(err) <= 1200
        return
    _one_line_failure(monkeyed, expected, capsys)


@pytest.mark.parametrize("argv", ARG_CASES, ids=lambda a: " ".join(a)[:60] or "(none)")
def test_a_bad_argument_is_one_line_and_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TABLE_NAME", raising=False)
    _one_line_failure(argv, 2, capsys)


def test_unknown_fields_are_ignored_as_documented(tmp_path: Path) -> None:
    """docs/programs.md: unknown keys ride along (descriptive fields), so this is no bad input."""
    extra = tmp_path / "extra.json"
    extra.write_text(json.dumps({**EXAMPLE, "notes": "x" * 1000, "issuer": {"deep": [[[]]]}}))
    assert main(["windows", str(extra), "--as-of", "2026-01-15"]) == 0

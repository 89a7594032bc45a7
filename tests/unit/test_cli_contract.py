"""The contract every subcommand keeps (docs/cli.md): JSON alone on stdout, one-line errors on stderr, never a
traceback, whatever AWS or the reader of the pipe does; `--version`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from permitclock import __version__, observability
from permitclock.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
FACTS = ROOT / "events/programs/il_725_243_example.json"


def cli(*argv: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "permitclock.cli.main", *argv], text=True, check=False, **kwargs)


def test_version_is_the_packages() -> None:
    done = cli("--version", capture_output=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"permitclock {__version__}\n", "")
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"] == __version__


def test_no_aws_credentials_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ["PATH"], "HOME": str(tmp_path), "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
    }  # fmt: skip
    done = cli("suppression", "status", "person@example.com", "--table", "t", "--region", "us-west-2",
               capture_output=True, env=env)  # fmt: skip
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "permitclock suppression: AWS: Unable to locate credentials\n"


def test_an_aws_refusal_is_one_line_naming_the_call(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        boto3.client("dynamodb", region_name="us-west-2")  # the account exists, the table does not
        code = main(["suppression", "lift", "person@example.com", "--table", "missing", "--region", "us-west-2"])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err.startswith("permitclock suppression: AWS refused ") and "ResourceNotFoundException" in err
    assert err.count("\n") == 1 and "person@example.com" not in err


def test_the_layers_log_lines_go_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    """Lambda reads the log from stdout; a command's stdout is its JSON alone."""
    assert main(["windows", str(FACTS), "--as-of", "2026-01-15"]) == 0
    assert observability.logger.registered_handler.stream is sys.__stderr__
    json.loads(capsys.readouterr().out)


def test_a_reader_that_closes_the_pipe_ends_the_command_quietly() -> None:
    read, write = os.pipe()
    os.close(read)  # `permitclock windows ... | head -c 0`: every write hits a closed pipe
    try:
        done = cli("windows", str(FACTS), "--as-of", "2026-01-15", stdout=write, stderr=subprocess.PIPE)
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (1, "")

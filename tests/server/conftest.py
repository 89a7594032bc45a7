"""The local server under test: `permitclock serve` in a subprocess on free ports, and ways to drive it from
outside (HTTP with urllib, boto3 on its AWS endpoint, `permitclock token`), importing nothing of the project."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 300
"""How long the server may take to provision and answer health (a loaded 2-core machine)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env() -> dict[str, str]:
    return {**os.environ, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "permitclock.cli.main", *args]


def permitclock(*args: str) -> subprocess.CompletedProcess[str]:
    """The console script, as a user runs it."""
    return subprocess.run(_command(*args), cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)


TOKENS = {
    "admin": ("--sub", "admin-1", "--email", "admin@example.com", "--name", "Admin One", "--groups",
              "permitclock-admins"),
    "expired": ("--sub", "admin-1", "--expired"),
    "lrp": ("--sub", "lrp-1", "--email", "lrp@example.com", "--name", "Lena Park"),
}  # fmt: skip
"""`permitclock token` arguments of the tokens the tests use, minted while the server starts."""


@dataclass
class Server:
    process: subprocess.Popen[str]
    port: int
    aws_port: int
    log: Path
    outbox: Path
    tokens: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    def request(
        self, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        sent = {**({"Content-Type": "application/json"} if data is not None else {}), **(headers or {})}
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        return status, json.loads(raw) if raw else None

    def _aws(self) -> dict[str, str]:
        return {"region_name": "us-west-2", "endpoint_url": f"http://127.0.0.1:{self.aws_port}",
                "aws_access_key_id": "local", "aws_secret_access_key": "local"}  # fmt: skip

    def client(self, service: str) -> Any:
        """A boto3 client of the server's AWS endpoint."""
        return boto3.client(service, **self._aws())  # type: ignore[call-overload]

    def resource(self, service: str) -> Any:
        return boto3.resource(service, **self._aws())  # type: ignore[call-overload]


def start_server(folder: Path) -> Server:
    """`permitclock serve` on free ports, once its health answers."""
    port, aws_port = free_port(), free_port()
    log = folder / "serve.log"
    outbox = folder / "outbox"
    command = [sys.executable, "-m", "permitclock.cli.main", "serve", "--port", str(port),
               "--aws-port", str(aws_port), "--outbox", str(outbox)]  # fmt: skip
    with log.open("w") as err:
        process = subprocess.Popen(command, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=err, text=True)
    minting = {
        name: subprocess.Popen(_command("token", *args), cwd=ROOT, env=_env(), stdout=subprocess.PIPE, text=True)
        for name, args in TOKENS.items()
    }
    tokens = {}
    for name, minter in minting.items():
        out, _ = minter.communicate(timeout=START_SECONDS)
        assert minter.returncode == 0, f"permitclock token {' '.join(TOKENS[name])} failed"
        tokens[name] = out.strip()
    server = Server(process=process, port=port, aws_port=aws_port, log=log, outbox=outbox, tokens=tokens)
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"permitclock serve exited with {process.returncode}:\n{server.stderr()}")
        try:
            with urllib.request.urlopen(server.url + "/_local/health", timeout=5) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise AssertionError(f"permitclock serve was not healthy within {START_SECONDS} s:\n{server.stderr()}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("serve"))
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait()

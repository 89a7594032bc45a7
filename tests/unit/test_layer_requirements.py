"""One lock file, uv.lock, pins the development environment and the Lambda layer: the layer ships what tests ran with.

`make lock` writes layers/permitclock/requirements.txt (the runtime part of the lock, with hashes) and tools/*.txt;
`make install` installs the development environment from the lock. These tests fail, saying which command to run,
when one of them was skipped.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
UV = ROOT / ".tools/uv/bin/uv"
LAYER_REQUIREMENTS = ROOT / "layers/permitclock/requirements.txt"
RELOCK = (
    "run `make lock` and commit what it changes (uv.lock, layers/permitclock/requirements.txt, tools/*.txt); "
    "CONTRIBUTING.md, 'Dependencies'"
)
# What `make lock` runs to write the layer's requirements (after its one comment line).
EXPORT = ["export", "--frozen", "--no-dev", "--no-emit-project", "--no-header", "--format", "requirements-txt"]


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    marker: str
    hashes: frozenset[str]

    def applies(self) -> bool:
        return not self.marker or Marker(self.marker).evaluate()


def pins(text: str) -> dict[str, Pin]:
    """`name==version [; marker]` with its `--hash` options, per requirement of a hashed requirements file."""
    joined = re.sub(r"\\\n", " ", "\n".join(line.split("#", 1)[0].rstrip() for line in text.splitlines()))
    out = {}
    for line in filter(None, (raw.strip() for raw in joined.splitlines())):
        hashes = frozenset(re.findall(r"--hash=(\S+)", line))
        spec = re.sub(r"--hash=\S+", "", line).strip()
        requirement, _, marker = (part.strip() for part in spec.partition(";"))
        name, _, version = requirement.partition("==")
        out[canonicalize_name(name)] = Pin(canonicalize_name(name), version.strip(), marker, hashes)
    return out


def uv(*args: str) -> subprocess.CompletedProcess[str]:
    if not UV.exists():
        pytest.fail(f"{UV.relative_to(ROOT)} is missing: run `make install`")
    return subprocess.run([str(UV), *args], cwd=ROOT, capture_output=True, text=True, check=False)


def test_the_lock_matches_pyproject() -> None:
    result = uv("lock", "--locked", "--offline")
    assert result.returncode == 0, f"uv.lock does not match pyproject.toml: {RELOCK}\n{result.stderr}"


def test_the_layer_requirements_are_the_locked_runtime_dependencies_with_hashes() -> None:
    exported = uv(*EXPORT)
    assert exported.returncode == 0, exported.stderr
    locked, layer = pins(exported.stdout), pins(LAYER_REQUIREMENTS.read_text())
    assert "boto3" in locked and "pydantic" in locked and "moto" not in locked  # runtime only: no dev tools

    differences = [
        f"{name}: layer {layer[name].version if name in layer else 'missing'}, "
        f"lock {locked[name].version if name in locked else 'not a runtime dependency'}"
        for name in sorted(set(locked) | set(layer))
        if layer.get(name) != locked.get(name)
    ]
    assert not differences, f"layers/permitclock/requirements.txt is not what uv.lock gives: {RELOCK}\n" + "\n".join(
        differences
    )
    assert all(pin.version and pin.hashes for pin in layer.values()), "every requirement is pinned with hashes"


def test_the_development_environment_runs_the_locked_runtime_dependencies() -> None:
    layer = pins(LAYER_REQUIREMENTS.read_text())
    installed = {name: metadata.version(name) for name, pin in layer.items() if pin.applies()}
    wrong = {name: version for name, version in installed.items() if version != layer[name].version}
    assert wrong == {}, (
        f"{sys.prefix} holds other versions than uv.lock ({wrong}; locked: "
        f"{ {name: layer[name].version for name in wrong} }): run `make install`"
    )


@pytest.mark.parametrize("tool", ["uv", "sam"])
def test_each_tool_lock_pins_what_its_input_names(tool: str) -> None:
    wanted = pins((ROOT / f"tools/{tool}.in").read_text())
    locked = pins((ROOT / f"tools/{tool}.txt").read_text())
    assert {name: pin.version for name, pin in wanted.items()} == {
        name: locked[name].version if name in locked else None for name in wanted
    }, f"tools/{tool}.txt does not pin tools/{tool}.in: {RELOCK}"
    assert all(pin.hashes for pin in locked.values())

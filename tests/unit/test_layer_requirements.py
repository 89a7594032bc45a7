"""The Lambda layer ships exactly the runtime dependencies pyproject.toml installs locally."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_layer_requirements_are_the_project_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    layer = (ROOT / "layers/permitclock/requirements.txt").read_text().split()

    assert sorted(layer) == sorted(project)

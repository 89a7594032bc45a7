"""What `sam build` made is what Lambda will run: every function's handler imports from its built folder and the
built layer alone, on Python 3.12, in a clean interpreter (no site-packages, no PYTHONPATH, no checkout).

`make test` runs `make build` first (cached by the hash of its inputs, infra/build-inputs.sh), so these tests see
the current sources; run `make build` before running them on their own.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra.local_stack import load_template

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / ".aws-sam/build"
LAYER = BUILD / "DomainLayer/python"  # Lambda puts a layer's python/ on sys.path (/opt/python)

pytestmark = pytest.mark.skipif(
    sys.version_info[:2] != (3, 12), reason="the layer's native wheels are built for python3.12, the Lambda runtime"
)


SOURCE = load_template()
FUNCTIONS = sorted(
    logical for logical, resource in SOURCE["Resources"].items() if resource["Type"] == "AWS::Serverless::Function"
)


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    """The built template (its CodeUri values name the built folders), once the build matches its sources."""
    digest = subprocess.check_output([ROOT / "infra/build-inputs.sh"], text=True).strip()
    if not (BUILD.parent / f".built-{digest}").exists():
        pytest.fail(f"{BUILD.relative_to(ROOT)} is missing or older than its sources: run `make build`")
    return load_template(BUILD / "template.yaml")


def _environment(template: dict[str, Any], logical: str) -> dict[str, str]:
    """The function's environment as Lambda would set it: a parameter's default, or a stand-in resource name; an
    `Fn::If` its false branch (where the optional parameters' defaults lead: `PublicApiUrl` empty), an `Fn::Sub` its
    text with stand-in names."""

    def value(raw: Any) -> str:
        if isinstance(raw, dict) and "Ref" in raw:
            parameter = template["Parameters"].get(raw["Ref"])
            return str(parameter["Default"]) if parameter else f"stand-in-{raw['Ref']}"
        if isinstance(raw, dict) and "Fn::If" in raw:
            return value(raw["Fn::If"][2])
        if isinstance(raw, dict) and isinstance(raw.get("Fn::Sub"), str):
            return re.sub(r"\$\{([^}]+)\}", lambda m: "stand-in-" + re.sub(r"\W", "-", m[1]), raw["Fn::Sub"])
        return raw if isinstance(raw, str) else "stand-in"

    variables = {
        **template["Globals"]["Function"]["Environment"]["Variables"],
        **template["Resources"][logical]["Properties"].get("Environment", {}).get("Variables", {}),
    }
    return {
        "PATH": "/usr/bin:/bin",
        "AWS_REGION": "us-west-2",
        "AWS_DEFAULT_REGION": "us-west-2",
        **{name: value(raw) for name, raw in variables.items()},
    }


def _run_isolated(code: str, path: list[Path], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """python3.12 -I -S -B: only the standard library, then `path`; nothing from .venv or the checkout."""
    prelude = f"import sys; sys.path[:0] = {[str(p) for p in path]!r}\n"
    return subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", prelude + code],
        cwd="/",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("logical", FUNCTIONS)
def test_each_handler_imports_from_its_folder_and_the_layer_alone(built: dict[str, Any], logical: str) -> None:
    props = built["Resources"][logical]["Properties"]
    code_dir = BUILD / props["CodeUri"]
    module, _, attribute = props["Handler"].rpartition(".")
    check = f"""
import importlib, json
handler = getattr(importlib.import_module({module!r}), {attribute!r})
import permitclock, pydantic, boto3
print(json.dumps({{"callable": callable(handler), "files": [m.__file__ for m in (permitclock, pydantic, boto3)],
                  "handler_file": importlib.import_module({module!r}).__file__}}))
"""
    result = _run_isolated(check, [code_dir, LAYER], _environment(built, logical))

    assert result.returncode == 0, f"{logical}: {props['Handler']} does not import from the build:\n{result.stderr}"
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["callable"]
    assert Path(report["handler_file"]).parent == code_dir
    assert all(Path(file).is_relative_to(LAYER) for file in report["files"]), report["files"]


def test_every_module_of_the_layer_imports_from_the_layer_alone(built: dict[str, Any]) -> None:
    """Modules a handler imports lazily (the PDF sandbox's pikepdf and pypdf, the CLI) load from the layer too."""
    check = """
import importlib, pkgutil, permitclock
names = [m.name for m in pkgutil.walk_packages(permitclock.__path__, "permitclock.")]
for name in names:
    importlib.import_module(name)
import pikepdf, pypdf, PIL.Image, icalendar, jinja2
print(len(names), pikepdf.__file__)
"""
    result = _run_isolated(check, [LAYER], _environment(built, "NotifierFunction"))

    assert result.returncode == 0, result.stderr
    count, pikepdf_file = result.stdout.split()
    assert int(count) > 50
    assert Path(pikepdf_file).is_relative_to(LAYER)

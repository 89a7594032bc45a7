"""Regression oracle of `permitclock levels`: the SHA-256 of its stdout, frozen from the engine of main at 9d03f85.

Every case runs the CLI in the file's folder on the bare file name (so rejected rows name the file the same way
everywhere) and compares the hash of its exact stdout with `levels_oracle.json`. The inputs are the real Region 1
and Region 9 files (skipped when ../shared is absent) and synthetic files of `infra.synthetic_monitoring` (2,000
facilities raw, with scattered rows; 300 facilities as the portal CSV). A new engine must print the same bytes.

After a deliberate change of the output, refreeze with
`PYTHONPATH=. .venv/bin/python tests/unit/igp/test_levels_oracle.py`
and say why in the commit.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from igp_helpers import REGION1, REGION9
from permitclock.cli.main import main

from infra.synthetic_monitoring import write_monitoring

ORACLE = Path(__file__).with_name("levels_oracle.json")
SYNTHETIC = {
    "synthetic_raw.txt": {
        "facilities": 2000,
        "parameters": 8,
        "years": range(2015, 2018),
        "events": 2,
        "scatter": 0.03,
    },
    "synthetic_portal.csv": {"facilities": 300, "parameters": 20, "years": range(2014, 2020), "layout": "data_ca_gov"},
}
CASES: dict[str, tuple[str, str, str]] = {
    f"{name}|{policy}|{as_of}": (name, policy, as_of)
    for name, dates in (
        (REGION1.name, ("2017-07-01", "2019-12-31", "2025-11-01")),
        (REGION9.name, ("2017-07-01", "2025-11-01")),
        ("synthetic_raw.txt", ("2017-07-01", "2025-11-01")),
        ("synthetic_portal.csv", ("2025-11-01",)),
    )
    for policy in ("zero", "exclude")
    for as_of in dates
}


def input_folders(tmp: Path) -> dict[str, Path]:
    """The folder of each input file, the synthetic ones written into `tmp`."""
    out = {REGION1.name: REGION1.parent, REGION9.name: REGION9.parent}
    for name, options in SYNTHETIC.items():
        write_monitoring(tmp / name, **options)  # type: ignore[arg-type]
        out[name] = tmp
    return out


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return input_folders(tmp_path_factory.mktemp("oracle"))


def levels_digest(folder: Path, name: str, policy: str, as_of: str) -> str:
    """SHA-256 of `permitclock levels NAME --nd-policy POLICY --as-of AS_OF`'s stdout, run in `folder`."""
    cwd = os.getcwd()
    out = io.StringIO()
    try:
        os.chdir(folder)
        with redirect_stdout(out):
            code = main(["levels", name, "--nd-policy", policy, "--as-of", as_of])
    finally:
        os.chdir(cwd)
    assert code == 0
    return hashlib.sha256(out.getvalue().encode()).hexdigest()


@pytest.mark.parametrize("case", sorted(CASES))
def test_levels_output_matches_the_oracle(case: str, folders: dict[str, Path]) -> None:
    name, policy, as_of = CASES[case]
    if not (folders[name] / name).exists():
        pytest.skip("../shared/data is not present")
    assert levels_digest(folders[name], name, policy, as_of) == json.loads(ORACLE.read_text())[case]


def freeze(tmp: Path) -> None:
    """Write `levels_oracle.json` from the engine as it is now."""
    folders = input_folders(tmp)
    digests = {case: levels_digest(folders[CASES[case][0]], *CASES[case]) for case in sorted(CASES)}
    ORACLE.write_text(json.dumps(digests, indent=2) + "\n")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        freeze(Path(tmp))

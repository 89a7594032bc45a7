"""`permitclock check-pdf`: one JSON line per file with the documented fields; exit codes 0, 1 and 2."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from permitclock.cli.main import main
from pypdf import PdfWriter

from tests.security.hostile_files import png

FIELDS = ["file", "ok", "file_type", "pages", "errors", "warnings"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("check-pdf")
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(612, 792)
    out = io.BytesIO()
    writer.write(out)
    paths = {
        "pdf": folder / "report.pdf",
        "png": folder / "photo.pdf",
        "empty": folder / "empty.pdf",
    }
    paths["pdf"].write_bytes(out.getvalue())
    paths["png"].write_bytes(png())
    paths["empty"].write_bytes(b"")
    return paths


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, object]], str]:
    code = main(["check-pdf", *argv])
    captured = capsys.readouterr()
    return code, [json.loads(line) for line in captured.out.splitlines()], captured.err


def test_accepted_file_exit_0(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    code, lines, err = run(capsys, str(files["pdf"]))
    assert (code, err) == (0, "")
    assert lines == [
        {
            "file": str(files["pdf"]),
            "ok": True,
            "file_type": "Level 2 ERA Technical Report",
            "pages": 3,
            "errors": [],
            "warnings": [{"code": "no_text_layer", "message": lines[0]["warnings"][0]["message"]}],  # type: ignore[index]
        }
    ]
    assert list(lines[0]) == FIELDS


def test_any_rejection_exit_1_one_line_per_file(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    code, lines, _ = run(capsys, str(files["pdf"]), str(files["png"]), str(files["empty"]))
    assert code == 1
    assert [(line["ok"], [e["code"] for e in line["errors"]]) for line in lines] == [  # type: ignore[attr-defined]
        (True, []),
        (False, ["wrong_file_type"]),
        (False, ["empty"]),
    ]


def test_file_type_option(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    code, lines, _ = run(capsys, "--file-type", "supporting documentation", str(files["png"]))
    assert code == 0
    assert (lines[0]["file_type"], lines[0]["pages"]) == ("Supporting Documentation", None)


def test_max_pages_and_max_bytes(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    code, lines, _ = run(capsys, "--max-pages", "2", str(files["pdf"]))
    assert (code, lines[0]["errors"][0]["code"]) == (1, "too_many_pages")  # type: ignore[index]
    code, lines, _ = run(capsys, "--max-bytes", "100", str(files["pdf"]))
    assert (code, lines[0]["errors"][0]["code"]) == (1, "too_large")  # type: ignore[index]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--file-type", "Level 3 Report", "{pdf}"], "unknown file type 'Level 3 Report'"),
        (["{pdf}", "/no/such/report.pdf"], "/no/such/report.pdf: no such file"),
        (["--max-pages", "0", "{pdf}"], "not an integer from 1 to 1000000"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], argv: list[str], message: str
) -> None:
    code, lines, err = run(capsys, *(arg.format(pdf=files["pdf"]) for arg in argv))
    assert (code, lines) == (2, [])
    assert err.count("\n") == 1
    assert message in err


def test_console_script(files: dict[str, Path]) -> None:
    script = Path(sys.executable).with_name("permitclock")
    done = subprocess.run([script, "check-pdf", "/no/such.pdf"], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "permitclock check-pdf: /no/such.pdf: no such file\n"
    done = subprocess.run([script, "check-pdf", files["pdf"]], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert json.loads(done.stdout)["pages"] == 3

"""A file read in parts by worker processes gives the one reader's output byte for byte: facilities that cross a
cut or a file's end joined, scattered ones reassigned, a cut inside a multi-line record read again, an encoding
error raised after the same output."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from igp_helpers import REGION1
from permitclock.cli import level_engine, level_parts
from permitclock.cli.level_engine import EngineRun, stream_levels
from permitclock.cli.level_output import JsonlOutput, JsonOutput
from permitclock.errors import BadInput
from permitclock.intake.records import Resume, physical_lines

from infra.synthetic_monitoring import write_monitoring

AS_OF = date(2025, 11, 1)


def output_of(paths: list[Path], jobs: int, form: str = "jsonl", nd_policy: Any = "zero") -> tuple[str, EngineRun]:
    """What `permitclock levels` prints for `paths` read with `jobs` processes, and the run."""
    text = io.StringIO()
    output = JsonOutput() if form == "json" else JsonlOutput(text)
    run = stream_levels([str(p) for p in paths], as_of=AS_OF, nd_policy=nd_policy, output=output, jobs=jobs)
    output.finish(text)
    return text.getvalue(), run


def small_parts(monkeypatch: pytest.MonkeyPatch, path: Path, parts: int) -> None:
    monkeypatch.setattr(level_engine, "MIN_PART_BYTES", path.stat().st_size // parts)


@pytest.mark.parametrize(("layout", "form", "nd_policy"), [
    ("smarts_raw", "jsonl", "zero"), ("data_ca_gov", "json", "exclude"), ("data_ca_gov", "jsonl", "zero"),
])  # fmt: skip
def test_parts_print_what_one_reader_prints(
    layout: Any, form: str, nd_policy: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / ("scattered.txt" if layout == "smarts_raw" else "scattered.csv")
    write_monitoring(path, 120, parameters=8, years=range(2015, 2020), scatter=0.1, seed=11, layout=layout)
    one, one_run = output_of([path], 1, form, nd_policy)
    small_parts(monkeypatch, path, 3)
    parts, run = output_of([path], 3, form, nd_policy)
    assert run.parts == 3 and one_run.parts == 0
    assert parts == one and '"level": "Level' in one
    assert (run.rows, run.facilities, run.scattered) == (one_run.rows, one_run.facilities, one_run.scattered)
    assert run.scattered > 0 and run.reread_cuts == 0


def test_a_facility_across_files_and_cuts_is_one_facility(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = tmp_path / "whole.txt"
    write_monitoring(whole, 60, parameters=6, years=range(2015, 2019), seed=3)
    header, *lines = whole.read_text().splitlines(keepends=True)
    middle = len(lines) // 2
    while lines[middle].split("\t")[1] != lines[middle - 1].split("\t")[1]:
        middle += 1  # the second file starts inside a facility's rows
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text(header + "".join(lines[:middle]))
    second.write_text(header + "".join(lines[middle:]))
    one, one_run = output_of([first, second], 1)
    small_parts(monkeypatch, first, 4)
    parts, run = output_of([first, second], 2)
    assert parts == one and run.parts >= 4 and run.scattered == one_run.scattered == 0


def test_a_cut_inside_a_record_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "split_record.txt"
    write_monitoring(path, 40, parameters=6, years=range(2015, 2019), seed=5)
    header, *lines = path.read_text().splitlines(keepends=True)
    k = len(lines) // 2
    fields = lines[k].split("\t")
    fields[8] = "north\nyard"  # MONITOR_LOCATION_DESCRIPTION: the raw download's record goes over two lines
    lines[k] = "\t".join(fields)
    path.write_text(header + "".join(lines))
    one, one_run = output_of([path], 1)
    record_line = k + 2  # physical line of the record's first half (the header is line 1)
    data = path.read_bytes()

    def cut_at(line: int) -> None:
        offset = 0
        for _ in range(line - 1):
            offset = data.index(b"\n", offset) + 1
        monkeypatch.setattr(level_engine, "line_starts", lambda *_: [Resume(line, offset, "utf-8")])

    small_parts(monkeypatch, path, 2)
    cut_at(record_line + 1)  # inside the record: the part after the cut starts at its second half
    parts, run = output_of([path], 2)
    assert parts == one and run.reread_cuts == 1 and run.rows == one_run.rows
    cut_at(record_line)  # at the record's start: the cut holds
    parts, run = output_of([path], 2)
    assert parts == one and run.reread_cuts == 0 and run.parts == 2


def test_an_encoding_error_in_a_later_part_stops_where_one_reader_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bad_byte.txt"
    write_monitoring(path, 40, parameters=6, years=range(2015, 2019), seed=9)
    data = path.read_bytes()
    at = data.index(b"\n", len(data) * 3 // 4) + 5
    path.write_bytes(data[:at] + b"\xff" + data[at:])
    written: dict[int, tuple[str, str]] = {}
    small_parts(monkeypatch, path, 3)
    for jobs in (1, 3):
        text = io.StringIO()
        with pytest.raises(BadInput) as raised:
            stream_levels([str(path)], as_of=AS_OF, nd_policy="zero", output=JsonlOutput(text), jobs=jobs)
        written[jobs] = (text.getvalue(), raised.value.message)
    assert written[3] == written[1] and f"encoding error at byte {at}" in written[1][1]
    assert written[1][0].count('"record": "assignment"') > 10


def test_the_region_1_download_in_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    if not REGION1.exists():
        pytest.skip("../shared/data is not present")
    one, _ = output_of([REGION1], 1, "json")
    small_parts(monkeypatch, REGION1, 4)
    parts, run = output_of([REGION1], 4, "json")
    assert parts == one and run.parts == 4


@pytest.mark.parametrize("scan_bytes", [3, 7, 1 << 20])
def test_line_starts_count_lines_as_the_reader_does(
    scan_bytes: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LF, CR LF (also split between two reads) and a lone CR each end a line, as `physical_lines` counts them."""
    monkeypatch.setattr(level_parts, "SCAN_BYTES", scan_bytes)
    text = "header\r\nab\rcd\nef\r\n\r\ngh\nij\rkl\r\nmn\n"
    path = tmp_path / "endings.txt"
    path.write_bytes(text.encode())
    starts = level_parts.line_starts(str(path), list(range(len(text))), "utf-8")
    lf_offsets = [i + 1 for i, c in enumerate(text) if c == "\n"]
    assert [s.offset for s in starts] == lf_offsets
    for start in starts:
        before = list(physical_lines(iter([text[: start.offset]])))
        assert start.line == len(before) + 1, start

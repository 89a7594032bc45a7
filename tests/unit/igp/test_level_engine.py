"""The streaming Level engine against the grouped rules (`compute_levels`, `assign_grouped`): every field of every
decision, the rule and the QSE history included; scattered facilities; JSON Lines; flat memory."""

from __future__ import annotations

import io
import json
import tracemalloc
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from igp_helpers import (
    REGION1,
    REGION9,
    assignment_json,
    level_1_then_clean_file,
    raw_row,
    render,
    return_facts_file,
)
from permitclock.cli import level_engine, level_parts
from permitclock.cli.level_engine import stream_levels
from permitclock.cli.level_output import JsonOutput
from permitclock.cli.levels import compute_levels, dumps
from permitclock.cli.main import main
from permitclock.domain.levels import NdPolicy
from permitclock.domain.samples import RejectedRow
from permitclock.rules.igp.aggregate import LevelRow

from infra.sample_documents import RAW_HEADER
from infra.synthetic_monitoring import write_monitoring


class Collected:
    """An output keeping each facility's last decisions as rows, and the rejected rows."""

    def __init__(self) -> None:
        self.facilities: dict[str, list[LevelRow]] = {}
        self.rejected_rows: list[RejectedRow] = []

    @staticmethod
    def render(wdid: str, rows: list[LevelRow]) -> list[LevelRow]:
        return rows

    def put(self, wdid: str, rendered: list[LevelRow]) -> None:
        self.facilities[wdid] = rendered

    def rejected(self, row: RejectedRow) -> None:
        self.rejected_rows.append(row)


def streamed(paths: list[str], as_of: date, nd_policy: NdPolicy) -> tuple[dict[str, list[LevelRow]], list[RejectedRow]]:
    """The engine's last decisions of each facility, and its rejected rows."""
    output = Collected()
    stream_levels(paths, as_of=as_of, nd_policy=nd_policy, output=output)
    return output.facilities, output.rejected_rows


def row_fields(row: LevelRow) -> dict[str, Any]:
    fields = row._asdict()
    fields["obligations"] = [{"type": kind, "due": due} for kind, due in row.obligations]
    return fields


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("engine") / "scattered.txt"
    write_monitoring(path, 200, parameters=10, years=range(2014, 2020), scatter=0.15, seed=7)
    return path


@pytest.mark.parametrize("nd_policy", ["zero", "exclude"])
@pytest.mark.parametrize("as_of", [date(2017, 7, 1), date(2025, 11, 1)])
@pytest.mark.parametrize("source", ["synthetic", "region1", "region9"])
def test_every_field_of_every_decision_is_the_grouped_rules(
    source: str, as_of: date, nd_policy: NdPolicy, synthetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = {"synthetic": synthetic, "region1": REGION1, "region9": REGION9}[source]
    if not path.exists():
        pytest.skip("../shared/data is not present")
    monkeypatch.setattr(level_engine, "MAX_OPEN", 7)  # several rereading passes
    reference = compute_levels([str(path)], as_of=as_of, nd_policy=nd_policy)
    facilities, rejected = streamed([str(path)], as_of, nd_policy)
    expected = [
        assignment_json(a)
        | {"rule": a.rule, "recent_qses": tuple((q.event_date, q.clean) for q in a.status.recent_qses)}
        for a in reference.assignments
    ]
    got = [row_fields(row) for wdid in sorted(facilities) for row in facilities[wdid]]
    assert got == expected
    assert rejected == reference.rejected


def test_a_facility_whose_rows_are_apart_is_assigned_from_all_of_them(tmp_path: Path) -> None:
    a, b = "1 08I000001", "1 08I000002"
    rows = [
        raw_row(result="0.9", wdid=a, sample_id="1"),
        raw_row(result="0.1", wdid=b, sample_id="2"),
        raw_row(result="0.1", wdid=a, sample_id="3", sample_date="11/17/2016"),
        raw_row(result="0.1", wdid=a, sample_id="4", sample_date="12/17/2016"),
    ]
    path = tmp_path / "apart.txt"
    path.write_text("\n".join([RAW_HEADER, *rows]) + "\n")
    facilities, _ = streamed([str(path)], date(2025, 1, 1), "zero")
    (zinc,) = facilities[a]
    assert (zinc.result_count, zinc.annual_average, zinc.level) == (3, Decimal("1.1") / 3, "Level 1")


def test_jsonl_has_the_json_documents_records(synthetic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["levels", str(synthetic), "--as-of", "2025-11-01"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert main(["levels", str(synthetic), "--as-of", "2025-11-01", "--format", "jsonl"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {line.pop("record") for line in lines} == {"assignment", "rejected_row"}
    rejected = [line for line in lines if "reason" in line]
    assert rejected == document["rejected_rows"]
    last: dict[str, list[dict[str, Any]]] = {}  # a scattered facility's group comes again: its last one counts
    for line in lines:
        if "wdid" in line:
            group = last.setdefault(line["wdid"], [])
            if group and (line["reporting_year"], line["parameter"]) <= (
                group[-1]["reporting_year"],
                group[-1]["parameter"],
            ):
                group.clear()
            group.append(line)
    assert [line for wdid in sorted(last) for line in last[wdid]] == document["assignments"]


def test_progress_goes_to_stderr(
    synthetic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(level_parts, "PROGRESS_ROWS", 5_000)
    assert main(["levels", str(synthetic), "--as-of", "2025-11-01", "--format", "jsonl"]) == 0
    assert capsys.readouterr().err == ""  # only asked for (or on a terminal)
    assert main(["levels", str(synthetic), "--as-of", "2025-11-01", "--format", "jsonl", "--progress"]) == 0
    out, err = capsys.readouterr()
    assert "rows, " in err and "rereading" in err and "permitclock levels" not in out


def test_json_output_is_the_dumps_of_render(synthetic: Path) -> None:
    reference = compute_levels([str(synthetic)], as_of=date(2025, 11, 1))
    output = JsonOutput()
    stream_levels(
        [str(synthetic)],
        as_of=date(2025, 11, 1),
        nd_policy="zero",
        output=output,
    )
    text = io.StringIO()
    output.finish(text)
    assert text.getvalue() == dumps(render(reference)) + "\n"


def peak_bytes(path: Path) -> int:
    """Peak traced memory of a JSON run over `path` (the output spilled, so not held)."""
    output = JsonOutput()
    tracemalloc.start()
    try:
        stream_levels([str(path)], as_of=date(2025, 11, 1), nd_policy="zero", output=output)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        output.finish(io.StringIO())


def test_memory_is_flat_in_the_number_of_rows(tmp_path: Path) -> None:
    small, large = tmp_path / "small.txt", tmp_path / "large.txt"
    options: dict[str, Any] = {"parameters": 6, "years": range(2015, 2019), "events": 2}
    write_monitoring(small, 250, **options)
    write_monitoring(large, 1_000, **options)
    small_peak, large_peak = peak_bytes(small), peak_bytes(large)
    # 4x the rows: only the per-facility index and the reader's bounded caches grow, not the rows
    assert large_peak < 1.5 * small_peak, (small_peak, large_peak)


def test_facts_runs_print_jsonl_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monitoring, facts = str(level_1_then_clean_file(tmp_path)), str(return_facts_file(tmp_path))
    assert main(["levels", monitoring, "--facts", facts, "--as-of", "2018-07-01"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert main(["levels", monitoring, "--facts", facts, "--as-of", "2018-07-01", "--format", "jsonl"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line for line in lines if line.pop("record") == "assignment"] == document["assignments"]
    assert [line for line in lines if "reason" in line] == document["rejected_rows"] != []

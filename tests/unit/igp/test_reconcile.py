"""`permitclock reconcile` against the real Region 4 snapshots: only WDIDs of a region the export covers are
compared; a WDID outside it is listed apart, never a disagreement."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from igp_helpers import REGION4_2018, REGION9, raw_row
from permitclock.cli import levels as cli_levels
from permitclock.cli.main import main
from permitclock.errors import BadInput
from permitclock.intake.level_export import read_level_export, wdid_region
from permitclock.rules.igp.reconciliation import reconcile

from infra.sample_documents import RAW_HEADER

REGION4_2019 = REGION4_2018.with_name("SMARTS_Current_Level1_Level2_Pollutant_Search_R4_2019-12-04.csv")
needs_shared = pytest.mark.skipif(not REGION4_2018.exists(), reason="../shared/data is not present")


def write(tmp_path: Path, *rows: str) -> str:
    path = tmp_path / "m.txt"
    path.write_text("\n".join([RAW_HEADER, *rows]) + "\n")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:  # type: ignore[type-arg]
    assert main(["reconcile", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def zinc_exceeding(wdid: str) -> list[str]:
    """Two 2016-2017 zinc results averaging 0.5 mg/L (NAL 0.26): Level 1 on July 1, 2017."""
    return [raw_row(result="0.5", wdid=wdid, sample_id=f"{wdid}-{n}") for n in (1, 2)]


def test_wdid_region_reads_the_board_code() -> None:
    assert [wdid_region(w) for w in ("4 19I000033", "5S28I001939", "1 08NEC000169", "8 30IN600002")] == [
        "4", "5S", "1", "8",
    ]  # fmt: skip
    assert wdid_region("NA") is None and wdid_region("") is None


@needs_shared
@pytest.mark.parametrize("snapshot", [REGION4_2018, REGION4_2019], ids=["2018-12-14", "2019-12-04"])
def test_a_wdid_outside_the_export_is_not_compared(
    snapshot: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        *zinc_exceeding("9 37I000001"),  # Region 9: the Region 4 export knows nothing of it
        *zinc_exceeding("4 19I999991"),  # Region 4, not in the export: SMARTS Baseline, permitclock Level 1
        raw_row(result="0.01", wdid="4 19I999992", sample_id="clean"),  # Region 4, Baseline on both sides
    )
    data = run(capsys, "--smarts-levels", str(snapshot), path, "--as-of", "2018-12-31")
    assert data["export_regions"] == ["4"]
    assert data["outside_export_wdids"] == ["9 37I000001"]
    assert data["compared_wdids"] == 2
    assert data["disagreements"] == [
        {"wdid": "4 19I999991", "parameter": "Zinc, Total (Recoverable)", "smarts_level": "Baseline",
         "permitclock_level": "Level 1"},
    ]  # fmt: skip
    assert "9 37I000001" not in data["smarts_only_wdids"] and len(data["smarts_only_wdids"]) > 900


@needs_shared
def test_region9_monitoring_against_the_region4_export_gives_no_false_disagreement(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The issue's case: hundreds of Region 9 Levels were reported as disagreeing with a Region 4 export."""
    data = run(capsys, "--smarts-levels", str(REGION4_2018), str(REGION9), "--as-of", "2018-12-14")
    assert data["disagreements"] == [] and data["compared_wdids"] == 0
    assert len(data["outside_export_wdids"]) > 500
    forced = run(capsys, "--smarts-levels", str(REGION4_2018), "--region", "9", str(REGION9), "--as-of", "2018-12-14")
    assert len(forced["disagreements"]) > 100  # what counting them as SMARTS Baseline gave


@needs_shared
def test_export_rows_that_cannot_be_used_are_listed_by_line() -> None:
    export = read_level_export(str(REGION4_2018))
    reasons = {s.reason for s in export.skipped}
    assert "empty WDID" in reasons and "unknown Level ''" in reasons
    assert export.levels[("4 19I000033", "Zinc, Total (Recoverable)")] == "Level 1"
    assert all(s.line > 1 for s in export.skipped)


def test_a_stream_without_the_columns_is_refused_by_name() -> None:
    with pytest.raises(BadInput, match=r"upload\.csv: not a SMARTS Level 1/Level 2 export: missing columns Level"):
        read_level_export(io.BytesIO(b"WDID,Pollutant\n4 19I000033,pH\n"), name="upload.csv")


def test_reconcile_rule_compares_covered_wdids_only() -> None:
    smarts = {("4 19I000001", "pH"): "Level 1"}
    ours = {("9 37I000001", "pH"): "Level 2", ("4 19I000001", "pH"): "Level 1"}
    result = reconcile(smarts, lambda w: w.startswith("4 "), ours, {"4 19I000001", "9 37I000001"})  # type: ignore[arg-type]
    assert result.disagreements == [] and result.outside_export_wdids == ["9 37I000001"]


@needs_shared
def test_progress_lines_go_to_stderr_only_when_asked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_levels, "PROGRESS_ROWS", 5_000)
    argv = ["reconcile", "--smarts-levels", str(REGION4_2018), str(REGION9), "--as-of", "2018-12-14"]
    assert main(argv) == 0
    quiet = capsys.readouterr()
    assert quiet.err == ""  # not a terminal, not asked: stderr stays empty for a script
    assert main([*argv, "--progress"]) == 0
    loud = capsys.readouterr()
    lines = loud.err.splitlines()
    assert lines and all(line.startswith(f"permitclock reconcile: {REGION9}: ") for line in lines)
    assert "5,000 rows" in lines[0] and " facilities" in lines[0]
    assert json.loads(loud.out) == json.loads(quiet.out)  # stdout is the same JSON alone

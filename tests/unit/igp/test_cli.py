"""`permitclock levels` / `reconcile` contract: fields, JSON numbers, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from igp_helpers import RAW_HEADER, REGION1, REGION4_2018, level_1_then_clean_file, raw_row, return_facts_file
from permitclock.cli.main import main

FIELDS = [
    "wdid", "parameter", "reporting_year", "assigned_on", "prior_level", "level", "result_count",
    "annual_average", "annual_nal", "annual_exceedance", "instantaneous_exceedance_count",
    "instantaneous_exceedance", "obligations",
]  # fmt: skip
needs_shared = pytest.mark.skipif(not REGION1.exists(), reason="../shared/data is not present")


def write(tmp_path: Path, *rows: str, name: str = "m.txt") -> str:
    path = tmp_path / name
    path.write_text("\n".join([RAW_HEADER, *rows]) + "\n")
    return str(path)


def levels(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    code = main(["levels", *argv])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else {}), err


def test_levels_output_contract_and_exact_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path,
        raw_row(result="0.1", sample_id="1"),
        raw_row(result="0.2", sample_id="2"),
        raw_row(result="0.48", sample_id="3"),
        raw_row("pH", "5", units="SU", sample_id="4"),
        raw_row("Zinc, Total", "x", sample_id="5"),
    )
    code, data, err = levels(capsys, path, "--as-of", "2025-01-01")
    assert code == 0 and err == ""
    assert list(data) == ["assignments", "rejected_rows"]
    zinc, ph = data["assignments"]  # sorted by parameter name
    assert list(zinc) == FIELDS
    assert zinc["annual_average"] == 0.26 and zinc["annual_nal"] == 0.26 and zinc["annual_exceedance"] is False
    assert (zinc["reporting_year"], zinc["assigned_on"], zinc["level"]) == (
        "2016-2017",
        "2017-07-01",
        "Baseline",
    )
    assert ph["annual_nal"] is None and ph["annual_average"] is None and ph["instantaneous_exceedance_count"] == 1
    assert data["rejected_rows"] == [{"file": path, "line": 6, "reason": "unparseable RESULT 'x'"}]
    main(  # exactness: the number is printed as the Decimal's digits
        ["levels", path, "--as-of", "2025-01-01"]
    )
    raw = capsys.readouterr().out
    assert '"annual_average": 0.26,' in raw


def test_levels_obligations_and_years_in_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path,
        raw_row(result="0.5", sample_date="10/17/2016", sample_id="1"),
        raw_row(result="0.5", sample_date="10/17/2017", reporting_year="2017", sample_id="2"),
        raw_row(result="0.5", sample_date="10/17/2024", reporting_year="2024", sample_id="3"),
    )
    code, data, _ = levels(capsys, path, "--as-of", "2025-06-30")
    assert code == 0
    first, second = data["assignments"]  # 2024-2025 is not over on 2025-06-30
    assert (first["prior_level"], first["level"]) == ("Baseline", "Level 1")
    assert first["obligations"] == [
        {"type": "Level 1 ERA Evaluation", "due": "2017-10-01"},
        {"type": "Level 1 ERA Report", "due": "2018-01-01"},
    ]
    assert (second["prior_level"], second["level"]) == ("Level 1", "Level 2")
    assert [o["type"] for o in second["obligations"]] == [
        "Level 2 ERA Action Plan",
        "Level 2 ERA Technical Report",
    ]
    _, later, _ = levels(capsys, path, "--as-of", "2025-07-01")
    assert [a["reporting_year"] for a in later["assignments"]] == ["2016-2017", "2017-2018", "2024-2025"]


def test_nd_policy_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, raw_row(result="0.4", sample_id="1"), raw_row(result="", qualifier="ND", sample_id="2"))
    _, zero, _ = levels(capsys, path, "--as-of", "2025-01-01")
    _, excl, _ = levels(capsys, path, "--as-of", "2025-01-01", "--nd-policy", "exclude")
    assert zero["assignments"][0]["result_count"] == 2 and zero["assignments"][0]["level"] == "Baseline"
    assert excl["assignments"][0]["result_count"] == 1 and excl["assignments"][0]["level"] == "Level 1"


def test_exit_1_when_no_file_could_be_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("APP_ID\tWDID\n1\t2\n")
    code, data, err = levels(capsys, str(tmp_path / "missing.txt"), str(bad))
    assert code == 1 and data == {}
    assert err.count("\n") == 1 and "missing columns" in err and "Traceback" not in err


def test_unreadable_file_beside_a_good_one_is_reported_and_run_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path, raw_row())
    code, data, err = levels(capsys, good, str(tmp_path / "missing.txt"), "--as-of", "2025-01-01")
    assert code == 0 and "cannot read" in err
    assert data["rejected_rows"][0]["line"] == 0


@pytest.mark.parametrize(
    "argv", [["levels"], ["levels", "f", "--as-of", "2025-13-01"], ["levels", "f", "--nd-policy", "x"]]
)
def test_exit_2_on_usage(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err.count("\n") == 1  # one line, no usage block


@needs_shared
def test_region1_levels(capsys: pytest.CaptureFixture[str]) -> None:
    code, data, _ = levels(capsys, str(REGION1), "--as-of", "2025-11-01")
    assert code == 0 and data["rejected_rows"] == []
    lead = [a for a in data["assignments"] if a["parameter"] == "Lead, Total (Recoverable)"]
    assert lead and not any(a["annual_exceedance"] or a["instantaneous_exceedance"] for a in lead)
    keys = [(a["wdid"], a["parameter"], a["reporting_year"]) for a in data["assignments"]]
    assert len(keys) == len(set(keys))


@needs_shared
def test_reconcile_lists_disagreements_with_both_statuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path,
        raw_row(result="0.5", wdid="4 19I000033", sample_id="1"),
        raw_row("Copper, Total", "0.001", wdid="4 19I000033", sample_id="2"),
    )
    code = main(["reconcile", "--smarts-levels", str(REGION4_2018), path, "--as-of", "2025-01-01"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    rows = {(d["wdid"], d["parameter"]): d for d in data["disagreements"]}
    copper = rows[("4 19I000033", "Copper, Total (Recoverable)")]
    assert (copper["smarts_level"], copper["permitclock_level"]) == ("Level 1", "Baseline")
    assert ("4 19I000033", "Zinc, Total (Recoverable)") not in rows  # both Level 1
    assert any("empty WDID" in s["reason"] for s in data["skipped_rows"])


# ------------------------------------------------------------------------------------------ --facts
TSS = "Total Suspended Solids (TSS)"
ZINC = "Zinc, Total (Recoverable)"


def level_1_then_clean(tmp_path: Path) -> str:
    return str(level_1_then_clean_file(tmp_path))


def facts_file(tmp_path: Path) -> str:
    return str(return_facts_file(tmp_path))


def test_levels_facts_take_effect_by_their_dates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monitoring, facts = level_1_then_clean(tmp_path), facts_file(tmp_path)
    _, without, _ = levels(capsys, monitoring, "--as-of", "2018-07-01")
    code, data, err = levels(capsys, monitoring, "--facts", facts, "--as-of", "2018-07-01")
    assert code == 0 and err == ""
    last = {a["parameter"]: a["level"] for a in without["assignments"]}
    assert last == {TSS: "Level 1", ZINC: "Level 1"}  # no facts: no return to Baseline
    last = {a["parameter"]: a["level"] for a in data["assignments"]}
    assert last == {TSS: "Level 1", ZINC: "Baseline"}  # zinc returns; TSS's facts predate its Level 1
    assert data["rejected_rows"] == [{"file": facts, "line": 3, "reason": "'Unobtainium' is not an NAL parameter"}]


def test_levels_facts_file_that_is_not_one_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monitoring, bad = level_1_then_clean(tmp_path), tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    code, data, err = levels(capsys, monitoring, "--facts", str(bad))
    assert code == 2 and data == {} and err.count("\n") == 1 and "not a facts file" in err
    code, _, err = levels(capsys, monitoring, "--facts", str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read" in err and "Traceback" not in err

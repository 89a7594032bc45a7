"""The offline `permitclock obligations PROGRAM FILE.json [--as-of]` contract: every rule pack's example file, the
stored shape, exit codes and one-line errors naming the field. (That it prints what an upload of the same file
stores is tested on the local stack: tests/integration/test_program_intake.py.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from permitclock.cli import main as cli
from permitclock.rules.programs import PROGRAMS

EXAMPLES = Path(__file__).parents[3] / "events" / "programs"
AS_OF = "2024-06-15"


def obligations(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["obligations", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def printed(capsys: pytest.CaptureFixture[str], program: str, as_of: str = AS_OF) -> dict[str, Any]:
    code, out, err = obligations(capsys, program, str(EXAMPLES / f"{program}_example.json"), "--as-of", as_of)
    assert (code, err) == (0, "")
    doc: dict[str, Any] = json.loads(out)
    return doc


def by_key(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(o["subject"], o["type"]): o for o in doc["obligations"]}


def test_every_program_has_an_example_that_gives_obligations(capsys: pytest.CaptureFixture[str]) -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*_example.json")) == sorted(f"{p}_example.json" for p in PROGRAMS)
    for program in PROGRAMS:
        doc = printed(capsys, program)
        assert (doc["program"], doc["as_of"]) == (program, AS_OF)
        assert doc["obligations"]
        for row in doc["obligations"]:
            assert row["obligation_id"] == ":".join(
                (program, doc["facility_id"], row["subject"], row["type"], row["period"])
            )
            assert {"program", "type", "facility_id", "subject", "section", "status", "period", "facts"} <= row.keys()
            assert None not in row.values()  # unset fields are left out, as in the table item


def test_illinois_agrees_with_permitclock_windows(capsys: pytest.CaptureFixture[str]) -> None:
    doc = printed(capsys, "il_725_243")
    assert cli.main(["windows", str(EXAMPLES / "il_725_243_example.json"), "--as-of", AS_OF]) == 0
    windows = json.loads(capsys.readouterr().out)
    assert [(o["subject"], o["type"], o.get("due"), o["status"]) for o in doc["obligations"]] == [
        (r["mechanism"], r["type"], r["due"], r["status"]) for r in windows["obligations"]
    ]
    trust = by_key(doc)[("trust-1", "trust_payment_due")]
    assert (trust["due"], trust["amount"]) == ("2024-10-15", "36000.00")  # an exact decimal, as stored


def test_texas_pennsylvania_and_massachusetts_examples(capsys: pytest.CaptureFixture[str]) -> None:
    tx = by_key(printed(capsys, "tx_115"))
    assert tx[("sump-3", "repair_due")]["due"] == "2024-05-16"  # detected 2024-05-01 + 15 (115.142(1)(H))
    assert tx[("separator-1 cover", "repair_due")]["status"] == "pending"  # waits for the next shutdown
    assert "due" not in tx[("separator-1 cover", "repair_due")]
    assert tx[("sump-3", "repair_due")]["facts"]["plant_loading_mg"] == "62.5464"  # why the duty exists
    pa = by_key(printed(capsys, "pa_cbts"))
    tp = pa[("TP", "zero_net_offsets_needed")]
    assert (tp["due"], tp["amount"]) == ("2024-09-01", "50")  # 200 new - 150 credits; on-lot offsets are TN only
    assert ("TN", "zero_net_offsets_needed") not in pa  # 1,000 + 500 offsets; the system of 2004 does not count
    ma = by_key(printed(capsys, "ma_srf"))
    assert ma[("Town of Ayer", "member_pricing_system_effective_due")]["due"] == "2024-06-13"  # award + 90
    assert ma[("MOU-2024-2", "rate_reduction_petition_due")]["due"] == "2024-06-19"  # approval + 30
    assert not [k for k in ma if k[1] == "pricing_system_effective_due"]  # a regional unit is exempt


def test_as_of_hides_facts_dated_later(capsys: pytest.CaptureFixture[str]) -> None:
    assert ("MOU-2024-2", "rate_reduction_petition_due") not in by_key(printed(capsys, "ma_srf", "2024-05-19"))
    assert ("MOU-2024-2", "rate_reduction_petition_due") in by_key(printed(capsys, "ma_srf", "2024-05-20"))


def _write(tmp_path: Path, content: str) -> str:
    path = tmp_path / "facts.json"
    path.write_text(content)
    return str(path)


@pytest.mark.parametrize(
    ("program", "content", "argv_tail", "message"),
    [
        ("tx_115", '{"plant_id": "RN1", "streams": [{"id": "a", "sic": "2869", "voc_ppmw": "x", "flow_lpm": 1}]}',
         [], "streams[0].voc_ppmw: invalid number"),
        ("pa_cbts", '{"project_id": "P"}', [], "point_source: required"),
        ("ma_srf", '{"entity_id": "E", "members": ["Town of Ayer"]}', [],
         "members: only a regional local governmental unit has members"),
        ("tx_115", '{"plant_id": "RN/1"}', [], "plant_id: not a facility id"),
        ("il_725_243", '{"cost_estimates": [{"date": "2024-01-01", "amount": 1}]}', [],
         "facility.id: required"),
        ("il_725_243", '{"facility": {"id": "F"}, "cost_estimates": [{"date": "2024-01-01", "amount": 1}]}',
         ["--as-of", "2023-12-31"], "cost_estimates: no estimate dated on or before 2023-12-31"),
        ("nj_7_26", "{}", [], "program: unknown program 'nj_7_26'"),
        ("tx_115", "{not json", [], "file: not valid JSON at line 1 column 2"),
        ("tx_115", '{"plant_id": "RN1", "streams": [{"voc_ppmw": NaN}]}', [], "file: not valid JSON"),
        ("tx_115", "[]", [], "input: must be a JSON object"),
        ("tx_115", "{}", ["--as-of", "2024-13-01"], "--as-of: invalid date"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_naming_the_field_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], program: str, content: str, argv_tail: list[str], message: str
) -> None:
    code, out, err = obligations(capsys, program, _write(tmp_path, content), *argv_tail)
    assert (code, out) == (2, "")
    assert err.startswith(f"permitclock obligations: {message}"), err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_an_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = obligations(capsys, "tx_115", str(tmp_path / "absent.json"))
    assert (code, out) == (2, "")
    assert err.startswith("permitclock obligations: file: ") and "cannot read" in err
    (tmp_path / "bytes.json").write_bytes(b"\xff\xfe not text")
    code, _, err = obligations(capsys, "tx_115", str(tmp_path / "bytes.json"))
    assert (code, err) == (2, "permitclock obligations: file: not UTF-8 text\n")

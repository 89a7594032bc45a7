"""The offline `permitclock windows FILE.json [--as-of]` contract: fields, exit codes, pending vs open."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from permitclock.cli import main as cli

EXAMPLE = Path(__file__).parents[3] / "events" / "programs" / "il_725_243_example.json"


def windows(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["windows", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_example_file(capsys):
    code, out, err = windows(capsys, str(EXAMPLE), "--as-of", "2024-06-15")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    rows = {(r["mechanism"], r["type"]): r for r in doc["obligations"]}
    for row in doc["obligations"]:
        assert {"mechanism", "type", "due", "section", "status"} <= row.keys()
        assert ("amount" in row) == (row["type"] == "trust_payment_due")
    assert rows[("bond-2019-07", "no_cancellation_before")] == {
        "mechanism": "bond-2019-07",
        "type": "no_cancellation_before",
        "due": "2024-09-06",  # R = 2024-05-09 (the Agency's, later receipt) + 120
        "section": "35 Ill. Adm. Code 725.243(b)(8)",
        "status": "open",
    }
    assert rows[("bond-2019-07", "alternate_assurance_due")]["due"] == "2024-08-07"
    assert rows[("loc-448", "agency_must_draw")] == {
        "mechanism": "loc-448",
        "type": "agency_must_draw",
        "due": None,
        "section": "35 Ill. Adm. Code 725.243(c)(9)",
        "status": "pending",
    }
    assert rows[("bond-2019-07", "increase_assurance_due")]["due"] == "2024-05-31"
    assert rows[("trust-1", "trust_payment_due")]["amount"] == 36000
    assert rows[("trust-1", "trust_payment_due")]["due"] == "2024-10-15"
    assert {k: doc["coverage"][k] for k in ("required", "assured", "shortfall")} == {
        "required": 1250000,
        "assured": 1070000,
        "shortfall": 180000,
    }


def test_amounts_are_exact_numbers(tmp_path, capsys):
    payload = json.loads(EXAMPLE.read_text())
    payload["cost_estimates"] = [{"date": "2024-01-01", "amount": 1000000.10}]
    payload["mechanisms"] = [{"id": "b", "type": "surety_bond", "amount": 0.2}]
    path = tmp_path / "in.json"
    path.write_text(json.dumps(payload))
    code, out, _ = windows(capsys, str(path), "--as-of", "2024-06-15")
    assert code == 0
    assert '"required": 1000000.1' in out and '"assured": 0.2' in out and '"shortfall": 999999.9' in out


def test_as_of_before_the_second_receipt_is_pending(capsys):
    _, out, _ = windows(capsys, str(EXAMPLE), "--as-of", "2024-05-08")
    rows = {(r["mechanism"], r["type"]): r for r in json.loads(out)["obligations"]}
    assert rows[("bond-2019-07", "no_cancellation_before")]["status"] == "pending"
    assert rows[("bond-2019-07", "no_cancellation_before")]["due"] is None


def test_past_due_obligations_stay_listed(capsys):
    _, out, _ = windows(capsys, str(EXAMPLE), "--as-of", "2025-12-31")
    rows = {(r["mechanism"], r["type"]): r for r in json.loads(out)["obligations"]}
    row = rows[("bond-2019-07", "alternate_assurance_due")]
    assert (row["due"], row["status"]) == ("2024-08-07", "open")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda p: p["mechanisms"][1]["events"][0].update(owner_received="2024-02-30"),
            "mechanisms[1].events[0].owner_received: invalid date",
        ),
        (lambda p: p["mechanisms"][0].update(amount="lots"), "mechanisms[0].amount: invalid number"),
        (lambda p: p["mechanisms"][0].update(type="bond"), "mechanisms[0].type: 'bond' is not one of"),
        (lambda p: p["mechanisms"][2].pop("id"), "mechanisms[2].id: required"),
        (lambda p: p["cost_estimates"][1].update(date="04/01/2024"), "cost_estimates[1].date: invalid date"),
        (lambda p: p.update(cost_estimates=[]), "cost_estimates: at least one required"),
    ],
)
def test_bad_input_names_the_field(tmp_path, capsys, mutate, message):
    payload = json.loads(EXAMPLE.read_text())
    mutate(payload)
    path = tmp_path / "in.json"
    path.write_text(json.dumps(payload))
    code, out, err = windows(capsys, str(path), "--as-of", "2024-06-15")
    assert (code, out) == (2, "")
    assert err.startswith(f"permitclock windows: {message}")
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "argv_tail", "message"),
    [
        ("{not json", [], "not valid JSON at line 1 column 2"),
        ('{"cost_estimates": [{"date": "2024-01-01", "amount": NaN}]}', [], "not valid JSON"),
        ("[]", [], "input: must be a JSON object"),
        ("{}", ["--as-of", "2024-13-01"], "--as-of: invalid date"),
    ],
)
def test_unreadable_input_exits_2(tmp_path, capsys, content, argv_tail, message):
    path = tmp_path / "in.json"
    path.write_text(content)
    code, _, err = windows(capsys, str(path), *argv_tail)
    assert code == 2
    assert message in err and err.count("\n") == 1


def test_missing_file_exits_2(tmp_path, capsys):
    code, _, err = windows(capsys, str(tmp_path / "absent.json"))
    assert code == 2 and "cannot read" in err


def test_no_estimate_by_as_of_exits_2(capsys):
    code, _, err = windows(capsys, str(EXAMPLE), "--as-of", "2020-01-01")
    assert code == 2 and "cost_estimates: no estimate dated on or before 2020-01-01" in err

"""The program registry: routing by name, one interface, and bad input named by its field path."""

from __future__ import annotations

from datetime import date

import pytest
from permitclock.errors import BadInput
from permitclock.rules.programs import PROGRAMS, parse_program_facts, program_module
from pydantic import BaseModel


@pytest.mark.parametrize("program", sorted(PROGRAMS))
def test_every_program_has_the_interface(program):
    module = program_module(program)
    assert program == module.PROGRAM
    assert issubclass(module.FACTS, BaseModel)
    assert callable(module.obligations)


def test_unknown_program():
    with pytest.raises(BadInput) as err:
        parse_program_facts("nj_7_26", {})
    assert err.value.field == "program"


@pytest.mark.parametrize(
    ("program", "payload", "field", "message"),
    [
        (
            "tx_115",
            {"plant_id": "p", "streams": [{"id": "s", "sic": "2869", "voc_ppmw": "x", "flow_lpm": 1}]},
            "streams[0].voc_ppmw",
            "invalid number",
        ),
        (
            "tx_115",
            {"plant_id": "p", "defects": [{"component": "c", "detected": "yesterday"}]},
            "defects[0].detected",
            "invalid date",
        ),
        (
            "pa_cbts",
            {
                "project_id": "p",
                "point_source": {"kind": "industrial", "tp_lb_per_day": 1},
                "new_tn_lb_per_year": 0,
                "new_tp_lb_per_year": 0,
            },
            "point_source.tn_lb_per_day",
            "required",
        ),
        (
            "pa_cbts",
            {
                "project_id": "p",
                "point_source": {"kind": "sewage", "design_flow_mgd": 1},
                "new_tn_lb_per_year": 0,
                "new_tp_lb_per_year": 0,
                "retired_onlot": [{"kind": "community", "installed": "1990-01-01", "retired": "2010-01-01"}],
            },
            "retired_onlot[0].design_gpd",
            "required",
        ),
        ("ma_srf", {"entity_id": "e", "loans": [{"id": "l"}]}, "loans[0].awarded", "required"),
        (
            "il_725_243",
            {
                "cost_estimates": [{"date": "2024-01-01", "amount": 1}],
                "mechanisms": [{"id": "t", "type": "trust_fund", "amount": 1, "pay_in_years": 3}],
            },
            "mechanisms[0].first_payment",
            "required with pay_in_years",
        ),
        (
            "il_725_243",
            {
                "cost_estimates": [{"date": "2024-01-01", "amount": 1}],
                "mechanisms": [
                    {
                        "id": "t",
                        "type": "financial_test",
                        "amount": 1,
                        "events": [
                            {
                                "type": "fiscal_year_end",
                                "date": "2023-12-31",
                                "financials": {"net_worth": "?"},
                            }
                        ],
                    }
                ],
            },
            "mechanisms[0].events[0].financials.total_liabilities",
            "required",
        ),
    ],
)
def test_bad_input_names_the_field(program, payload, field, message):
    with pytest.raises(BadInput) as err:
        parse_program_facts(program, payload)
    assert err.value.field == field
    assert err.value.message.startswith(f"{field}: {message}")


def test_as_of_is_a_plain_date():
    facts = parse_program_facts("ma_srf", {"entity_id": "e"})
    assert program_module("ma_srf").obligations(facts, date(2024, 1, 1)) == []


def test_release_request_applies_to_a_trust_fund_only():
    payload = {
        "cost_estimates": [{"date": "2024-01-01", "amount": 1}],
        "mechanisms": [
            {
                "id": "b",
                "type": "surety_bond",
                "amount": 1,
                "events": [{"type": "release_request", "agency_received": "2024-02-01"}],
            },
        ],
    }
    with pytest.raises(BadInput) as err:
        parse_program_facts("il_725_243", payload)
    assert err.value.message == "mechanisms[0].events: a release_request does not apply to this mechanism"

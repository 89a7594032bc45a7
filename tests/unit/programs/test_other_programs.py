"""30 TAC 115.140-149, PA CBTS and the MA SRF: thresholds at their boundaries, worked numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from permitclock.domain.programs import (
    PACBTSFacts,
    PointSource,
    RetiredOnLot,
    WastewaterStream,
)
from permitclock.errors import BadInput
from permitclock.rules import ma_srf, pa_cbts, tx_115
from permitclock.rules.programs import parse_program_facts, program_module

D = date.fromisoformat


def program_obligations(program, payload, as_of):
    """Parse and evaluate, as the registry routes an upload."""
    return program_module(program).obligations(parse_program_facts(program, payload), as_of)


def stream(ppmw, lpm, sic="2869", **extra):
    return WastewaterStream(id=extra.pop("id", "s"), sic=sic, voc_ppmw=Decimal(ppmw), flow_lpm=Decimal(lpm), **extra)


@pytest.mark.parametrize(
    ("ppmw", "lpm", "sic", "affected"),
    [
        ("10000", "0", "2869", True),
        ("9999.9", "9.99", "2869", False),
        ("1000", "10", "2911", True),
        ("1000", "9.99", "2911", False),
        ("999.9", "100", "2911", False),
        ("50000", "100", "2899", False),  # not an affected source category
    ],
)
def test_tx_affected_stream_boundaries(ppmw, lpm, sic, affected):
    assert tx_115.is_affected(stream(ppmw, lpm, sic)) is affected


def test_tx_annual_loading_units():
    # 10 L/min x 525,600 min/yr = 5,256,000 kg/yr; x 1,000 ppmw = 5,256 kg = 5.256 Mg/yr.
    assert tx_115.annual_loading_mg(stream("1000", "10")) == Decimal("5.256")


def plant(*streams, **extra):
    return parse_program_facts("tx_115", {"plant_id": "RN1", "streams": list(streams), **extra})


def test_tx_plant_exemption_at_10_mg():
    # 19.025875... L/min at 1,000 ppmw is exactly 10 Mg/yr; use 10,000 ppmw: 1.9025875... L/min.
    at_limit = {
        "id": "a",
        "sic": "2869",
        "voc_ppmw": "10000",
        "flow_lpm": str(Decimal(10) / Decimal("5.256")),
    }
    result = tx_115.exemptions(plant(at_limit))
    assert result.plant_loading_mg <= 10 and result.plant_exempt
    over = {**at_limit, "flow_lpm": "1.91"}
    assert tx_115.exemptions(plant(over)).plant_exempt is False


def test_tx_stream_exemptions_sum_to_10_mg():
    big = {"id": "big", "sic": "2869", "voc_ppmw": "10000", "flow_lpm": "10"}  # 52.56 Mg/yr
    small = {"id": "small", "sic": "2869", "voc_ppmw": "1000", "flow_lpm": "19", "exempt": True}  # 9.9864
    result = tx_115.exemptions(plant(big, small))
    assert (result.stream_exemptions_valid, result.controlled_streams) == (True, ["big"])
    small2 = {**small, "id": "small2", "voc_ppmw": "10000", "flow_lpm": "0.1"}  # +0.5256: 10.512 > 10
    result = tx_115.exemptions(plant(big, small, small2))
    assert result.stream_exemptions_valid is False
    assert result.controlled_streams == ["big", "small", "small2"]


def test_tx_deadlines():
    big = {"id": "big", "sic": "2869", "voc_ppmw": "10000", "flow_lpm": "10"}
    facts = plant(
        big,
        defects=[
            {"component": "sump-3", "detected": "2024-05-01"},
            {"component": "sep-1", "detected": "2024-05-02", "needs_shutdown": True},
            {"component": "drain-9", "detected": "2024-05-03", "repaired": "2024-05-10"},
        ],
        inspections=[
            {"component": "tank-2", "kind": "seals_and_covers", "last": "2024-02-29"},
            {"component": "tank-2", "kind": "secondary_seal_gap", "last": "2024-03-15"},
        ],
        plan_changes=["2024-06-10"],
        projects=[{"id": "debottleneck", "starts": "2024-09-01"}],
    )
    obs = {(o.subject, o.type): o for o in tx_115.obligations(facts, D("2024-06-30"))}
    assert obs[("sump-3", "repair_due")].due == D("2024-05-16")
    assert obs[("sep-1", "repair_due")].status == "pending"
    assert obs[("drain-9", "repair_due")].status == "closed"
    assert obs[("drain-9", "inspection_due")].due == D("2024-05-10")
    assert obs[("tank-2", "seals_and_covers_inspection_due")].due == D("2024-08-29")
    assert obs[("tank-2", "secondary_seal_gap_inspection_due")].due == D("2025-03-15")
    assert obs[("control plan", "revised_control_plan_due")].due == D("2024-07-10")
    assert obs[("debottleneck", "project_notice_due")].due == D("2024-08-02")
    assert ("plant", "annual_exemption_report_due") not in obs  # the plant does not rely on 115.147(5)


BIG = {"id": "big", "sic": "2869", "voc_ppmw": "10000", "flow_lpm": "10"}  # 52.56 Mg/yr
DEFECT = {"component": "sump-3", "detected": "2024-05-01"}
INSPECTION = {"component": "tank-2", "kind": "seals_and_covers", "last": "2024-02-29"}


@pytest.mark.parametrize(
    ("approved", "exempt"),
    [(None, True), ("2024-06-29", True), ("2024-06-30", True), ("2024-07-01", False)],
)
def test_tx_components_exempt_under_115_147_5_have_no_repair_or_inspection_clock(approved, exempt):
    facts = plant(
        BIG, defects=[DEFECT], inspections=[INSPECTION], control_plan_exemption=True, control_plan_approved=approved
    )
    obs = {(o.subject, o.type): o for o in tx_115.obligations(facts, D("2024-06-30"))}
    assert (("sump-3", "repair_due") in obs) is not exempt
    assert (("tank-2", "seals_and_covers_inspection_due") in obs) is not exempt
    # (5)(B): the annual report maintains the exemption, due once it holds
    assert (("plant", "annual_exemption_report_due") in obs) is exempt
    if exempt:
        report = obs[("plant", "annual_exemption_report_due")]
        assert (report.due, report.period) == (D("2025-03-31"), "2024")
        assert report.facts["exemptions"]["115.147(5)"] is True and report.facts["controlled_streams"] == []


def test_tx_obligations_carry_why_they_exist():
    small = {"id": "small", "sic": "2869", "voc_ppmw": "1000", "flow_lpm": "19", "exempt": True}  # 9.9864
    other = {"id": "other", "sic": "2899", "voc_ppmw": "50000", "flow_lpm": "100"}  # not an affected category
    facts = plant(BIG, small, other, defects=[DEFECT])
    [repair] = tx_115.obligations(facts, D("2024-06-30"))
    assert repair.facts["stream_loadings_mg"] == {"big": Decimal("52.56"), "small": Decimal("9.98640")}
    assert repair.facts["plant_loading_mg"] == Decimal("62.54640")
    assert repair.facts["exemptions"] == {"115.147(1)": False, "115.147(2)": ["small"], "115.147(5)": False}
    assert repair.facts["controlled_streams"] == ["big"] and repair.facts["stream_exemptions_valid"] is True


def test_tx_115_147_6_duties_note_their_uncertain_sip_status():
    facts = plant(BIG, reapplication_requested="2024-01-10", exemption_denied="2024-03-01")
    obs = {o.type: o for o in tx_115.obligations(facts, D("2024-06-30"))}
    assert obs["exemption_reapplication_due"].due == D("2024-04-10")
    assert obs["control_compliance_due"].due == D("2026-03-01")
    for ob in obs.values():
        assert ob.facts["sip_status"].startswith("uncertain: the seed's note to reader")


def test_tx_stream_ids_are_unique():
    with pytest.raises(BadInput) as err:
        plant(BIG, BIG)
    assert err.value.message == "streams: duplicate id 'big'"


def test_tx_exempt_plant_has_no_repair_clock():
    small = {"id": "s", "sic": "2869", "voc_ppmw": "1000", "flow_lpm": "10"}
    facts = plant(small, defects=[{"component": "c", "detected": "2024-05-01"}])
    assert tx_115.obligations(facts, D("2024-06-30")) == []


@pytest.mark.parametrize(
    ("source", "significant"),
    [
        ({"kind": "sewage", "design_flow_mgd": "0.4"}, True),
        ({"kind": "sewage", "design_flow_mgd": "0.399"}, False),
        ({"kind": "industrial", "tn_lb_per_day": "75", "tp_lb_per_day": "0"}, True),
        ({"kind": "industrial", "tn_lb_per_day": "74.9", "tp_lb_per_day": "24.9"}, False),
        ({"kind": "industrial", "tn_lb_per_day": "0", "tp_lb_per_day": "25"}, True),
    ],
)
def test_pa_significance(source, significant):
    assert pa_cbts.is_significant(PointSource.model_validate(source)) is significant


@pytest.mark.parametrize(
    ("system", "offset"),
    [
        ({"kind": "individual", "retired": "2003-01-01", "count": 12}, Decimal(300)),  # 12 x 25
        ({"kind": "individual", "retired": "2002-12-31", "count": 12}, Decimal(0)),
        ({"kind": "community", "retired": "2010-05-01", "design_gpd": "10500"}, Decimal(1000)),  # 10,500/262.5 x 25
        ({"kind": "community", "retired": "2010-05-01", "design_gpd": "262.5"}, Decimal(25)),
    ],
)
def test_pa_onlot_offsets(system, offset):
    system = {"installed": "1985-06-01", **system}
    assert pa_cbts.onlot_offset_lb(RetiredOnLot.model_validate(system)) == offset


@pytest.mark.parametrize(
    ("installed", "retired", "counts"),
    [
        ("2002-12-31", "2003-01-01", True),  # existed before, retired on the first day after the base year
        ("2002-12-31", "2002-12-31", False),  # retired in the base year
        ("2003-01-01", "2003-01-01", False),  # not in existence prior to January 1, 2003
        ("2003-01-02", "2010-01-01", False),
        ("2002-12-30", "2003-01-02", True),
    ],
)
def test_pa_onlot_must_exist_before_and_be_retired_after_2003(installed, retired, counts):
    system = RetiredOnLot.model_validate({"kind": "individual", "installed": installed, "retired": retired})
    assert (pa_cbts.onlot_offset_lb(system) == 25) is counts
    assert (pa_cbts.onlot_ineligible(system) == "") is counts


def test_pa_onlot_installation_date_is_required_and_not_after_retirement():
    with pytest.raises(BadInput) as err:
        parse_program_facts("pa_cbts", pa_payload(retired_onlot=[{"kind": "individual", "retired": "2010-01-01"}]))
    assert err.value.field == "retired_onlot[0].installed"
    bad = [{"kind": "individual", "installed": "2011-01-01", "retired": "2010-01-01"}]
    with pytest.raises(BadInput) as err:
        parse_program_facts("pa_cbts", pa_payload(retired_onlot=bad))
    assert err.value.message == "retired_onlot[0].retired: before the installed date"


def test_pa_obligation_says_which_systems_did_not_count():
    systems = [
        {"kind": "individual", "installed": "1990-01-01", "retired": "2015-06-01", "count": 40},
        {"kind": "individual", "installed": "2004-01-01", "retired": "2015-06-01", "count": 4},
    ]
    found = program_obligations("pa_cbts", pa_payload(retired_onlot=systems), D("2024-06-30"))
    [tn] = [o for o in found if o.subject == "TN"]
    assert tn.amount == Decimal(500)  # 1,500 - 1,000: the four systems built in 2004 offset nothing
    first, second = tn.facts["onlot"]
    assert first["offset"] == Decimal(1000) and "not_counted" not in first
    assert second["offset"] == 0 and second["not_counted"].startswith("CBTS planning C.1 note 2: installed 2004-01-01")


def pa_payload(**extra):
    return {
        "project_id": "Act537-2024-17",
        "point_source": {"kind": "sewage", "design_flow_mgd": "0.25"},
        "new_tn_lb_per_year": "1500",
        "new_tp_lb_per_year": "200",
        "retired_onlot": [
            {"kind": "individual", "installed": "1990-01-01", "retired": "2015-06-01", "count": 40},  # 1,000
            {"kind": "community", "installed": "1978-04-01", "retired": "2012-01-01", "design_gpd": "5250"},  # 500
        ],
        "tp_credits_lb_per_year": "150",
        **extra,
    }


def test_pa_zero_net_each_nutrient():
    facts = parse_program_facts("pa_cbts", pa_payload())
    assert isinstance(facts, PACBTSFacts)
    tn, tp = pa_cbts.balances(facts)
    assert (tn.offsets, tn.net, tn.zero_net) == (Decimal(1500), Decimal(0), True)  # exactly zero is zero net
    assert (tp.offsets, tp.net, tp.zero_net) == (Decimal(0), Decimal(50), False)  # no TP offset from on-lot
    [needed] = program_obligations("pa_cbts", pa_payload(), D("2024-06-30"))
    assert (needed.subject, needed.amount, needed.status) == ("TP", Decimal(50), "pending")
    [needed] = program_obligations("pa_cbts", pa_payload(planning_submission="2024-09-01"), D("2024-06-30"))
    assert (needed.due, needed.status) == (D("2024-09-01"), "open")


def test_ma_srf_deadlines():
    payload = {
        "entity_id": "MA-PWS-1",
        "loans": [{"id": "DW-22-01", "awarded": "2024-03-15", "eligible_costs": "4000000"}],
        "memoranda": [{"id": "mou-7", "approved": "2024-05-20"}],
        "files_contract_assistance_report": True,
    }
    obs = {o.type: o for o in program_obligations("ma_srf", payload, D("2024-06-30"))}
    assert obs["pricing_system_effective_due"].due == D("2024-06-13")  # 90 days
    assert obs["pricing_system_effective_due"].amount == Decimal("2000000.00")  # 50 percent subsidy
    assert obs["rate_reduction_petition_due"].due == D("2024-06-19")  # 30 days after approval
    assert obs["contract_assistance_report_due"].due == D("2025-03-01")
    on_the_day = {o.type: o for o in program_obligations("ma_srf", payload, D("2025-03-01"))}
    assert on_the_day["contract_assistance_report_due"].due == D("2025-03-01")
    assert ma_srf.subsidy(Decimal("0.05")) == Decimal("0.03")


def ma_regional(**extra):
    return {
        "entity_id": "MA-REG-1",
        "regional_unit": True,
        "members": ["Town of Ayer", "Town of Shirley"],
        "loans": [{"id": "DW-22-04", "awarded": "2024-03-15", "eligible_costs": "4000000"}],
        **extra,
    }


def test_ma_regional_unit_is_exempt_and_its_members_carry_the_pricing_duty():
    found = program_obligations("ma_srf", ma_regional(), D("2024-06-30"))
    assert not [o for o in found if o.type == "pricing_system_effective_due"]
    members = sorted((o.subject, o.due, o.period) for o in found if o.type == "member_pricing_system_effective_due")
    assert members == [
        ("Town of Ayer", D("2024-06-13"), "DW-22-04:2024-03-15"),
        ("Town of Shirley", D("2024-06-13"), "DW-22-04:2024-03-15"),
    ]
    assert found[0].facts["consequence"].startswith("without it the member is ineligible")


@pytest.mark.parametrize(("as_of", "listed"), [("2024-03-14", False), ("2024-03-15", True), ("2024-03-16", True)])
def test_ma_member_duty_starts_with_the_award(as_of, listed):
    found = program_obligations("ma_srf", ma_regional(), D(as_of))
    assert bool(found) is listed


def test_ma_regional_unit_exemption_does_not_apply_to_a_project_found_inapplicable():
    payload = ma_regional(loans=[{"id": "DW-1", "awarded": "2024-03-15", "pricing_system_exempt": True}])
    assert program_obligations("ma_srf", payload, D("2024-06-30")) == []


def test_ma_members_need_a_regional_unit():
    with pytest.raises(BadInput) as err:
        parse_program_facts("ma_srf", {"entity_id": "MA-PWS-1", "members": ["Town of Ayer"]})
    assert err.value.field == "members" and "regional local governmental unit" in err.value.message

"""GET /facilities/{wdid}/levels and /levels/{parameter}/{year} over the fakes: the annual run's worker writes the
history (with the results it left out), the routes read it back; another facility's levels are 404."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import quote

from permitclock.clock import FixedClock
from permitclock.domain.level_disagreements import StoredDisagreement
from permitclock.services.annual_run import LevelWorker, WorkMessage
from permitclock.services.sampling_duties import SamplingDuties

from tests.fakes.pipelines import FakeRunSummaries
from tests.unit.igp.igp_helpers import sample

from .conftest import OTHER_WDID, WDID, Api, user

ZINC = "Zinc, Total (Recoverable)"
YEAR = "2024-2025"


def run_year(api: Api, wdid: str = WDID, on: date = date(2025, 7, 1), year: str = YEAR) -> None:
    sampling = SamplingDuties(api.levels, api.levels.obligations, api.store.facilities, FixedClock.on(on))
    profiles = api.store.facilities
    worker = LevelWorker(levels=api.levels, summaries=FakeRunSummaries(), profiles=profiles, sampling=sampling)
    worker.process(WorkMessage(run_id="r1", on=on, reporting_year=year, dry_run=False, wdids=[wdid]))


def seed_samples(api: Api) -> None:
    api.levels.samples.put_new(
        [
            sample("Zinc, Total", "0.5", date(2024, 11, 3), wdid=WDID, sample_id="a1"),
            sample("Zinc, Total", "0.3", date(2025, 1, 15), wdid=WDID, sample_id="a2"),
            sample("Zinc, Total", "9", date(2025, 1, 16), wdid=WDID, sample_id="run-on", location_type="Run-On"),
            sample("Zinc, Total", "7", date(2025, 2, 1), wdid=WDID, sample_id="ns", event_type="Non-Storm Water"),
            sample("Zinc, Total", None, date(2025, 2, 2), wdid=WDID, sample_id="nd", qualifier="ND"),
        ]
    )


def test_levels_list_each_parameters_status_and_history_with_its_evidence(api: Api) -> None:
    seed_samples(api)
    run_year(api)

    status, body = api.call("GET", f"/facilities/{WDID}/levels", as_user="user-viewer")

    assert status == 200
    [zinc] = body["parameters"]
    assert (zinc["parameter"], zinc["level"], zinc["since"]) == (ZINC, "Level 1", "2025-07-01")
    assert zinc["facts"]["ever_level_2"] is False and zinc["facts"]["level_1_report_submitted"] is None
    [entry] = zinc["history"]
    assert {k: entry[k] for k in ("reporting_year", "prior_level", "level", "result_count", "left_out_count")} == {
        "reporting_year": YEAR, "prior_level": "Baseline", "level": "Level 1", "result_count": 3, "left_out_count": 2,
    }  # fmt: skip
    assert Decimal(entry["annual_average"]) == Decimal("0.8") / 3
    assert Decimal(entry["annual_nal"]) == Decimal("0.26")
    assert entry["annual_exceedance"] is True and entry["instantaneous_exceedance_count"] == 0
    assert "XII.C" in entry["rule"] and len(entry["obligation_ids"]) == 2


def test_one_years_detail_lists_the_results_counted_and_why_others_were_left_out(api: Api) -> None:
    seed_samples(api)
    run_year(api)

    status, body = api.call("GET", f"/facilities/{WDID}/levels/{quote(ZINC)}/{YEAR}", as_user="user-viewer")

    assert status == 200
    assert body["parameter"] == ZINC and Decimal(body["annual_sum"]) == Decimal("0.8")
    assert [(r["sample_id"], r["counted_as"]) for r in body["results"]] == [("a1", "0.5"), ("a2", "0.3"), ("nd", "0")]
    assert [(r["sample_id"], r["reason"]) for r in body["left_out"]] == [
        ("run-on", "not_effluent_location"),
        ("ns", "not_storm_water_event"),
    ]
    # an alias names the same parameter
    assert api.call("GET", f"/facilities/{WDID}/levels/{quote('Zinc, Total')}/{YEAR}")[1] == body


def test_a_year_never_assigned_and_another_facilitys_levels_are_404(api: Api) -> None:
    seed_samples(api)
    run_year(api)
    assert api.call("GET", f"/facilities/{WDID}/levels/{quote(ZINC)}/2023-2024")[0] == 404
    assert api.call("GET", f"/facilities/{WDID}/levels/Lead/{YEAR}")[0] == 404
    for path in (f"/facilities/{WDID}/levels", f"/facilities/{WDID}/levels/{quote(ZINC)}/{YEAR}"):
        status, body = api.call("GET", path, as_user="b-user-lrp")
        assert (status, body["code"]) == (404, "not_found")
    assert api.call("GET", f"/facilities/{OTHER_WDID}/levels", as_user="b-user-lrp") == (
        200,
        {"parameters": [], "disagreements": []},
    )


def test_levels_list_the_disagreements_a_reconciled_smarts_export_found(api: Api) -> None:
    found = StoredDisagreement(
        wdid=WDID, parameter="pH", smarts_level="Level 1", permitclock_level="Baseline", found_on=date(2026, 11, 1),
        export_key="smarts/levels/R4.csv", notice_id="levels-disagreement:x",
    )  # fmt: skip
    api.disagreements.commit([found], None, datetime(2026, 11, 1, tzinfo=UTC))
    status, body = api.call("GET", f"/facilities/{WDID}/levels", as_user=user("viewer"))
    assert status == 200, body
    [shown] = body["disagreements"]
    assert (shown["parameter"], shown["smarts_level"], shown["permitclock_level"], shown["status"]) == (
        "pH", "Level 1", "Baseline", "open",
    )  # fmt: skip

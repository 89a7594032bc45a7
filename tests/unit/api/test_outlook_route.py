"""GET /facilities/{wdid}/outlook over the fakes: the year in progress from the stored samples, scoped to the
caller's facilities."""

from __future__ import annotations

from datetime import date

from permitclock.domain.levels import ParameterStatus

from tests.unit.igp.igp_helpers import sample

from .conftest import OTHER_WDID, TODAY, WDID, Api, user


def test_outlook_lists_each_parameter_of_the_year_with_exact_numbers(api: Api) -> None:
    api.levels.samples.put_new(
        [
            sample("Zinc, Total", "0.5", date(2026, 10, 1), wdid=WDID),
            sample("Zinc, Total", "9", date(2026, 5, 1), wdid=WDID),
        ]
    )  # the May result is of the year before (2025-2026)
    api.levels.statuses[(WDID, "pH")] = ParameterStatus(parameter="pH", level="Level 1", since=date(2026, 7, 1))
    status, body = api.call("GET", f"/facilities/{WDID}/outlook", as_user=user("QISP"))
    assert status == 200, body
    assert (body["wdid"], body["reporting_year"], body["as_of"]) == (WDID, "2026-2027", TODAY.isoformat())
    by_parameter = {p["parameter"]: p for p in body["parameters"]}
    zinc = by_parameter["Zinc, Total (Recoverable)"]
    assert (zinc["state"], zinc["result_count"], zinc["qses_required_remaining"]) == ("at_risk", 1, 3)
    assert (zinc["max_remaining_average"], zinc["annual_nal"]) == ("0.18", "0.26")  # exact decimal strings
    ph = by_parameter["pH"]
    assert (ph["state"], ph["current_level"], ph["level_if_exceeded"]) == ("on_track", "Level 1", "Level 2")


def test_outlook_of_another_facility_is_not_found(api: Api) -> None:
    status, body = api.call("GET", f"/facilities/{OTHER_WDID}/outlook", as_user=user("LRP"))
    assert status == 404 and body["code"] == "not_found"

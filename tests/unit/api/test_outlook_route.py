"""GET /facilities/{wdid}/outlook over the fakes: the year in progress from the stored samples, scoped to the
caller's facilities."""

from __future__ import annotations

from datetime import date

from permitclock.clock import FixedClock
from permitclock.domain.levels import ParameterStatus
from permitclock.services.sampling_duties import SamplingDuties

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


def test_lab_results_open_the_30_day_deadline_and_results_close_it(api: Api) -> None:
    path = f"/facilities/{WDID}/sampling-events/2026-10-01/lab-results"
    status, body = api.call("PUT", path, as_user=user("QISP"), body={"received_on": "2026-10-20"})
    assert status == 200, body
    assert (body["type"], body["due"], body["status"], body["period"]) == (
        "Sampling Results Report", "2026-11-19", "open", "2026-10-01",
    )  # fmt: skip
    status, listed = api.call("GET", f"/facilities/{WDID}/obligations", as_user=user("viewer"))
    assert [o["due"] for o in listed["obligations"] if o["type"] == "Sampling Results Report"] == ["2026-11-19"]
    api.levels.samples.put_new([sample("pH", "7", date(2026, 10, 1), units="SU", wdid=WDID)])
    sampling = SamplingDuties(api.levels, api.store.obligations, api.store.facilities, FixedClock.on(TODAY))
    sampling.watch([WDID])  # what the monitoring intake runs after storing the event's results
    [closed] = [o for o in api.store.obligations.for_facility(WDID) if o.type == "Sampling Results Report"]
    assert closed.status == "closed"


def test_lab_results_before_the_event_or_in_the_future_are_refused(api: Api) -> None:
    path = f"/facilities/{WDID}/sampling-events/2026-10-01/lab-results"
    assert api.call("PUT", path, as_user=user("DEP"), body={"received_on": "2026-09-30"})[0] == 400
    assert api.call("PUT", path, as_user=user("DEP"), body={"received_on": "2026-12-30"})[0] == 400
    bad = api.call("PUT", f"/facilities/{WDID}/sampling-events/oct/lab-results", as_user=user("DEP"),
                   body={"received_on": "2026-10-20"})  # fmt: skip
    assert bad == (400, {"code": "bad_input", "message": "event date 'oct' is not YYYY-MM-DD"})

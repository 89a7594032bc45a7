"""EVENT_TYPE and MONITORING_LOCATION_TYPE as written in real files: read on their letters, empty ones rejected."""

from __future__ import annotations

import pytest
from igp_helpers import AS_OF, raw_file, raw_row
from permitclock.domain.samples import RejectedRow, Sample
from permitclock.intake.smarts import normalise_event_type, normalise_location_type, parse
from permitclock.rules.igp import nal_table
from permitclock.rules.igp.exceedances import counts, is_qualifying_storm_event


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("Qualifying Storm Event", "Qualifying Storm Event"),
        ("QUALIFYING STORM EVENT", "Qualifying Storm Event"),
        ("Non-Qualifying Storm Event", "Non-Qualifying Storm Event"),
        ("Nonqualifying Storm Event", "Non-Qualifying Storm Event"),
        ("non qualifying storm-event", "Non-Qualifying Storm Event"),
        ("Storm event, not qualifying", "Non-Qualifying Storm Event"),
        ("Non-Stormwater Discharge", "Non-Stormwater Discharge"),
        ("Nonstormwater Discharge", "Non-Stormwater Discharge"),
        ("NON-STORM WATER DISCHARGE", "Non-Stormwater Discharge"),
        ("Non Storm Water Discharge (NSWD)", "Non-Stormwater Discharge"),
        (" Storm Water Event ", "Storm Water Event"),  # a storm of unstated kind: kept as written
        ("Inspection", None),
        ("", None),
    ],
)
def test_event_type_is_read_on_its_letters(written, read):
    assert normalise_event_type(written) == read


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("Effluent Monitoring", "Effluent Monitoring"),
        ("effluent-monitoring", "Effluent Monitoring"),
        ("EffluentMonitoring", "Effluent Monitoring"),
        (" Run-On ", "Run-On"),
        ("", None),
        ("   ", None),
    ],
)
def test_location_type_is_read_on_its_letters(written, read):
    assert normalise_location_type(written) == read


def one(row: str) -> Sample | RejectedRow:
    (out,) = list(parse(raw_file(row), as_of=AS_OF, name="f.txt"))
    return out


def test_nonstormwater_spelled_without_separators_is_kept_but_not_counted():
    sample = one(raw_row(event_type="Nonstormwater Discharge"))
    assert isinstance(sample, Sample) and sample.event_type == "Non-Stormwater Discharge"
    assert not counts(sample, nal_table()["Zinc"])
    storm = one(raw_row(event_type="Qualifying Storm Event"))
    assert isinstance(storm, Sample) and counts(storm, nal_table()["Zinc"])


def test_nonqualifying_spelled_without_separators_counts_but_is_not_a_qse():
    sample = one(raw_row(event_type="Nonqualifying Storm Event"))
    assert isinstance(sample, Sample) and sample.event_type == "Non-Qualifying Storm Event"
    assert counts(sample, nal_table()["Zinc"]) and not is_qualifying_storm_event(sample.event_type)


@pytest.mark.parametrize("written", ["", "NA", "  "])
def test_empty_location_type_rejects_the_row_with_its_line(written):
    out = one(raw_row(location_type=written))
    assert isinstance(out, RejectedRow) and out.line == 2 and not out.kept
    assert out.reason == "empty MONITORING_LOCATION_TYPE"


def test_empty_event_type_rejects_the_row():
    out = one(raw_row(event_type="NA"))
    assert isinstance(out, RejectedRow) and out.reason == "empty EVENT_TYPE"


def test_location_type_in_other_case_counts():
    sample = one(raw_row(location_type="EFFLUENT MONITORING"))
    assert isinstance(sample, Sample) and sample.location_type == "Effluent Monitoring"
    assert counts(sample, nal_table()["Zinc"])

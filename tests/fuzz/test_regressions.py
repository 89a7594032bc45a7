"""Every fuzzing finding, as the exact input that found it (see docs/reliability.md, "Findings")."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from permitclock.domain.samples import RejectedRow, Sample
from permitclock.domain.uploads import parse_attachment_key
from permitclock.errors import BadInput
from permitclock.events import object_events
from permitclock.intake.smarts import RAW_COLUMNS, SmartsReader


@pytest.mark.parametrize(
    "key",
    [
        "attachments/4 19I000033\n/4501/a.pdf",  # `$` matched before a trailing newline: WDID with a newline
        "attachments/4 19I000033/4501\n/a.pdf",  # same for the report id
        "attachments/100A000000/0/\x80",  # C1 control character in the file name
        "attachments/4 19I000033/4501/report\u202efdp.exe",  # right-to-left override: reads "exe.pdf"
        "attachments/4 19I000033/4501/a\u2028b.pdf",  # line separator
    ],
)
def test_key_findings_are_rejected(key: str) -> None:
    with pytest.raises(BadInput) as err:
        parse_attachment_key(key)
    assert err.value.code == "bad_key"


@pytest.mark.parametrize("body", ["[" * 100_000, '{"Records": [' * 10_000, "1" * 5000])
def test_unparseable_event_bodies_are_bad_input(body: str) -> None:
    """Deep nesting raised RecursionError and a 5,000-digit integer ValueError, not BadInput."""
    with pytest.raises(BadInput):
        object_events(body)


def test_infinite_reporting_year_is_a_note_not_a_crash() -> None:
    """REPORTING_YEAR `1e999` raised OverflowError (int(float('inf'))) out of the reader."""
    row = dict.fromkeys(RAW_COLUMNS, "")
    row.update(WDID="1 08I004046", EVENT_TYPE="Qualifying Storm Event", SAMPLE_DATE="12/29/2016", PARAMETER="pH",
               RESULT_QUALIFIER="=", RESULT="6.5", UNITS="SU", REPORTING_YEAR="1e999",
               MONITORING_LOCATION_TYPE="Effluent Monitoring")  # fmt: skip
    data = ("\t".join(RAW_COLUMNS) + "\n" + "\t".join(row[c] for c in RAW_COLUMNS) + "\n").encode()
    rows = list(SmartsReader(BytesIO(data), as_of=date(2026, 11, 3)))
    assert isinstance(rows[0], Sample)
    assert isinstance(rows[1], RejectedRow) and rows[1].kept and "REPORTING_YEAR" in rows[1].reason

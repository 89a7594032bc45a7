"""Builders shared by the IGP tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from permitclock.domain.samples import Sample
from permitclock.rules.igp.nals import conversion_factor, nal_for
from permitclock.rules.igp.years import reporting_year_of

from infra.sample_documents import RAW_HEADER, raw_file, raw_row  # noqa: F401  (re-exported for the IGP tests)

SHARED = Path(__file__).resolve().parents[4] / "shared/data/smarts"  # ../shared beside the checkout
REGION1 = SHARED / "region1_raw_smarts_sample/Region_1_-_North_Coast_-_Industrial_Ad_Hoc_Reports_-_Parameter_Data.txt"
REGION9 = SHARED / "region9_accessdb_export_2017/SMARTS_monitoring_data.txt"
REGION4_2018 = SHARED / "region4_level_status/SMARTS_Current_Level1_Level2_Pollutant_Search_R4_2018-12-14.csv"
AS_OF = date(2025, 11, 1)
WDID = "1 08I000001"

_counter = iter(range(1, 10**9))


def sample(
    parameter: str = "Zinc, Total",
    result: str | None = "0.1",
    day: date = date(2016, 11, 1),
    *,
    qualifier: str = "=",
    units: str | None = None,
    wdid: str = WDID,
    sample_id: str | None = None,
    location: str = "DP-1",
    location_type: str | None = "Effluent Monitoring",
    event_type: str | None = "Qualifying Storm Event",
) -> Sample:
    """A sample as the parser would build it (value converted to the NAL unit)."""
    nal = nal_for(parameter)
    if units is None:
        units = nal.units if nal else "mg/L"
    value = Decimal(result) if result is not None else None
    converted = value
    if nal is not None and value is not None:
        converted = value * conversion_factor(units, nal.units)
    line = next(_counter)
    return Sample(
        wdid=wdid,
        parameter=parameter,
        nal=nal.parameter if nal else None,
        sample_date=day,
        reporting_year=reporting_year_of(day),
        qualifier=qualifier,  # type: ignore[arg-type]
        result=value,
        units=units,
        value=converted,
        sample_id=sample_id if sample_id is not None else f"S{line}",
        location=location,
        location_type=location_type,
        event_type=event_type,
        file="test",
        line=line,
    )

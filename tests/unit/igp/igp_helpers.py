"""Builders shared by the IGP tests."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

from permitclock.domain.samples import Sample
from permitclock.rules.igp.nals import conversion_factor, nal_for
from permitclock.rules.igp.years import reporting_year_of

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


RAW_HEADER = (
    "PERMIT_TYPE\tWDID\tAPP_ID\tREPORTING_YEAR\tREPORT_ID\tEVENT_TYPE\tMONITORING_LOCATION_NAME\t"
    "MONITORING_LOCATION_TYPE\tMONITOR_LOCATION_DESCRIPTION\tMONITORING_LATITUDE\tMONITORING_LONGITUDE\t"
    "SAMPLE_ID\tSAMPLE_DATE\tSAMPLE_TIME\tDISCHARGE_START_DATE\tDISCHARGE_START_TIME\tPARAMETER\t"
    "RESULT_QUALIFIER\tRESULT\tUNITS\tANALYTICAL_METHOD\tMDL\tRL\tDISCHARGE_END_DATE\tDISCHARGE_END_TIME\t"
    "CERTIFIER_NAME\tCERTIFIED_DATE"
)


def raw_row(
    parameter: str = "Zinc, Total",
    result: str = ".0057",
    sample_date: str = "10/17/2016",
    *,
    qualifier: str = "=",
    units: str = "mg/L",
    reporting_year: str = "2016",
    wdid: str = WDID,
    sample_id: str = "2242997",
    location: str = "CL-1",
    location_type: str = "Effluent Monitoring",
    event_type: str = "Qualifying Storm Event",
    description: str = "",
    time: str = "11:00",
) -> str:
    fields = [
        "Industrial", wdid, "178203", reporting_year, "918881", event_type, location, location_type,
        description, "41.7", "-124.1", sample_id, sample_date, time, sample_date, "08:00", parameter,
        qualifier, result, units,
        "E200.7", "1", "", "", "", "", "02-AUG-17 08.03.32.748000 AM",
    ]  # fmt: skip
    return "\t".join(fields)


def raw_file(*rows: str) -> io.BytesIO:
    return io.BytesIO(("\n".join([RAW_HEADER, *rows]) + "\n").encode())

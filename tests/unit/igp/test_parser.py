"""The streaming SMARTS parser: layouts, real-file hazards, rejected rows with physical line numbers."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from igp_helpers import AS_OF, REGION1, REGION9, raw_file, raw_row
from permitclock.domain.samples import RejectedRow, Sample
from permitclock.errors import BadInput
from permitclock.intake.smarts import SmartsReader, parse
from permitclock.rules.igp import evaluate_year, nal_table

needs_shared = pytest.mark.skipif(not REGION1.exists(), reason="../shared/data is not present")


def rows(*lines: str, as_of: date = AS_OF) -> list[Sample | RejectedRow]:
    return list(parse(raw_file(*lines), as_of=as_of, name="f.txt"))


@needs_shared
def test_region1_file_all_99_rows_read_with_physical_line_numbers() -> None:
    with open(REGION1, "rb") as handle:
        physical = handle.read().count(b"\n") - 1  # minus the header
    out = list(parse(REGION1, as_of=AS_OF))
    assert physical == 99
    assert len(out) == 99 and all(isinstance(r, Sample) for r in out)
    assert [r.line for r in out] == list(range(2, 101))
    assert {r.wdid for r in out} == {"1 08I004046", "1 08I015378"}  # type: ignore[union-attr]


@needs_shared
def test_region1_hazards_nd_empty_result_leading_dot_and_24_00() -> None:
    out = [r for r in parse(REGION1, as_of=AS_OF) if isinstance(r, Sample)]
    nd = next(r for r in out if r.qualifier == "ND")
    assert nd.result is None and nd.value is None
    assert any(r.result == Decimal("0.0057") for r in out)
    lead = [r for r in out if r.nal == "Lead"]
    assert lead and all(r.reporting_year_column == int(r.reporting_year[:4]) for r in out)
    for year in sorted({r.reporting_year for r in lead}):
        e = evaluate_year(nal_table()["Lead"], year, lead)
        if all(r.non_detect for r in lead if r.reporting_year == year):
            assert e.annual_average == 0 and not e.annual_exceedance and e.instantaneous_exceedance_count == 0


def test_24_00_time_is_accepted() -> None:
    (s,) = rows(raw_row(time="24:00"))
    assert isinstance(s, Sample) and s.sample_time == "24:00" and s.sample_date == date(2016, 10, 17)


@needs_shared
def test_region9_access_export_parses_as_third_layout_typo_years_rejected() -> None:
    reader = SmartsReader(REGION9, as_of=AS_OF)
    assert reader.layout == "access_export"
    out = list(reader)
    samples = [r for r in out if isinstance(r, Sample)]
    rejected = [r for r in out if isinstance(r, RejectedRow)]
    assert len(out) == 31717
    assert sum("after the as-of date" in r.reason for r in rejected) == 9  # the 2104 / 2114 typos
    zinc_ug = next(s for s in samples if s.units == "ug/L" and s.nal == "Zinc")
    assert zinc_ug.value == zinc_ug.result * Decimal("0.001")  # type: ignore[operator]


def test_wrong_format_is_one_bad_input_naming_missing_columns() -> None:
    with pytest.raises(BadInput) as err:
        list(parse(io.BytesIO(b"APP_ID\tWDID\tREPORT_ID\n1\t2\t3\n"), as_of=AS_OF))
    assert "missing columns" in err.value.message and "SAMPLE_DATE" in err.value.message
    assert "RESULT_QUALIFIER" in err.value.message


def test_record_split_over_two_lines_is_rejoined_with_first_line_number() -> None:
    split = raw_row(description="culvert\nnear gate")
    out = rows(raw_row(), split, raw_row(sample_id="3"))
    assert [type(r).__name__ for r in out] == ["Sample", "Sample", "Sample"]
    assert [r.line for r in out] == [2, 3, 5]


def test_truncated_record_is_rejected_as_malformed() -> None:
    short = "\t".join(raw_row().split("\t")[:10])
    out = rows(short, raw_row())
    assert isinstance(out[0], RejectedRow) and out[0].line == 2 and "malformed" in out[0].reason
    assert isinstance(out[1], Sample) and out[1].line == 3


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (raw_row(sample_date="13/45/2016"), "unparseable SAMPLE_DATE"),
        (raw_row(result="1.2.3"), "unparseable RESULT"),
        (raw_row(result=""), "empty RESULT"),
        (raw_row(units="MPN/100 mL"), "cannot be converted"),
        (raw_row(qualifier="J"), "unknown RESULT_QUALIFIER"),
        (raw_row(sample_date="12/03/2104", reporting_year="2104"), "after the as-of date"),
        (raw_row(result="-1"), "negative RESULT"),
        (raw_row("pH", "15", units="SU"), "outside 0-14"),
        (raw_row(event_type="Inspection"), "unknown EVENT_TYPE"),
    ],
)
def test_bad_rows_are_rejected_with_line_and_reason(row: str, reason: str) -> None:
    (out,) = rows(row)
    assert isinstance(out, RejectedRow) and out.line == 2 and reason in out.reason and not out.kept


def test_reporting_year_disagreeing_with_date_is_reported_and_the_date_wins() -> None:
    out = rows(raw_row(sample_date="04/11/2017", reporting_year="2017"))
    sample, note = out
    assert isinstance(sample, Sample) and sample.reporting_year == "2016-2017"
    assert isinstance(note, RejectedRow) and note.kept and "the date wins" in note.reason and note.line == 2


def test_ug_per_l_converted_and_unmapped_units_kept() -> None:
    zinc, ec = rows(raw_row(result="260", units="ug/L"), raw_row("Specific Conductance", "900", units="umhos/cm"))
    assert isinstance(zinc, Sample) and zinc.value == Decimal("0.26")
    assert isinstance(ec, Sample) and ec.nal is None


DATA_CA_GOV = (
    "PERMIT_TYPE,WDID,APP_ID,REPORTING_YEAR,REPORT_ID,EVENT_TYPE,MONITORING_LOCATION_NAME,MONITORING_LOCATION_TYPE,"
    "MONITOR_LOCATION_DESCRIPTION,MONITORING_LATITUDE,MONITORING_LONGITUDE,SAMPLE_ID,SAMPLE_DATE,SAMPLE_TIME,"
    "DISCHARGE_START_DATE,DISCHARGE_START_TIME,PARAMETER,RESULT_QUALIFIER,RESULT,UNITS,ANALYTICAL_METHOD,MDL,RL,"
    "DISCHARGE_END_DATE,DISCHARGE_END_TIME,CERTIFIER_NAME,CERTIFIED_DATE\n"
    "Industrial,4 19I000033,1,2018,2,Qualifying Storm Event,DP-1,Effluent Monitoring,"
    '"pipe, ""north""\nside",'
    '34,-118,77,2019-01-05,10:00,2019-01-05,08:00,"Zinc, Total",=,0.5,mg/L,E200.7,NA,NA,NA,NA,NA,NA\n'
    "Industrial,4 19I000033,1,2018,2,Qualifying Storm Event,DP-1,Effluent Monitoring,NA,34,-118,77,"
    "01/05/2019,10:00,NA,NA,Oil and Grease,ND,NA,mg/L,E1664,NA,NA,NA,NA,NA,NA\n"
)


def test_data_ca_gov_csv_variant_quoted_multiline_na_and_iso_dates() -> None:
    reader = SmartsReader(io.BytesIO(DATA_CA_GOV.encode()), as_of=AS_OF, name="dcg.csv")
    assert reader.layout == "data_ca_gov"
    zinc, og = list(reader)
    assert isinstance(zinc, Sample) and zinc.sample_date == date(2019, 1, 5) and zinc.value == Decimal("0.5")
    assert isinstance(og, Sample) and og.qualifier == "ND" and og.result is None and og.line == 4


def test_parser_streams_without_reading_the_whole_file() -> None:
    class CountingStream(io.BytesIO):
        reads = 0

        def read(self, size: int | None = -1) -> bytes:
            assert size is not None and size > 0, "the whole file was requested"
            CountingStream.reads += 1
            return super().read(size)

        def read1(self, size: int = -1) -> bytes:
            assert size > 0, "the whole file was requested"
            return super().read1(size)

        def readinto(self, b):  # type: ignore[no-untyped-def]
            return super().readinto(b)

    body = raw_file(*[raw_row(sample_id=str(i)) for i in range(2000)]).getvalue()
    it = parse(CountingStream(body), as_of=AS_OF)
    first = next(it)
    assert isinstance(first, Sample) and first.line == 2


PORTAL_HEADER = DATA_CA_GOV.splitlines()[0]


def portal_row(qualifier: str, result: str, *, sample_id: str = "77", day: str = "2019-01-05") -> str:
    """One data.ca.gov "Parameter Data" row of zinc, as the portal writes it (fields as text, ISO dates)."""
    return (
        f"Industrial,4 19I000033,1,2018,2,Qualifying Storm Event,DP-1,Effluent Monitoring,NA,34,-118,{sample_id},"
        f'{day},10:00,{day},08:00,"Zinc, Total",{qualifier},{result},mg/L,E200.7,NA,NA,NA,NA,NA,NA'
    )


def portal_rows(*lines: str) -> list[Sample | RejectedRow]:
    body = "\n".join((PORTAL_HEADER, *lines)) + "\n"
    return list(parse(io.BytesIO(body.encode()), as_of=AS_OF, name="portal.csv"))


@pytest.mark.parametrize("result", ["NaN", "nan", "NA", ""])
def test_portal_non_detect_without_a_number_is_a_non_detect(result: str) -> None:
    (nd,) = portal_rows(portal_row("ND", result))
    assert isinstance(nd, Sample) and nd.qualifier == "ND" and nd.non_detect
    assert nd.result is None and nd.value is None and nd.line == 2


@pytest.mark.parametrize("qualifier", ["=", "DNQ", "<", ">", ""])
def test_portal_nan_with_a_detected_qualifier_is_a_rejected_row(qualifier: str) -> None:
    (out,) = portal_rows(portal_row(qualifier, "NaN"))
    assert isinstance(out, RejectedRow) and out.line == 2 and not out.kept
    assert "empty RESULT 'NaN'" in out.reason


def test_portal_nan_non_detect_counts_in_the_average() -> None:
    """One ND (NaN) and one 0.5 mg/L zinc: 0.25 under `zero` (no exceedance of 0.26), 0.5 under `exclude`."""
    out = portal_rows(portal_row("ND", "NaN", sample_id="1"), portal_row("=", "0.5", sample_id="2"))
    assert all(isinstance(r, Sample) for r in out)
    zinc = nal_table()["Zinc"]
    zero = evaluate_year(zinc, "2018-2019", out, "zero")  # type: ignore[arg-type]
    assert (zero.result_count, zero.annual_average, zero.annual_exceedance) == (2, Decimal("0.25"), False)
    exclude = evaluate_year(zinc, "2018-2019", out, "exclude")  # type: ignore[arg-type]
    assert (exclude.result_count, exclude.annual_average, exclude.annual_exceedance) == (1, Decimal("0.5"), True)

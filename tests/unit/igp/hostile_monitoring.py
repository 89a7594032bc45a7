"""A hostile-input corpus for the SMARTS reader, generated in code (issue #14.1): each case is a file and what the
reader must make of it (which lines become samples, which are rejected and why, or which file error). The unit
tests read each case directly; tests/integration/test_monitoring_hostile.py uploads each through the deployed
intake and checks the upload's final state."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from tests.unit.igp.igp_helpers import RAW_HEADER, raw_row

PORTAL_HEADER = (
    "PERMIT_TYPE,WDID,APP_ID,REPORTING_YEAR,REPORT_ID,EVENT_TYPE,MONITORING_LOCATION_NAME,MONITORING_LOCATION_TYPE,"
    "MONITOR_LOCATION_DESCRIPTION,MONITORING_LATITUDE,MONITORING_LONGITUDE,SAMPLE_ID,SAMPLE_DATE,SAMPLE_TIME,"
    "DISCHARGE_START_DATE,DISCHARGE_START_TIME,PARAMETER,RESULT_QUALIFIER,RESULT,UNITS,ANALYTICAL_METHOD,MDL,RL,"
    "DISCHARGE_END_DATE,DISCHARGE_END_TIME,CERTIFIER_NAME,CERTIFIED_DATE"
)


def portal_row(qualifier: str = "=", result: str = "0.5", *, sample_id: str = "77", day: str = "2019-01-05") -> str:
    """One data.ca.gov "Parameter Data" row of zinc, as the portal writes it (fields as text, ISO dates)."""
    return (
        f"Industrial,4 19I000033,1,2018,2,Qualifying Storm Event,DP-1,Effluent Monitoring,NA,34,-118,{sample_id},"
        f'{day},10:00,{day},08:00,"Zinc, Total",{qualifier},{result},mg/L,E200.7,NA,NA,NA,NA,NA,NA'
    )


def raw_body(*rows: str) -> bytes:
    return ("\n".join([RAW_HEADER, *rows]) + "\n").encode()


def portal_body(*rows: str) -> bytes:
    return ("\n".join([PORTAL_HEADER, *rows]) + "\n").encode()


class LongLineStream(io.RawIOBase):
    """`head`, then a line of `length` bytes with no newline until its end, then `tail`: generated as it is read,
    so a test can feed a line far larger than it could afford to build."""

    def __init__(self, head: bytes, length: int, tail: bytes) -> None:
        self._parts = [head]
        self._left = length
        self._tail = tail

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        size = len(buffer)
        if self._parts:
            chunk = self._parts.pop(0)
        elif self._left:
            n = min(size, self._left)
            self._left -= n
            chunk = b"x" * n
        else:
            chunk, self._tail = self._tail, b""
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            raise AssertionError("the whole stream was requested")
        out = bytearray(size)
        n = self.readinto(memoryview(out))
        return bytes(out[:n])


@dataclass(frozen=True)
class Case:
    name: str
    body: bytes
    sample_lines: list[int] = field(default_factory=list)
    rejected_lines: list[int] = field(default_factory=list)
    reasons: tuple[str, ...] = ()
    file_error: str = ""
    stored_before_failure: int = 0

    @property
    def key(self) -> str:
        return f"monitoring/hostile/{self.name}.{'csv' if self.body.startswith(b'PERMIT_TYPE,') else 'txt'}"


def _good(i: int) -> str:
    return raw_row(sample_id=f"G{i}")


CASES: list[Case] = [
    Case("result-1e200", raw_body(_good(1), raw_row(sample_id="B", result="1E+200"), _good(2)),
         [2, 4], [3], ("cannot be stored exactly",)),
    Case("result-41-digits", raw_body(_good(1), raw_row(sample_id="B", result="0." + "1" * 41), _good(2)),
         [2, 4], [3], ("cannot be stored exactly",)),
    Case("result-1e-200-ug", raw_body(raw_row(sample_id="B", result="1E-128", units="ug/L"), _good(1)),
         [3], [2], ("cannot be stored exactly",)),
    Case("year-999", raw_body(raw_row(sample_id="B", sample_date="01/05/0999", reporting_year="999"), _good(1)),
         [3], [2], ("before 1900",)),
    Case("wdid-formula", raw_body(raw_row(sample_id="B", wdid="=cmd|' /C calc'!A0"), _good(1)),
         [3], [2], ("formula",)),
    Case("wdid-not-a-wdid", raw_body(raw_row(sample_id="B", wdid="NOT A WDID"), _good(1)),
         [3], [2], ("not a SMARTS WDID",)),
    Case("text-formulas", raw_body(
        raw_row(sample_id="B1", parameter="=HYPERLINK(\"http://x\")"),
        raw_row(sample_id="+B2"),
        raw_row(sample_id="B3", location="@SUM(A1)"),
        raw_row(sample_id="B4", units="-mg/L"),
        raw_row(sample_id="B5", event_type="=Storm"),
        _good(1)), [7], [2, 3, 4, 5, 6], ("PARAMETER", "SAMPLE_ID", "LOCATION", "UNITS", "EVENT_TYPE")),
    Case("long-line", raw_body(_good(1), "y" * 300_000, _good(2)), [2, 4], [3], ("longer than",)),
    Case("too-many-fields", raw_body(_good(1), _good(9) + "\textra", _good(2)), [2, 4], [3], ("fields instead",)),
    Case("truncated-record", raw_body("\t".join(_good(9).split("\t")[:10]), _good(1), _good(2)),
         [3, 4], [2], ("malformed",)),
    Case("unclosed-quote", portal_body(
        portal_row(sample_id="1"), portal_row(sample_id="2").replace('"Zinc, Total"', '"Zinc, Total'),
        *[portal_row(sample_id=str(i)) for i in range(3, 30)]), [2, *range(4, 31)], [3], ("malformed",)),
    Case("portal-nan-non-detect", portal_body(portal_row("ND", "NaN", sample_id="1"), portal_row("=", "NaN")),
         [2], [3], ("empty RESULT 'NaN'",)),
    Case("utf16-bom", raw_body(_good(1), raw_row(sample_id="2", units="µg/L", result="260")).decode().encode("utf-16"),
         [2, 3]),
    Case("repeated-column", ("\n".join([RAW_HEADER.replace("SAMPLE_ID", "UNITS"), _good(1)]) + "\n").encode(),
         file_error="repeated columns UNITS"),
    Case("latin1", raw_body(_good(1), raw_row(sample_id="2", units="µg/L", result="260")).decode().encode("latin-1"),
         file_error="encoding error at byte", stored_before_failure=1),
    Case("late-bad-byte", raw_body(*[raw_row(sample_id=f"L{i}", description="d" * 2000) for i in range(520)])
         + b"\xff\n", file_error="encoding error at byte", stored_before_failure=520),  # past the first MiB
]  # fmt: skip

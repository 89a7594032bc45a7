"""The fuzzed properties, each a strategy plus a check, shared by the quick tests and the long runner.

`tests/fuzz/test_*.py` run every property with a small, derandomized budget inside `make test`;
`bench/fuzz.py` (`make fuzz`) runs the same checks with fresh seeds until its time box ends. A check raises
`AssertionError` (or lets an unexpected exception escape) when the property fails.
"""

from __future__ import annotations

import functools
import io
import json
import re
import time
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from permitclock.attachments import check_pdf_bytes, validate_attachment
from permitclock.attachments.sniff import detect_format
from permitclock.domain.attachments import AttachmentFileType, FindingCode, ValidationLimits
from permitclock.domain.samples import RejectedRow, Sample
from permitclock.domain.uploads import (
    ATTACHMENTS_PREFIX,
    QUARANTINE_PREFIX,
    attachment_id,
    decode_s3_key,
    parse_attachment_key,
)
from permitclock.errors import BadInput
from permitclock.events import object_events
from permitclock.intake.smarts import RAW_COLUMNS, SmartsReader
from permitclock.rules.programs import PROGRAMS, parse_program_facts, program_module

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
PDF_DIR = SHARED / "pdfs"
SMARTS_RAW = (
    SHARED / "smarts/region1_raw_smarts_sample/Region_1_-_North_Coast_-_Industrial_Ad_Hoc_Reports_-_Parameter_Data.txt"
)

# Fuzzing limits: the production bounds, with a shorter time budget so a hung parse costs less.
LIMITS = ValidationLimits(time_budget_seconds=4.0)
TIME_SLACK_SECONDS = 3.0
"""A verdict must arrive within the time budget plus this (fork, pipe, and a loaded CI machine)."""


@dataclass(frozen=True)
class Property:
    """One fuzzed property: `check(value)` must hold for every `value` drawn from `strategy`."""

    name: str
    strategy: st.SearchStrategy[Any]
    check: Callable[[Any], None]
    ci_examples: int
    needs: Path | None = None
    """A data folder the property draws from; skipped when absent."""


# ---------------------------------------------------------------------------------------------- corpus
@functools.cache
def pdf_corpus() -> tuple[tuple[str, bytes], ...]:
    """(name, bytes) of every corpus file up to 3 MB (the synthetic bombs are small compressed files)."""
    if not PDF_DIR.is_dir():
        return ()
    files = sorted(p for p in PDF_DIR.rglob("*.pdf") if p.stat().st_size <= 3_000_000)
    return tuple((str(p.relative_to(PDF_DIR)), p.read_bytes()) for p in files)


TOKENS = [b"obj", b"endobj", b"stream", b"endstream", b"xref", b"trailer", b"startxref", b"/Root", b"/Pages",
          b"/Kids", b"/Count", b"/Length", b"/Filter", b"/FlateDecode", b"/Prev", b"/Size", b"R", b"<<", b">>",
          b"[", b"]", b"%%EOF", b"/Encrypt", b"/JS", b"/ObjStm", b"/XRefStm"]  # fmt: skip
HOSTILE_NUMBERS = [b"0", b"-1", b"2147483647", b"9223372036854775807", b"99999999999999999999", b"1e308", b"-0"]


@st.composite
def mutated_pdf(draw: st.DrawFn) -> tuple[str, bytes]:
    """A corpus file after 1-4 mutations: bit flips, truncation, splices, token and number swaps."""
    corpus = pdf_corpus()
    name, data = draw(st.sampled_from(corpus))
    buf = bytearray(data)
    ops = []
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "truncate", "splice", "insert", "delete", "token", "number", "dup"]))
        n = len(buf)
        pos = draw(st.integers(0, max(n - 1, 0)))
        if op == "flip" and n:
            buf[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            buf = buf[: draw(st.integers(0, n))]
        elif op == "splice":
            _, other = draw(st.sampled_from(corpus))
            start = draw(st.integers(0, max(len(other) - 1, 0)))
            buf[pos:pos] = other[start : start + draw(st.integers(1, 4096))]
        elif op == "insert":
            buf[pos:pos] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete":
            del buf[pos : pos + draw(st.integers(1, 512))]
        elif op == "token":
            found = buf.find(draw(st.sampled_from(TOKENS)), pos)
            if found >= 0:
                buf[found : found + 1] = draw(st.sampled_from(TOKENS))
        elif op == "number":
            digits = [i for i in range(pos, min(pos + 2000, n)) if 48 <= buf[i] <= 57]
            if digits:
                i = digits[0]
                j = i
                while j < n and 48 <= buf[j] <= 57:
                    j += 1
                buf[i:j] = draw(st.sampled_from(HOSTILE_NUMBERS))
        elif op == "dup" and n:
            chunk = buf[pos : pos + draw(st.integers(1, 2048))]
            buf[pos:pos] = chunk * draw(st.integers(1, 8))
        ops.append(op)
    return f"{name} {'+'.join(ops)}", bytes(buf)


@functools.cache
def sandbox_ready() -> None:
    """Start the sandbox's forkserver (what a threaded pytest-xdist worker forks from) before anything is timed."""
    check_pdf_bytes(b"%PDF-1.4\n", LIMITS)


def check_pdf_verdict(case: tuple[str, bytes]) -> None:
    """`check_pdf_bytes` never raises, answers with known codes, within the time budget."""
    _, data = case
    sandbox_ready()
    started = time.monotonic()
    pages, errors, warnings = check_pdf_bytes(data, LIMITS)
    elapsed = time.monotonic() - started
    assert elapsed < LIMITS.time_budget_seconds + TIME_SLACK_SECONDS, f"verdict took {elapsed:.1f}s"
    codes = {f.code for f in [*errors, *warnings]}
    assert codes <= set(FindingCode)
    assert pages is None or pages >= 0
    if not errors:
        assert pages is not None and 1 <= pages <= LIMITS.max_pages
    for finding in [*errors, *warnings]:
        assert "Traceback" not in finding.message


def check_attachment_verdict(case: tuple[tuple[str, bytes], AttachmentFileType]) -> None:
    """`validate_attachment` never raises; a verdict is ok exactly when it has no errors; codes are known."""
    (_, data), file_type = case
    sandbox_ready()
    started = time.monotonic()
    verdict = validate_attachment(data, file_type, LIMITS)
    assert time.monotonic() - started < LIMITS.time_budget_seconds + TIME_SLACK_SECONDS
    assert verdict.ok == (not verdict.errors)
    assert verdict.size == len(data)
    assert {f.code for f in [*verdict.errors, *verdict.warnings]} <= set(FindingCode)
    if verdict.ok and file_type is not AttachmentFileType.SUPPORTING_DOCUMENTATION:
        assert data.startswith(b"%PDF-")


RAW_BYTES = st.one_of(
    st.binary(max_size=512),
    st.binary(max_size=256).map(lambda b: b"%PDF-" + b),
    st.binary(max_size=256).map(lambda b: b"PK\x03\x04" + b),
    st.binary(max_size=256).map(lambda b: b"\x89PNG\r\n\x1a\n" + b),
    st.text(alphabet=',;\t|"a1\n\r\x00\ufeff', max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


def check_sniff(data: bytes) -> None:
    """Content sniffing never raises on any bytes and is PDF exactly when `%PDF-` starts in the first 1024."""
    fmt = detect_format(data)
    assert (fmt == "pdf") == (b"%PDF-" in data[: 1024 + 4])


# ---------------------------------------------------------------------------------------------- oracle
ACCEPTED_CORPUS = ("normal/", "scanned/", "active/libreoffice-form", "active/libre-office-link", "active/annotated")
"""Corpus files the validator accepts: the bases active content is injected into."""
INJECTED_NAMES = ["JavaScript", "JS", "Launch", "SubmitForm", "ImportData", "OnInstantiate", "AA", "EmbeddedFile",
                  "EmbeddedFiles", "RichMedia", "XFA", "GoToE"]  # fmt: skip


@functools.cache
def accepted_pdfs() -> tuple[tuple[str, bytes], ...]:
    return tuple((name, data) for name, data in pdf_corpus() if name.startswith(ACCEPTED_CORPUS))


@st.composite
def spelled(draw: st.DrawFn, name: str) -> bytes:
    """`/name` with some of its characters hex-escaped (`/J#53`)."""
    chars = [f"#{ord(c):02{draw(st.sampled_from('xX'))}}" if draw(st.booleans()) else c for c in name]
    return ("/" + "".join(chars)).encode()


@st.composite
def injected_pdf(draw: st.DrawFn) -> tuple[str, bytes]:
    """An accepted corpus file with active content put in: a new object, an incremental update, an object
    stream, hex-escaped names, broken tokens next to the action, or a key added to an existing dictionary."""
    base, data = draw(st.sampled_from(accepted_pdfs()))
    name = draw(st.sampled_from(INJECTED_NAMES))
    key = draw(spelled(name))
    action = b"<< /S " + draw(spelled("JavaScript")) + b" " + key + b" (app.alert\\(1\\)) >>"
    broken = draw(st.sampled_from([b"", b")", b"<4G>", b"(", b">", b"#", b"<< " * 3, b"]"]))
    body = draw(st.sampled_from([action, b"<< " + broken + action[3:], action[:-2] + broken + b">>"]))
    number = draw(st.integers(1, 99_999))
    obj = b"%d %d obj\n%s\nendobj\n" % (number, draw(st.sampled_from([0, 0, 1, 65535])), body)
    how = draw(st.sampled_from(["new-object", "incremental", "object-stream", "existing-dict"]))
    if how == "new-object":
        boundaries = [m.end() for m in re.finditer(rb"endobj\s*", data)] or [len(data)]
        at = draw(st.sampled_from(boundaries))
        out = data[:at] + obj + data[at:]
    elif how == "incremental":
        out = data + b"\n" + obj + b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size %d /Prev %d >>\n" % (
            number + 1, max(data.rfind(b"xref"), 0)) + b"startxref\n%d\n%%%%EOF\n" % len(data)  # fmt: skip
    elif how == "object-stream":
        inner = b"%d 0 " % number + body
        packed = zlib.compress(inner)
        header = b"<< /Type /ObjStm /N 1 /First %d /Length %d /Filter /FlateDecode >>" % (
            len(b"%d 0 " % number), len(packed))  # fmt: skip
        out = data + b"\n%d 0 obj\n%s\nstream\n%s\nendstream\nendobj\n" % (number + 1, header, packed)
    else:
        opens = [m.end() for m in re.finditer(rb"\d+ \d+ obj\s*<<", data)] or [len(data)]
        at = draw(st.sampled_from(opens))
        out = data[:at] + b" " + key + b" " + body + b" " + data[at:]
    return f"{base} {how} {name}", out


def check_injected_rejected(case: tuple[str, bytes]) -> None:
    """The oracle: active content put into an accepted file is always rejected as `active_content`."""
    _, data = case
    verdict = validate_attachment(data, AttachmentFileType.LEVEL_2_ERA_TECHNICAL_REPORT, LIMITS)
    codes = [f.code.value for f in verdict.errors]
    assert not verdict.ok, "active content accepted"
    assert "active_content" in codes or codes == ["resource_limit"], codes


# ---------------------------------------------------------------------------------------------- SMARTS
@functools.cache
def smarts_lines() -> tuple[str, ...]:
    if not SMARTS_RAW.is_file():
        return ()
    return tuple(SMARTS_RAW.read_text(encoding="utf-8", errors="replace").splitlines())


HOSTILE_FIELDS = [
    "", "NA", "ND", "=", "<", "DNQ", "6.5", "-1", "1e999", "NaN", "Infinity", "0.0000001", "12/29/2016",
    "2016-12-29", "02/30/2016", "13/01/2020", "1/1/0001", "9999-12-31", "Qualifying Storm Event", "storm", "pH",
    "Zinc, Total (Recoverable)", "mg/L", "ug/L", "SU", "1 08I004046", '"', '""', '"a\tb"', "\r", "\n", "\x00",
    "\ufeff", "2016", "1" * 5000,
]  # fmt: skip
FIELD_TEXT = st.one_of(st.sampled_from(HOSTILE_FIELDS), st.text(max_size=20))


@st.composite
def smarts_file(draw: st.DrawFn) -> bytes:
    """A monitoring file: a real or recoloured header, then real rows, mutated rows and random rows."""
    lines = smarts_lines()
    header_cols = list(RAW_COLUMNS)
    layout = draw(st.sampled_from(["raw", "csv", "access", "junk"]))
    if layout == "raw":
        delimiter = "\t"
        header = "\t".join(header_cols)
    elif layout == "csv":
        delimiter = ","
        header = ",".join(f'"{c.title().replace("_", " ")}"' if draw(st.booleans()) else c for c in header_cols)
    elif layout == "access":
        delimiter = ","
        header = '"WDID","Date/time of sample collection","Parameter","Result","Units","Monitoring Location Latitude"'
        header_cols = ["WDID", "DATE", "PARAMETER", "RESULT", "UNITS", "LAT"]
    else:
        delimiter = draw(st.sampled_from(["\t", ","]))
        header = draw(st.text(max_size=200))
    rows: list[str] = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["real", "mutated", "random", "quoted"]))
        if kind in ("real", "mutated") and len(lines) > 1:
            fields = draw(st.sampled_from(lines[1:])).split("\t")
        else:
            fields = [draw(FIELD_TEXT) for _ in range(draw(st.sampled_from([len(header_cols), 3, 40])))]
        if kind == "mutated" and fields:
            for _ in range(draw(st.integers(1, 3))):
                fields[draw(st.integers(0, len(fields) - 1))] = draw(FIELD_TEXT)
        if kind == "quoted":
            fields = ['"' + f.replace('"', draw(st.sampled_from(['""', '"', '\\"']))) + '"' for f in fields]
        rows.append(delimiter.join(fields))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join([header, *rows])
    bom = "\ufeff" if draw(st.booleans()) else ""
    data = (bom + text).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):  # raw byte damage: invalid UTF-8, NULs
        buf = bytearray(data)
        for _ in range(draw(st.integers(1, 4))):
            if buf:
                buf[draw(st.integers(0, len(buf) - 1))] = draw(st.integers(0, 255))
        data = bytes(buf)
    return data


def check_smarts(data: bytes) -> None:
    """`SmartsReader` raises only `BadInput`: a bad header (`bad_format`), or bytes that are not UTF-8 / UTF-16
    with BOM (`bad_encoding`, also midway, naming a byte offset inside the file); every row is a Sample or a
    RejectedRow with a line."""
    physical = data.count(b"\n") + data.count(b"\r") + 2
    try:
        reader = SmartsReader(io.BytesIO(data), as_of=date(2026, 11, 3), name="fuzz.txt")
        for row in reader:
            assert isinstance(row, (Sample, RejectedRow))
            assert isinstance(row.line, int) and 2 <= row.line <= physical, row
            if isinstance(row, RejectedRow):
                assert row.reason
    except BadInput as err:
        assert err.code in ("bad_format", "bad_encoding"), err
        if err.code == "bad_encoding":
            offset = int(err.message.split("encoding error at byte ")[1].split(":")[0])
            assert 0 <= offset < len(data), err.message


# ---------------------------------------------------------------------------------------------- programs
def _schema_vocabulary(schema: Any, names: set[str], values: set[Any]) -> None:
    if isinstance(schema, dict):
        for key, sub in schema.items():
            if key == "properties" and isinstance(sub, dict):
                names.update(sub)
            if key in ("enum",) and isinstance(sub, list):
                values.update(v for v in sub if isinstance(v, (str, int, float, bool)))
            if key == "const" and isinstance(sub, (str, int, float, bool)):
                values.add(sub)
            _schema_vocabulary(sub, names, values)
    elif isinstance(schema, list):
        for sub in schema:
            _schema_vocabulary(sub, names, values)


@functools.cache
def program_vocabulary() -> tuple[list[str], list[Any]]:
    """Every property name and enum/const value in the programs' input schemas."""
    names: set[str] = set()
    values: set[Any] = set()
    for program in PROGRAMS:
        _schema_vocabulary(program_module(program).FACTS.model_json_schema(), names, values)
    return sorted(names), sorted(values, key=repr)


@st.composite
def program_payload(draw: st.DrawFn) -> tuple[str, Any]:
    names, values = program_vocabulary()
    leaves = st.one_of(
        st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(allow_nan=True),
        st.sampled_from(values or ["x"]), st.text(max_size=12),
        st.sampled_from(["2024-01-02", "2024-02-30", "0001-01-01", "9999-12-31", "1e3", "-5", "NaN", "1" * 400]),
        st.dates().map(str),
    )  # fmt: skip
    payload = draw(
        st.recursive(
            leaves,
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(st.sampled_from(names or ["x"]) | st.text(max_size=5), inner, max_size=7)
            ),
            max_leaves=40,
        )
    )
    return draw(st.sampled_from(sorted(PROGRAMS))), payload


def check_program(case: tuple[str, Any]) -> None:
    """Program intake: obligations, or `BadInput` naming a field path; never anything else."""
    program, payload = case
    try:
        obligations = program_module(program).obligations(parse_program_facts(program, payload), date(2026, 11, 3))
    except BadInput as err:
        assert err.field, err.message
        return
    assert isinstance(obligations, list)


# ---------------------------------------------------------------------------------------------- S3 keys
KEY_TEXT = st.one_of(
    st.text(max_size=80),
    st.text(alphabet="/.%2F0aA \\\x00\n\r\t+-_#?~\u2024\uff0e\u202e", max_size=60),
    st.builds(
        lambda w, r, n: f"{ATTACHMENTS_PREFIX}{w}/{r}/{n}",
        st.sampled_from(["4 19I000033", "5S28I001939", "1 08NEC000169", "4 19I000033\n", "..", "", "4+19I000033"]),
        st.sampled_from(["4501", "4501\n", "..", ".", "a-b_c", "", "x" * 65]) | st.text(max_size=6),
        st.sampled_from(["a.pdf", "..", ".hidden", "a/b", "a\\b", "a\x00b", "n" * 256, "é" * 128])
        | st.text(max_size=20),
    ),
)  # fmt: skip


def check_key(raw: str) -> None:
    """A parsed key's parts hold no separators, traversal or control characters; the quarantine target is
    always directly under `quarantine/`, whatever the key."""
    for key in (raw, decode_s3_key(raw)):
        name = attachment_id("bucket", key, None)
        target = f"{QUARANTINE_PREFIX}{name}"
        assert target.startswith(QUARANTINE_PREFIX) and "/" not in name and len(name) == 24
        try:
            parsed = parse_attachment_key(key)
        except BadInput as err:
            assert err.code == "bad_key"
            continue
        for part in (parsed.wdid, parsed.report_id, parsed.file_name):
            assert part not in ("", ".", "..")
            assert not any(ch in part for ch in "/\\\x00")
            assert not any(unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") for ch in part), repr(part)
            assert not any("\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069" for ch in part), repr(part)
        assert key == f"{ATTACHMENTS_PREFIX}{parsed.wdid}/{parsed.report_id}/{key.rsplit('/', 1)[1]}"


JSON_LEAF = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
S3_RECORD = st.fixed_dictionaries(
    {
        "eventVersion": st.just("2.1"),
        "awsRegion": st.just("us-west-2"),
        "eventTime": st.just("2026-12-02T17:00:00.000Z") | JSON_LEAF,
        "eventName": st.sampled_from(["ObjectCreated:Put", "ObjectRemoved:Delete", "ObjectRemoved:DeleteMarkerCreated"])
        | JSON_LEAF,
        "s3": st.fixed_dictionaries(
            {
                "s3SchemaVersion": st.just("1.0"),
                "configurationId": st.just("c1"),
                "bucket": st.fixed_dictionaries(
                    {"name": st.text(max_size=10) | JSON_LEAF, "arn": st.just("arn:aws:s3:::b"),
                     "ownerIdentity": st.just({"principalId": "A1"})},
                ),
                "object": st.fixed_dictionaries(
                    {"key": KEY_TEXT | JSON_LEAF},
                    optional={"size": st.integers() | JSON_LEAF, "eTag": st.text(max_size=8) | JSON_LEAF,
                              "versionId": JSON_LEAF, "sequencer": JSON_LEAF},
                ),
            }
        )
        | JSON_LEAF,
        "userIdentity": st.just({"principalId": "AWS:A1"}),
        "requestParameters": st.just({"sourceIPAddress": "203.0.113.1"}),
        "responseElements": st.just({"x-amz-request-id": "r", "x-amz-id-2": "i"}),
    },
)  # fmt: skip
EVENT_BODY = st.one_of(
    st.text(max_size=100),
    st.lists(S3_RECORD, max_size=3).map(lambda rs: json.dumps({"Records": rs})),
    st.recursive(
        JSON_LEAF, lambda i: st.lists(i, max_size=3) | st.dictionaries(st.text(max_size=8), i, max_size=3)
    ).map(json.dumps),
    st.sampled_from(['{"Event": "s3:TestEvent"}', "[" * 50_000, '{"Records": [' * 10_000, "1" * 5000, "\ud800"]),
)


def check_object_events(body: str) -> None:
    """`object_events` returns events or raises `BadInput`, for any message body."""
    try:
        events = object_events(body)
    except BadInput as err:
        assert err.code == "bad_event"
        return
    for event in events:
        assert event.kind in ("created", "removed")


# ---------------------------------------------------------------------------------------------- registry
# ---------------------------------------------------------------------------------------------- API
API_SEGMENT = st.one_of(
    st.sampled_from(["5S34I025848", "4 19I000033", "961116", "777001", "961116-U1", "..", "%2F", "%00", "x" * 300]),
    st.text(max_size=12),
)
API_TEMPLATES = [
    "/facilities", "/facilities/{}/reports", "/facilities/{}/obligations", "/facilities/{}/reports/{}",
    "/facilities/{}/members/{}", "/qisps", "/openapi.json", "/facilities/{}/reports/{}/demonstrations",
    "/facilities/{}/reports/{}/qisp", "/facilities/{}/reports/{}/completion-check",
    "/facilities/{}/reports/{}/send-to-certifier", "/facilities/{}/reports/{}/certify",
    "/facilities/{}/reports/{}/updates", "/facilities/{}/reports/{}/updates/{}/certify",
    "/facilities/{}/reports/{}/extension", "/facilities/{}/reports/{}/regional-board-extension", "/{}",
]  # fmt: skip
API_KEYS = ["role", "demonstrations", "certificate_number", "certification_accepted", "certifier_title", "reason",
            "attachment_id", "approval_letter_attachment_id", "new_due", "email", "name", "title",
            "eauthorization_on_file", "x"]  # fmt: skip
API_JSON = st.recursive(
    JSON_LEAF | st.sampled_from(["2027-09-01", "LRP", "DEP", "F09876", "Total Suspended Solids (TSS)", "1" * 5000]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(API_KEYS), inner, max_size=5),
    max_leaves=12,
)
API_BODY = st.one_of(
    st.none(),
    API_JSON.map(json.dumps),
    st.text(max_size=40),
    st.sampled_from(["[" * 5000, '{"reason": ' + "9" * 5000 + "}", "x" * 70_000, '{"a": "' + "y" * 66_000 + '"}']),
)
CLAIMS = st.one_of(
    st.sampled_from(["user-lrp", "user-dep", "user-viewer", "b-user-lrp", "nobody"]).map(lambda s: {"sub": s}),
    st.dictionaries(st.sampled_from(["sub", "email", "name"]), JSON_LEAF | st.text(max_size=300), max_size=3),
    JSON_LEAF,
)


@st.composite
def api_request(draw: st.DrawFn) -> dict[str, Any]:
    template = draw(st.sampled_from(API_TEMPLATES))
    path = template.format(*(draw(API_SEGMENT) for _ in range(template.count("{}"))))
    body = draw(API_BODY)
    b64 = draw(st.booleans()) and body is not None
    if b64:
        import base64

        body = base64.b64encode(body.encode("utf-8", "surrogatepass")).decode() if draw(st.booleans()) else body
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "queryStringParameters": draw(
            st.none()
            | st.dictionaries(st.sampled_from(["last_name", "zip", "certificate", "q"]), st.text(max_size=120))
        ),
        "headers": draw(st.sampled_from([{"content-type": "application/json"}, {}, None])),
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "http": {"method": draw(st.sampled_from(["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"])),
                     "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "fuzz"},
            "requestId": "req-fuzz",
            "routeKey": "$default",
            "stage": "$default",
            "timeEpoch": 1793800800000,
            "authorizer": draw(st.sampled_from(["jwt", "none", "null"]).map(
                lambda k: {"jwt": {"claims": None, "scopes": None}} if k == "null" else ({} if k == "none" else None)
            )) or {"jwt": {"claims": draw(CLAIMS), "scopes": None}},
        },
        "body": body,
        "isBase64Encoded": b64,
    }  # fmt: skip


def check_api(request: dict[str, Any]) -> None:
    """Any request against the in-memory API gets a 2xx/4xx answer; errors are `{code, message}`."""
    from tests.unit.api.conftest import make_api

    response = make_api().app.resolve(request, {})
    status = int(response["statusCode"])
    assert status < 500, response
    if status >= 400 and response.get("body"):
        assert set(json.loads(response["body"])) == {"code", "message"}
    claims = (request["requestContext"].get("authorizer") or {}).get("jwt") or {}
    sub = (claims.get("claims") or {}).get("sub") if isinstance(claims.get("claims"), dict) else None
    if not (isinstance(sub, str) and sub.strip()) and status < 400:
        assert request["rawPath"] == "/openapi.json" or response.get("body") is None, "no identity, yet answered"


PROPERTIES: dict[str, Property] = {
    p.name: p
    for p in [
        Property("pdf_check", mutated_pdf(), check_pdf_verdict, ci_examples=40, needs=PDF_DIR),
        Property(
            "validate_attachment",
            st.tuples(mutated_pdf(), st.sampled_from(list(AttachmentFileType))),
            check_attachment_verdict,
            ci_examples=25,
            needs=PDF_DIR,
        ),
        Property("injected_active_content", injected_pdf(), check_injected_rejected, ci_examples=30, needs=PDF_DIR),
        Property("sniff", RAW_BYTES, check_sniff, ci_examples=300),
        Property("smarts", smarts_file(), check_smarts, ci_examples=120),
        Property("program_json", program_payload(), check_program, ci_examples=150),
        Property("s3_key", KEY_TEXT, check_key, ci_examples=300),
        Property("object_events", EVENT_BODY, check_object_events, ci_examples=300),
        Property("api", api_request(), check_api, ci_examples=300),
    ]
}

"""Through the local stack: no e-mail address, uploaded file name or JWT in any log line of a demo run, and no
upload key, however hostile, makes the pipeline write outside `attachments/` and `quarantine/`."""

from __future__ import annotations

import base64
import json
import logging
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, unquote_plus

import pytest
from permitclock import observability
from permitclock.adapters.facilities import FacilityDirectory
from permitclock.domain.members import Member

from infra.moto_gaps import notification
from infra.sent_mail import sent_emails
from tests.integration.conftest import Stack, local  # noqa: F401  (the local-stack fixture)

pytestmark = pytest.mark.stack

WDID = "4 19I000033"
UPLOADER = "secret.uploader@consultants.example"
SIGNATORIES = ("lrp.person@harbor.example", "dar.person@harbor.example")
BAD_NAME = "Confidential-Zinc-Findings-Q3.pdf"
GOOD_NAME = "Harbor-Technical-Report-Final.pdf"
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
ALLOWED_ADDRESSES = {"notices@permitclock.example"}
"""The sender identity is configuration, not personal data."""


def _jwt(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'kid': 'k1'})}.{part(claims)}.c2lnbmF0dXJl"


TOKEN = _jwt({"sub": "user-lrp", "email": SIGNATORIES[0]})


def _production(record: logging.LogRecord) -> bool:
    """A record Lambda would keep: INFO and up (POWERTOOLS_LOG_LEVEL), not the moto stand-in's own logs."""
    return record.levelno >= logging.INFO and not record.name.startswith("moto")


@pytest.fixture
def log_lines(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every record any logging handler formats (powertools' JSON lines included), as the handler writes it."""
    lines: list[str] = []
    original = logging.Handler.handle

    def handle(self: logging.Handler, record: logging.LogRecord) -> Any:
        if not _production(record):
            return original(self, record)
        try:
            lines.append(self.format(record))
        except Exception:  # a formatter that fails here fails for real too; keep the raw record
            lines.append(f"{record.getMessage()} {record.__dict__}")
        return original(self, record)

    monkeypatch.setattr(logging.Handler, "handle", handle)
    yield lines


def _demo_run(local: Stack, good_pdf: bytes) -> None:  # noqa: F811
    directory = FacilityDirectory(local.table)
    directory.put_profile(WDID, "Harbor Plating Works")
    directory.put_member(Member(wdid=WDID, user_id="user-lrp", role="LRP", email=SIGNATORIES[0]))
    directory.put_member(Member(wdid=WDID, user_id="dar-1", role="DAR", email=SIGNATORIES[1]))
    metadata = {"file-type": "Level 2 ERA Technical Report", "title": "TR", "uploaded-by": UPLOADER}
    local.s3.put_object(Bucket=local.bucket, Key=f"attachments/{WDID}/77/{BAD_NAME}", Body=b"\x89PNG\r\n\x1a\n" * 9,
                        Metadata=metadata)  # fmt: skip
    local.s3.put_object(Bucket=local.bucket, Key=f"attachments/{WDID}/77/{GOOD_NAME}", Body=good_pdf,
                        Metadata=metadata)  # fmt: skip
    local.s3.put_object(Bucket=local.bucket, Key=f"attachments/{WDID}/77/bad\x01{BAD_NAME}", Body=b"x",
                        Metadata={**metadata, "uploaded-by": "not-an-address"})  # fmt: skip
    local.runner.drain()
    if "ApiFunction" in local.stack.functions:
        for path in ("/facilities", f"/facilities/{WDID}/reports", "/facilities/x/reports/y/certify"):
            event = {
                "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
                "headers": {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"},
                "requestContext": {"http": {"method": "GET", "path": path, "sourceIp": "192.0.2.1"},
                                   "requestId": "r1", "stage": "$default", "timeEpoch": 0,
                                   "authorizer": {"jwt": {"claims": {"sub": "user-lrp", "email": SIGNATORIES[0]},
                                                          "scopes": None}}},
                "body": json.dumps({"email": UPLOADER}), "isBase64Encoded": False,
            }  # fmt: skip
            try:
                local.runner.invoke("ApiFunction", event)
            except Exception:  # the API's own tests cover its answers; here only its logs matter
                logging.getLogger(__name__).debug("api invoke failed")


def test_no_personal_data_or_tokens_in_logs(
    local: Stack,  # noqa: F811
    shared_data: Path,
    log_lines: list[str],
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.INFO)
    _demo_run(local, (shared_data / "pdfs/normal/pdflatex-4-pages.pdf").read_bytes())

    sent = {to for e in sent_emails() for to in e.to}
    assert {UPLOADER, *SIGNATORIES} <= sent, "the run must actually have handled the addresses it checks for"
    captured = capsys.readouterr()
    records = [f"{r.getMessage()} {r.__dict__}" for r in caplog.records if _production(r)]
    texts = [*log_lines, *records, captured.out, captured.err]
    assert any("attachment handled" in t for t in texts), "no handler log was captured: the capture is broken"
    for text in texts:
        leaked = set(EMAIL.findall(text)) - ALLOWED_ADDRESSES
        assert not leaked, f"e-mail address in a log line: {text[:300]}"
        assert BAD_NAME not in text and GOOD_NAME not in text, f"uploaded file name in a log line: {text[:300]}"
        assert not JWT.search(text), f"JWT in a log line: {text[:300]}"
        assert "Harbor Plating Works" not in text, f"facility name in a log line: {text[:300]}"


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every metric the handlers add (the local runner disables powertools' EMF output, not the calls)."""
    counts: Counter[str] = Counter()

    def add_metric(name: str, unit: Any, value: float, **_: Any) -> None:
        counts[name] += int(value)

    monkeypatch.setattr(observability.metrics, "add_metric", add_metric)
    return counts


def test_the_run_is_counted_and_every_line_is_structured(
    local: Stack,  # noqa: F811
    shared_data: Path,
    log_lines: list[str],
    counted: Counter[str],
) -> None:
    _demo_run(local, (shared_data / "pdfs/normal/pdflatex-4-pages.pdf").read_bytes())

    assert (counted["uploads_accepted"], counted["uploads_rejected"]) == (1, 2)
    assert counted["notices_sent"] == len(sent_emails()) >= 3
    ours = [line for line in log_lines if '"service"' in line or "permitclock" in line]
    assert ours and all(line.startswith("{") for line in ours), [line for line in ours if line[:1] != "{"][:3]
    lines = [json.loads(line) for line in ours]
    said = {(line["service"], line["message"]) for line in lines}
    # the mailer's own lines, once the standard library's, carry the notifier's service and their fields
    assert ("notifier", "sent") in said and ("attachment-validator", "attachment handled") in said
    assert all(line["attempts"] >= 1 for line in lines if line["message"] == "sent")


HOSTILE_KEYS = [
    f"attachments/{WDID}\n/77/a.pdf",
    f"attachments/{WDID}/77\n/a.pdf",
    f"attachments/{WDID}/../quarantine/a.pdf",
    f"attachments/{WDID}/77/..",
    f"attachments/{WDID}/77/a/../../../../etc/passwd",
    f"attachments/{WDID}/77/a\\..\\..\\b.pdf",
    f"attachments/{WDID}/77/%2e%2e%2fquarantine%2fx.pdf",
    f"attachments/{WDID}/77/a\x00.pdf",
    f"attachments/{WDID}/77/a\x85b.pdf",
    f"attachments/{WDID}/77/report\u202efdp.exe",
    f"attachments/{WDID}/77/" + "n" * 300,
    f"attachments/{WDID}/77/.hidden.pdf",
    "attachments/quarantine/77/a.pdf",
    f"attachments/{WDID}/77/a+b%20c.pdf",
]


def test_hostile_keys_stay_inside_their_prefixes(local: Stack) -> None:  # noqa: F811
    metadata = {"file-type": "Level 2 ERA Technical Report", "title": "TR"}
    queue = local.stack.queue_url("DocumentEventsQueue")
    bodies = []
    for key in HOSTILE_KEYS:
        put = local.s3.put_object(Bucket=local.bucket, Key=key, Body=b"%PDF-1.4 not really", Metadata=metadata)
        body = notification(local.bucket, quote_plus(key, safe=""), size=19, e_tag=put["ETag"].strip('"'),
                            version_id=put["VersionId"])  # fmt: skip
        bodies.append(json.dumps(body))
    # moto does not notify for every one of these keys; send each event as S3 would (key URL-encoded).
    local.sqs.purge_queue(QueueUrl=queue)
    for body in bodies:
        local.sqs.send_message(QueueUrl=queue, MessageBody=body)

    totals = local.runner.drain(only={"AttachmentValidatorFunction"})

    assert totals.failed == 0, "a hostile key failed its batch instead of being rejected"
    # Current objects only (moto's ListObjectVersions fails on keys with control characters): every hostile
    # upload was moved out of attachments/ and nothing but generated quarantine names exists anywhere else.
    listing = local.s3.list_objects_v2(Bucket=local.bucket, EncodingType="url")
    keys = {unquote_plus(o["Key"]) for o in listing.get("Contents", [])}
    assert all(re.fullmatch(r"quarantine/[0-9a-f]{24}", k) for k in keys), sorted(keys)
    assert len(keys) == len(HOSTILE_KEYS), "every hostile upload is quarantined once, under a generated name"

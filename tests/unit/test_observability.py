"""One Logger, Tracer and Metrics (`permitclock.observability`): every function and module logs through it."""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from permitclock import observability

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*ROOT.glob("functions/*/app.py"), *(ROOT / "layers/permitclock/permitclock").rglob("*.py")]
OWN = ROOT / "layers/permitclock/permitclock/observability.py"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_else_makes_a_logger_tracer_or_metrics(path: Path) -> None:
    if path == OWN:
        return
    text = path.read_text()
    assert not re.search(r"logging\.getLogger|\b(Logger|Tracer|Metrics)\(", text), "use permitclock.observability"


def test_every_handler_is_observed() -> None:
    handlers = list(ROOT.glob("functions/*/app.py"))
    assert len(handlers) >= 12
    assert all(re.search(r"^@observed\b", p.read_text(), re.MULTILINE) for p in handlers)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    counts: Counter[str] = Counter()
    monkeypatch.setattr(observability.metrics, "add_metric", lambda name, unit, value: counts.update({name: value}))
    return counts


def test_an_upload_counts_its_verdict_and_rejected_rows(counted: Counter[str]) -> None:
    observability.count_upload("accepted", rows_rejected=3)
    observability.count_upload("rejected")
    observability.count_upload("duplicate")  # a redelivery: counted apart from the verdicts
    assert counted == {"uploads_accepted": 1, "uploads_rejected": 1, "uploads_duplicate": 1, "rows_rejected": 3}


class _Context:
    function_name = "fn"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-west-2:123456789012:function:fn"
    aws_request_id = "req-1"


def test_each_invocation_logs_json_under_its_own_service(monkeypatch: pytest.MonkeyPatch) -> None:
    """Locally every function shares one process (and one logger): the line names the function invoked."""
    lines: list[str] = []

    class Lines(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Lines()
    handler.setFormatter(observability.logger.registered_formatter)
    observability.logger.addHandler(handler)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")

    @observability.observed
    def handle(event: dict[str, Any], context: Any) -> str:
        observability.logger.info("done", wdid=event["wdid"])
        observability.count("invocations")
        return "ok"

    try:
        for service in ("notifier", "deadline-sweep"):
            monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", service)
            assert handle({"wdid": "4 19I000033"}, _Context()) == "ok"
    finally:
        observability.logger.removeHandler(handler)
    parsed = [json.loads(line) for line in lines]
    assert [(p["service"], p["message"], p["wdid"], p["function_request_id"]) for p in parsed] == [
        ("notifier", "done", "4 19I000033", "req-1"),
        ("deadline-sweep", "done", "4 19I000033", "req-1"),
    ]

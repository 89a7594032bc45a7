"""Email rendering: Jinja2 templates (HTML autoescaped, plain text beside it) for each notice kind.

The facts of each kind are a pydantic model (`domain.notices.FACTS_OF`): the producer builds it into its
`NoticeRequest` and the notifier calls `render_request(request, ...)`. Subjects are built here, one line,
never from a template.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, ValidationError

from permitclock.domain.calendar_tokens import FeedLink
from permitclock.domain.notices import (
    FACTS_OF,
    AttachmentRejectedFacts,
    CalendarUpdateFacts,
    DigestFacts,
    LevelsDisagreementFacts,
    NoticeKind,
    NoticeRequest,
    OutlookWorsenedFacts,
    ReminderFacts,
    ReportChangedFacts,
    SentForCertificationFacts,
)
from permitclock.errors import BadInput
from permitclock.notices.guide import extension_step, guide_for

TEMPLATES_DIR = Path(__file__).parent / "templates"
SUBJECT_PREFIX = "[permitclock]"
DISCLAIMER = (
    "This is a reminder from permitclock, not a formal notice from the State Water Resources Control "
    "Board or a Regional Water Board. Emails from SMARTS are not formal notice either: the Discharger "
    "remains responsible for tracking its Exceedance Response Actions and submitting them on time."
)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def days_phrase(due: date, today: date) -> str:
    """`due in 30 days`, `due tomorrow`, `due today`, `1 day overdue`, `14 days overdue`."""
    left = (due - today).days
    if left > 1:
        return f"due in {left} days"
    if left == 1:
        return "due tomorrow"
    if left == 0:
        return "due today"
    return "1 day overdue" if left == -1 else f"{-left} days overdue"


def long_date(d: date) -> str:
    """`Thursday, January 1, 2026`."""
    return f"{d:%A}, {d:%B} {d.day}, {d.year}"


def one_line(text: str, limit: int = 200) -> str:
    """Header-safe: control characters and runs of whitespace become one space; cut to `limit` characters."""
    flat = re.sub(r"[\s\x00-\x1f\x7f]+", " ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["long_date"] = long_date
    env.globals["days_phrase"] = days_phrase
    env.globals["guide_for"] = guide_for
    env.filters["parameter"] = parameter_text
    return env


def parse_facts(kind: NoticeKind | str, facts: Mapping[str, Any] | BaseModel) -> BaseModel:
    """Validate a notice's facts for its kind; raises `BadInput` (code `bad_notice_facts`) naming the
    field."""
    model = FACTS_OF.get(kind)
    if model is None:
        raise BadInput(f"unknown notice kind {kind!r}", code="bad_notice_kind")
    if isinstance(facts, model):
        return facts
    raw = facts.model_dump() if isinstance(facts, BaseModel) else dict(facts)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or None
        raise BadInput(
            f"invalid {kind} facts: {first.get('msg', 'invalid value')}", code="bad_notice_facts", field=field
        ) from None


def render_notice(
    kind: NoticeKind | str,
    facts: Mapping[str, Any] | BaseModel,
    *,
    role: str | None = None,
    copy: bool = False,
    app_url: str | None = None,
    feeds: Sequence[FeedLink] = (),
) -> RenderedEmail:
    """Subject, text and HTML of one notice for one addressee (`role`, and `copy` when sent as a courtesy
    copy); `feeds` are the addressee's calendar subscription links, shown at the end."""
    parsed = parse_facts(kind, facts)
    context: dict[str, Any] = {
        "f": parsed,
        "role": role,
        "copy": copy,
        "app_url": app_url,
        "feeds": feeds,
        "disclaimer": DISCLAIMER,
    }
    context.update(_extra_context(parsed))
    return RenderedEmail(
        subject=_subject(parsed),
        text=_environment().get_template(f"{kind}.txt.j2").render(context),
        html=_environment().get_template(f"{kind}.html.j2").render(context),
    )


def render_request(
    request: NoticeRequest,
    *,
    facility_name: str,
    role: str | None = None,
    copy: bool = False,
    app_url: str | None = None,
    feeds: Sequence[FeedLink] = (),
) -> RenderedEmail:
    """Render a queued `NoticeRequest`: its facts, with the request's WDID and the facility's name where the
    producer left them empty (a digest spans facilities: it names each in its entries)."""
    facts = request.facts
    if isinstance(facts, CalendarUpdateFacts):
        raise BadInput("a calendar update rewrites feeds: it is not an email", code="bad_notice_kind")
    if not isinstance(facts, DigestFacts):
        facts = facts.model_copy(
            update={"wdid": facts.wdid or request.wdid, "facility_name": facts.facility_name or facility_name}
        )
    return render_notice(request.kind, facts, role=role, copy=copy, app_url=app_url, feeds=feeds)


def parameter_text(subject: str) -> str:
    """The parameter as shown: facility-level obligations (subject `facility`) read `Facility-wide`."""
    return "Facility-wide" if subject.strip().lower() == "facility" else subject


def _extra_context(facts: BaseModel) -> dict[str, Any]:
    if isinstance(facts, ReminderFacts):
        guide = guide_for(facts.obligation_type)
        left = (facts.due - facts.today).days
        held = facts.obligation.facts if facts.obligation is not None else {}
        more_time = extension_step(facts.obligation_type, facts.due, facts.today, held)
        return {
            "label": guide.label,
            "next_step": facts.next_step or " ".join(filter(None, (guide.next_step, more_time))),
            "phrase": days_phrase(facts.due, facts.today),
            "overdue": left < 0,
        }
    if isinstance(facts, DigestFacts):
        steps: dict[str, str] = {}
        for group in facts.groups:
            for entry in group.entries:
                guide = guide_for(entry.obligation_type)
                steps.setdefault(guide.label, guide.next_step)
        return {"next_steps": sorted(steps.items())}
    return {}


def _subject(facts: BaseModel) -> str:
    if isinstance(facts, ReminderFacts):
        label = guide_for(facts.obligation_type).label
        text = (
            f"{label} {days_phrase(facts.due, facts.today)}: "
            f"{one_line(facts.facility_name, 60)} ({facts.wdid}, "
            f"{one_line(parameter_text(facts.parameter), 60)})"
        )
    elif isinstance(facts, DigestFacts):
        count = sum(len(g.entries) for g in facts.groups)
        overdue = sum(len(g.entries) for g in facts.groups if g.urgency == "overdue")
        text = f"Daily digest for {long_date(facts.day)}: {count} open item{'s' if count != 1 else ''}"
        if overdue:
            text += f", {overdue} overdue"
    elif isinstance(facts, AttachmentRejectedFacts):
        text = f"Attachment rejected for report {facts.report_id}: {one_line(facts.facility_name, 60)} ({facts.wdid})"
    elif isinstance(facts, SentForCertificationFacts):
        text = (
            f"Ready for your certification: {one_line(facts.display_name, 80)} ({facts.report_id}), "
            f"{one_line(facts.facility_name, 60)} ({facts.wdid})"
        )
    elif isinstance(facts, ReportChangedFacts):
        what = f"due {long_date(facts.due)}" if facts.change == "due_moved" else "certified and submitted"
        text = f"Report {facts.report_id} {what}: {one_line(facts.facility_name, 60)} ({facts.wdid})"
    elif isinstance(facts, LevelsDisagreementFacts):
        count = len(facts.disagreements)
        text = (
            f"SMARTS and permitclock disagree on {count} Level{'s' if count != 1 else ''}: "
            f"{one_line(facts.facility_name, 60)} ({facts.wdid})"
        )
    elif isinstance(facts, OutlookWorsenedFacts):
        state = "exceedance certain" if facts.state == "exceedance_certain" else facts.state.replace("_", " ")
        text = (
            f"{one_line(facts.parameter, 60)} {facts.reporting_year}: {state}, "
            f"{one_line(facts.facility_name, 60)} ({facts.wdid})"
        )
    else:  # pragma: no cover - FACTS_OF is closed
        raise TypeError(type(facts).__name__)
    return one_line(f"{SUBJECT_PREFIX} {text}", 250)

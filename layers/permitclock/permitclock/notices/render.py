"""Email rendering: Jinja2 templates (HTML autoescaped, plain text beside it) for each notice kind.

The facts of each kind are a pydantic model: the producer builds it (or a dict of its JSON form travels in
`NoticeRequest.facts`) and the notifier calls `render_notice(kind, facts, ...)`. Subjects are built here, one
line, never from a template.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

from permitclock.domain.notices import NoticeKind, NoticeRequest
from permitclock.domain.obligations import Obligation
from permitclock.errors import BadInput
from permitclock.notices.digest import DigestGroup
from permitclock.notices.guide import guide_for

TEMPLATES_DIR = Path(__file__).parent / "templates"
SUBJECT_PREFIX = "[permitclock]"
DISCLAIMER = (
    "This is a reminder from permitclock, not a formal notice from the State Water Resources Control "
    "Board or a Regional Water Board. Emails from SMARTS are not formal notice either: the Discharger "
    "remains responsible for tracking its Exceedance Response Actions and submitting them on time."
)


class ReminderFacts(BaseModel):
    """A deadline reminder for one obligation, as seen on `today`."""

    model_config = ConfigDict(frozen=True)

    obligation_id: str
    program: str = "igp"
    obligation_type: str
    wdid: str
    facility_name: str
    parameter: str
    due: date
    today: date
    step_id: str
    section: str = ""
    period: str = ""
    report_id: str | None = None
    next_step: str | None = Field(
        default=None, description="overrides the guide's next step for this obligation type"
    )

    @classmethod
    def from_obligation(
        cls,
        obligation: Obligation,
        *,
        facility_name: str,
        today: date,
        step_id: str,
        report_id: str | None = None,
    ) -> ReminderFacts:
        due = obligation.due or obligation.window_end
        if due is None:
            raise ValueError("a reminder needs a dated obligation")
        return cls(
            obligation_id=obligation.obligation_id,
            program=obligation.program,
            obligation_type=obligation.type,
            wdid=obligation.facility_id,
            facility_name=facility_name,
            parameter=obligation.subject,
            due=due,
            today=today,
            step_id=step_id,
            section=obligation.section,
            period=obligation.period,
            report_id=report_id,
        )


class DigestFacts(BaseModel):
    """One person's daily digest (see `notices.digest.build_digests`)."""

    day: date
    recipient_name: str | None = None
    groups: list[DigestGroup]


class RejectionReason(BaseModel):
    code: str
    message: str


class AttachmentRejectedFacts(BaseModel):
    """An uploaded attachment the validator rejected (`reasons` also read from the intake's `errors`)."""

    wdid: str
    facility_name: str
    report_id: str
    file_name: str
    file_type: str | None = None
    reasons: list[RejectionReason] = Field(
        default_factory=list, validation_alias=AliasChoices("reasons", "errors")
    )


class SentForCertificationFacts(BaseModel):
    """A report sent to the LRP/DARs for certification after a passing completion check."""

    wdid: str
    facility_name: str
    report_id: str
    report_name: str | None = None
    report_type: str | None = None
    reporting_year: str | None = None
    due: date | None = None
    sent_by: str | None = Field(default=None, description="the sender's name (not an address)")
    sent_on: date | None = None
    parameters: list[str] = Field(default_factory=list)

    @property
    def display_name(self) -> str:
        if self.report_name:
            return self.report_name
        name = self.report_type or "Report"
        return f"{name} for {self.reporting_year}" if self.reporting_year else name


FACTS_MODELS: dict[str, type[BaseModel]] = {
    "deadline_reminder": ReminderFacts,
    "daily_digest": DigestFacts,
    "attachment_rejected": AttachmentRejectedFacts,
    "report_sent_for_certification": SentForCertificationFacts,
}


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
        autoescape=select_autoescape(
            enabled_extensions=("html.j2",), default_for_string=False, default=False
        ),
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
    model = FACTS_MODELS.get(kind)
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
) -> RenderedEmail:
    """Subject, text and HTML of one notice for one addressee (`role`, and `copy` when sent as a courtesy
    copy)."""
    parsed = parse_facts(kind, facts)
    context: dict[str, Any] = {
        "f": parsed,
        "role": role,
        "copy": copy,
        "app_url": app_url,
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
) -> RenderedEmail:
    """Render a queued `NoticeRequest`: its facts plus the facility's WDID (from the request) and name."""
    facts = {"wdid": request.wdid, "facility_name": facility_name, **request.facts}
    return render_notice(request.kind, facts, role=role, copy=copy, app_url=app_url)


def parameter_text(subject: str) -> str:
    """The parameter as shown: facility-level obligations (subject `facility`) read `Facility-wide`."""
    return "Facility-wide" if subject.strip().lower() == "facility" else subject


def _extra_context(facts: BaseModel) -> dict[str, Any]:
    if isinstance(facts, ReminderFacts):
        guide = guide_for(facts.obligation_type)
        left = (facts.due - facts.today).days
        return {
            "label": guide.label,
            "next_step": facts.next_step or guide.next_step,
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
        text = (
            f"Attachment rejected for report {facts.report_id}: "
            f"{one_line(facts.facility_name, 60)} ({facts.wdid})"
        )
    elif isinstance(facts, SentForCertificationFacts):
        text = (
            f"Ready for your certification: {one_line(facts.display_name, 80)} ({facts.report_id}), "
            f"{one_line(facts.facility_name, 60)} ({facts.wdid})"
        )
    else:  # pragma: no cover - FACTS_MODELS is closed
        raise TypeError(type(facts).__name__)
    return one_line(f"{SUBJECT_PREFIX} {text}", 250)

"""The rule-pack shape every program shares: facts and events in, obligations and windows out.

A program (the IGP, 35 Ill. Adm. Code 725.243, 30 TAC 115, ...) is a module whose pure functions return
`Obligation` items. The sweep, notices, calendars and API handle only this shape, so adding a program never
changes them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ObligationStatus = Literal["pending", "open", "closed"]


class Obligation(BaseModel):
    """Something a regulated party must do by a date, or a window during which something may or may not happen.

    `due` is the deadline (or the first day something becomes possible, for `no_cancellation_before`);
    `window_start`/`window_end` bound a window when the rule defines one. `status` is `pending` while a fact the
    rule needs (e.g. one of two receipt dates) is still unknown, `open` while the duty stands, `closed` when met.
    `report_id` names the report whose certification closes it (`rules.igp.obligations.report_id_for`); an
    obligation without one is closed by `POST .../obligations/{id}/complete` or by its program's facts.
    """

    model_config = ConfigDict(frozen=True)

    program: str
    type: str
    facility_id: str
    subject: str = Field(description="what the duty is about: a parameter, a mechanism id, a stream, a loan")
    due: date | None = None
    window_start: date | None = None
    window_end: date | None = None
    section: str = Field(description="the regulation section the rule comes from")
    status: ObligationStatus = "open"
    period: str = Field("", description="what distinguishes repeats: a reporting year, an event date")
    amount: Decimal | None = None
    facts: dict[str, Any] = Field(default_factory=dict, description="the facts the rule used (evidence)")
    report_id: str | None = Field(default=None, description="the report that discharges it (an IGP ERA report), if any")

    @model_validator(mode="after")
    def _dated_unless_pending(self) -> Obligation:
        if self.status != "pending" and self.due is None and self.window_end is None:
            raise ValueError("an open or closed obligation needs a due date or a window end")
        return self

    @property
    def obligation_id(self) -> str:
        """Stable id: the same facts always give the same id (idempotent writes, stable calendar UIDs)."""
        return f"{self.program}:{self.facility_id}:{self.subject}:{self.type}:{self.period}"

    def stored_fields(self) -> dict[str, Any]:
        """The obligation as its table item holds it, beside keys and indexes: the id and every field that is
        set, in JSON form (dates ISO, amounts exact decimal strings). `permitclock obligations` prints this."""
        fields = {k: v for k, v in self.model_dump(mode="json").items() if v is not None}
        return {"obligation_id": self.obligation_id, **fields}

"""The reminder schedule: which policy step fires on a given day for a due date, with the catch-up rule.

Pure functions of (due date, today, policy, closed?). Step ids are stable strings (`before-60`, `due`,
`overdue-1`, `overdue-7`, `overdue-14`, ...) and are part of the notice id, so the send claim
(`NOTICE#{notice id}` / `TO#{recipient hash}`) makes each step go out once per recipient.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from permitclock.notices.policy import ReminderPolicy

StepKind = Literal["before", "due", "overdue"]


@dataclass(frozen=True, order=True)
class ReminderStep:
    """One step of the policy. `offset` is days from the due date: negative before it, 0 on it, positive
    after."""

    offset: int

    @property
    def step_id(self) -> str:
        """Stable id: `before-N`, `due` or `overdue-N`."""
        if self.offset < 0:
            return f"before-{-self.offset}"
        if self.offset == 0:
            return "due"
        return f"overdue-{self.offset}"

    @property
    def kind(self) -> StepKind:
        return "before" if self.offset < 0 else "due" if self.offset == 0 else "overdue"

    def fires_on(self, due: date) -> date:
        return due + timedelta(days=self.offset)

    @classmethod
    def parse(cls, step_id: str) -> ReminderStep:
        """The step for a step id (`before-30`, `due`, `overdue-14`); raises ValueError on anything else."""
        if step_id == "due":
            return cls(0)
        kind, _, n = step_id.partition("-")
        if kind in ("before", "overdue") and n.isdigit() and int(n) > 0:
            return cls(-int(n) if kind == "before" else int(n))
        raise ValueError(f"not a reminder step id: {step_id!r}")


@dataclass(frozen=True)
class ReminderDecision:
    """The step to send today for one obligation; `days_late` > 0 when it is a caught-up missed step."""

    step: ReminderStep
    fires_on: date
    days_late: int

    @property
    def step_id(self) -> str:
        return self.step.step_id


def step_at_offset(policy: ReminderPolicy, offset: int) -> ReminderStep | None:
    """The policy's step `offset` days from the due date, or None when no step falls on that day."""
    if offset < 0:
        return ReminderStep(offset) if -offset in policy.before_days else None
    if offset == 0:
        return ReminderStep(0) if policy.on_due_date else None
    if policy.overdue_stop_after is not None and offset > policy.overdue_stop_after:
        return None
    if offset in policy.overdue_days:
        return ReminderStep(offset)
    every = policy.overdue_repeat_every
    if every is not None and policy.overdue_days:
        last = max(policy.overdue_days)
        if offset > last and (offset - last) % every == 0:
            return ReminderStep(offset)
    return None


def reminder_to_send(
    due: date,
    today: date,
    policy: ReminderPolicy,
    *,
    closed: bool = False,
    last_swept: date | None = None,
) -> ReminderDecision | None:
    """The step to send today, catching up on missed sweep days.

    Looks back over the days the sweep may have missed: from the day after `last_swept` (the last day a sweep
    completed, when the caller knows it) but never more than `policy.catch_up_days` back, through today.
    Only the most recent step in that window is returned ("better late than never" for the latest step;
    older missed steps are superseded and never sent). A closed obligation gets nothing. Without
    `last_swept` the same step is returned on each day of the window: the send claim (the notice id holds
    the step) keeps it to one email.
    """
    if closed:
        return None
    earliest = today - timedelta(days=policy.catch_up_days)
    if last_swept is not None:
        earliest = max(earliest, min(last_swept + timedelta(days=1), today))
    day = today
    while day >= earliest:
        step = step_at_offset(policy, (day - due).days)
        if step is not None:
            return ReminderDecision(step=step, fires_on=day, days_late=(today - day).days)
        day -= timedelta(days=1)
    return None


def reminder_notice_id(obligation_id: str, due: date, step_id: str) -> str:
    """The notice id of one reminder step. The due date is part of it, so when an extension moves the date the
    steps fire again for the new date instead of being blocked by the old claims."""
    return f"reminder:{obligation_id}:{due.isoformat()}:{step_id}"


def digest_notice_id(user_id: str, day: date) -> str:
    """The notice id of one person's daily digest: at most one per person per day."""
    return f"digest:{user_id}:{day.isoformat()}"

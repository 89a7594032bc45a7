"""The reminder policy as data: when, relative to a due date, a deadline reminder fires.

The default is 60, 30, 14, 7 and 1 days before the due date, on the due date, then overdue on day 1, day 7 and
weekly after that (14, 21, ...) until the obligation is closed. A facility may override any field; the
override is stored on its profile item (`reminder_policy`) and merged with `ReminderPolicy.with_overrides`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from permitclock.errors import BadInput


class ReminderPolicy(BaseModel):
    """When deadline reminders fire, in whole calendar days relative to the due date (America/Los_Angeles)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    before_days: tuple[int, ...] = Field(
        default=(60, 30, 14, 7, 1), description="days before the due date a reminder fires (step `before-N`)"
    )
    on_due_date: bool = Field(default=True, description="a reminder fires on the due date itself (step `due`)")
    overdue_days: tuple[int, ...] = Field(
        default=(1, 7), description="days after the due date an overdue notice fires (step `overdue-N`)"
    )
    overdue_repeat_every: int | None = Field(
        default=7,
        ge=1,
        description="after the last `overdue_days` step, repeat every N days until closed; None stops repeating",
    )
    overdue_stop_after: int | None = Field(
        default=None,
        ge=1,
        description="no overdue step later than this many days after the due date; None = until closed",
    )
    catch_up_days: int = Field(
        default=7,
        ge=0,
        le=30,
        description="a step missed by the sweep (an outage, a late deploy) is still sent up to this many "
        "days late, and only the most recent missed step; 0 sends only on the exact day",
    )

    @field_validator("before_days", "overdue_days")
    @classmethod
    def _positive_unique(cls, days: tuple[int, ...]) -> tuple[int, ...]:
        if any(d < 1 for d in days):
            raise ValueError("days must be whole numbers of at least 1")
        return tuple(sorted(set(days)))

    @model_validator(mode="after")
    def _repeat_needs_anchor(self) -> ReminderPolicy:
        if self.overdue_repeat_every is not None and not self.overdue_days:
            raise ValueError("overdue_repeat_every needs at least one overdue_days step to repeat from")
        return self

    @property
    def horizon_days(self) -> int:
        """How far ahead of today a due date can be and still have a step fire today (60 by default)."""
        return max(self.before_days, default=0)

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> ReminderPolicy:
        """This policy with a facility's overrides applied; raises `BadInput` (code `bad_reminder_policy`)."""
        if not overrides:
            return self
        try:
            return ReminderPolicy.model_validate({**self.model_dump(), **dict(overrides)})
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first.get("loc", ())) or None
            raise BadInput(
                f"invalid reminder policy: {first.get('msg', 'invalid value')}",
                code="bad_reminder_policy",
                field=field,
            ) from None


DEFAULT_POLICY = ReminderPolicy()


def policy_for_facility(
    profile_policy: Mapping[str, Any] | None, default: ReminderPolicy = DEFAULT_POLICY
) -> ReminderPolicy:
    """The policy for one facility: the deployment default with the profile's `reminder_policy` overrides."""
    return default.with_overrides(profile_policy)

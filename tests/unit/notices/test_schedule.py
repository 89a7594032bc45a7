"""Reminder policy and schedule: step boundaries, catch-up, horizon."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from permitclock.errors import BadInput
from permitclock.notices.policy import DEFAULT_POLICY, ReminderPolicy, policy_for_facility
from permitclock.notices.schedule import ReminderStep, reminder_notice_id, reminder_to_send, step_at_offset

DUE = date(2027, 1, 1)


def on(offset: int) -> date:
    return DUE + timedelta(days=offset)


def fired(offset: int, policy: ReminderPolicy = DEFAULT_POLICY) -> str | None:
    step = step_at_offset(policy, (on(offset) - DUE).days)
    return step.step_id if step else None


def steps_between(due: date, start: date, end: date, policy: ReminderPolicy) -> list[tuple[ReminderStep, date]]:
    """The oracle: every step firing from `start` to `end` inclusive, with its day, in date order."""
    days = (start + timedelta(days=n) for n in range((end - start).days + 1))
    return [(step, day) for day in days if (step := step_at_offset(policy, (day - due).days)) is not None]


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-61, None),
        (-60, "before-60"),
        (-59, None),
        (-30, "before-30"),
        (-14, "before-14"),
        (-8, None),
        (-7, "before-7"),
        (-2, None),
        (-1, "before-1"),
        (0, "due"),
        (1, "overdue-1"),
        (2, None),
        (6, None),
        (7, "overdue-7"),
        (8, None),
        (13, None),
        (14, "overdue-14"),
        (21, "overdue-21"),
        (22, None),
        (364, "overdue-364"),
    ],
)
def test_default_steps_fire_on_their_day_only(offset: int, expected: str | None) -> None:
    assert fired(offset) == expected


def test_nothing_fires_once_closed() -> None:
    for offset in (-60, -1, 0, 1, 7, 14):
        assert reminder_to_send(DUE, on(offset), DEFAULT_POLICY, closed=True) is None


def test_steps_across_a_horizon_are_the_documented_sequence() -> None:
    got = [step.step_id for step, _ in steps_between(DUE, on(-90), on(30), DEFAULT_POLICY)]
    assert got == [
        "before-60",
        "before-30",
        "before-14",
        "before-7",
        "before-1",
        "due",
        "overdue-1",
        "overdue-7",
        "overdue-14",
        "overdue-21",
        "overdue-28",
    ]
    assert steps_between(DUE, on(-90), on(30), DEFAULT_POLICY)[0][1] == date(2026, 11, 2)


def test_step_ids_round_trip() -> None:
    for step_id in ("before-60", "due", "overdue-1", "overdue-14"):
        assert ReminderStep.parse(step_id).step_id == step_id
    with pytest.raises(ValueError):
        ReminderStep.parse("overdue-0")
    with pytest.raises(ValueError):
        ReminderStep.parse("soon")


def test_catch_up_sends_only_the_most_recent_missed_step_late() -> None:
    # Sweeps down from Nov 29 to Dec 20: before-30 (Dec 2) and before-14 (Dec 18) were missed.
    decision = reminder_to_send(DUE, on(-12), DEFAULT_POLICY, last_swept=on(-34))
    assert decision is not None
    assert (decision.step_id, decision.fires_on, decision.days_late) == ("before-14", on(-14), 2)


def test_catch_up_never_reaches_beyond_its_window() -> None:
    # before-30 fired 8 days ago; the default window is 7 days.
    assert reminder_to_send(DUE, on(-22), DEFAULT_POLICY) is None
    assert reminder_to_send(DUE, on(-23), DEFAULT_POLICY) is not None
    assert reminder_to_send(DUE, on(-23), DEFAULT_POLICY.with_overrides({"catch_up_days": 0})) is None


def test_catch_up_respects_the_last_completed_sweep() -> None:
    # Yesterday's sweep ran and today has no step: nothing to catch up even though before-7 is in the window.
    assert reminder_to_send(DUE, on(-5), DEFAULT_POLICY, last_swept=on(-6)) is None
    # A re-run on the same day as the last sweep still answers (the claim keeps it to one email).
    decision = reminder_to_send(DUE, on(-7), DEFAULT_POLICY, last_swept=on(-7))
    assert decision is not None and decision.step_id == "before-7" and decision.days_late == 0


def test_on_time_step_has_no_lateness() -> None:
    decision = reminder_to_send(DUE, DUE, DEFAULT_POLICY)
    assert decision is not None and decision.step_id == "due" and decision.days_late == 0


def test_facility_override_and_stop_after() -> None:
    policy = policy_for_facility({"before_days": [45, 10], "overdue_days": [3], "overdue_stop_after": 17})
    assert [step.step_id for step, _ in steps_between(DUE, on(-60), on(60), policy)] == [
        "before-45",
        "before-10",
        "due",
        "overdue-3",
        "overdue-10",
        "overdue-17",
    ]
    no_repeat = policy_for_facility({"overdue_repeat_every": None, "on_due_date": False})
    assert [step.step_id for step, _ in steps_between(DUE, on(-1), on(60), no_repeat)] == [
        "before-1",
        "overdue-1",
        "overdue-7",
    ]


def test_bad_override_is_a_domain_error() -> None:
    with pytest.raises(BadInput) as err:
        policy_for_facility({"before_days": [0]})
    assert err.value.code == "bad_reminder_policy"
    with pytest.raises(BadInput):
        policy_for_facility({"unknown_field": 1})


def test_notice_id_changes_when_the_due_date_moves() -> None:
    a = reminder_notice_id("igp:W:TSS:level2_era_technical_report:2025-2026", date(2027, 1, 1), "before-30")
    b = reminder_notice_id("igp:W:TSS:level2_era_technical_report:2025-2026", date(2027, 6, 30), "before-30")
    assert a != b


@given(
    due=st.dates(min_value=date(2016, 1, 1), max_value=date(2035, 12, 31)),
    offset=st.integers(min_value=-400, max_value=400),
)
def test_a_step_fires_only_within_the_sweeps_horizon(due: date, offset: int) -> None:
    # the sweep reads every open obligation due up to today + horizon_days (services/sweep.py), overdue ones of any age
    today = due + timedelta(days=offset)
    step = step_at_offset(DEFAULT_POLICY, (today - due).days)
    if step is not None:
        assert due <= today + timedelta(days=DEFAULT_POLICY.horizon_days)
        assert step.fires_on(due) == today


@given(
    due=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    offset=st.integers(min_value=-100, max_value=100),
)
def test_catch_up_decision_is_the_latest_step_in_the_window(due: date, offset: int) -> None:
    today = due + timedelta(days=offset)
    decision = reminder_to_send(due, today, DEFAULT_POLICY)
    window = steps_between(due, today - timedelta(days=DEFAULT_POLICY.catch_up_days), today, DEFAULT_POLICY)
    if window:
        assert decision is not None
        assert (decision.step, decision.fires_on) == window[-1]
    else:
        assert decision is None

"""The July 1 assignments of one facility from its distinct counted results, without keeping its samples.

The Level engine of `permitclock levels` streams a file: each result a `LevelFold` keeps is one small tuple per
distinct (deduplicated) counted result of a (reporting year, NAL parameter) the decision reads; a year that has
no Level or is not over on the as-of date is never kept. `assign` then assigns the facility's years in order from
Baseline with the rules `assign_grouped` applies (`transition`, the QSE history, the obligations' due rules),
giving the same decisions: tests/unit/igp/test_levels_oracle.py and test_level_engine.py check it field by field.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from permitclock.domain.levels import Assignment, Level, NdPolicy, ParameterStatus, QseCheck
from permitclock.domain.samples import NON_DETECT_QUALIFIERS
from permitclock.rules.igp.exceedances import (
    annual_exceeded,
    has_annual_nal,
    is_effluent_location,
    is_qualifying_storm_event,
    is_storm_water_event,
    judged,
)
from permitclock.rules.igp.levels import QSE_TEST_LENGTH, transition
from permitclock.rules.igp.nals import NAL, nal_table
from permitclock.rules.igp.obligations import DUE_RULES
from permitclock.rules.igp.years import assignment_date, has_levels, is_over

Kept = tuple[date, str, str, str, int, Decimal | None, bool, bool]
"""One distinct counted result: (sample date, SAMPLE_ID, location, file, line, value in the NAL unit,
non-detect, QSE). The first five are `deduplicate`'s order; of exact duplicates the lowest (file, line) is kept."""
Groups = dict[tuple[str, str], dict[tuple[Any, ...], Kept]]
"""A facility's kept results by (reporting year, NAL parameter key), each keyed by `Sample.duplicate_key`."""
_BASELINE: tuple[Level, bool, tuple[tuple[date, bool], ...]] = ("Baseline", False, ())
"""Where every parameter starts (IGP XII.B): Baseline, never Level 2, no QSE yet."""


_Limits = tuple[str, NAL, Decimal | None, Decimal | None, Decimal | None, bool]
"""What an NAL parameter's decisions read of it: (Level report name, the NAL, annual, instantaneous high and low
limits, whether it has an annual average)."""


def _limits_of(key: str) -> _Limits:
    """`_Limits` of an NAL parameter key (remembered per fold)."""
    nal = nal_table()[key]
    return (nal.level_report_name, nal, nal.annual, nal.instantaneous_high, nal.instantaneous_low,
            has_annual_nal(nal))  # fmt: skip


class LevelRow(NamedTuple):
    """One July 1 decision with a counted result: the `permitclock levels` fields, the rule and the QSE history
    (a named tuple: one per decision on the hot path)."""

    wdid: str
    parameter: str
    reporting_year: str
    assigned_on: date
    prior_level: Level
    level: Level
    rule: str
    result_count: int
    annual_average: Decimal | None
    annual_nal: Decimal | None
    annual_exceedance: bool
    instantaneous_exceedance_count: int
    instantaneous_exceedance: bool
    obligations: tuple[tuple[str, date], ...]
    recent_qses: tuple[tuple[date, bool], ...]
    """The four most recent QSEs (date, clean), as `ParameterStatus.recent_qses` holds them."""


_new_row = tuple.__new__
"""Builds a `LevelRow` from the tuple of its fields without the named tuple's Python-level `__new__`."""


def row_of(assignment: Assignment) -> LevelRow:
    """The `LevelRow` of an `Assignment` of the full rules (`assign_grouped`)."""
    e = assignment.evaluation
    return LevelRow(
        assignment.wdid, assignment.parameter, assignment.reporting_year, assignment.assigned_on,
        assignment.prior_level, assignment.level, assignment.rule, e.result_count, e.annual_average, e.annual_nal,
        e.annual_exceedance, e.instantaneous_exceedance_count, e.instantaneous_exceedance,
        tuple((o.type, o.due) for o in assignment.obligations),  # type: ignore[misc]  # ERA obligations are due
        tuple((q.event_date, q.clean) for q in assignment.status.recent_qses),
    )  # fmt: skip


class LevelFold:
    """Folds rows (`SmartsReader.values` tuples) into a facility's `Groups`, and assigns them."""

    def __init__(self, as_of: date, nd_policy: NdPolicy) -> None:
        self.as_of = as_of
        self.exclude = nd_policy == "exclude"
        self._years: dict[str, bool] = {}
        self._kinds: dict[tuple[str | None, str | None], bool | None] = {}
        self._statuses: dict[tuple[str, Level, bool], ParameterStatus] = {}
        self._nals: dict[str, _Limits] = {}

    def add(self, groups: Groups, values: tuple[Any, ...]) -> None:
        """Keep one row's result when it counts for an NAL in a year the decision reads (era-rules "Which results
        count": Effluent Monitoring location, storm water event); an exact duplicate only once."""
        (_, parameter, nal, day, year, qualifier, result, units, value, sample_id, time, location, location_type,
         event_type, _, file, line) = values  # fmt: skip
        kinds = (location_type, event_type)
        qse = self._kinds.get(kinds, False)
        if qse is False:
            counts = is_effluent_location(location_type) and is_storm_water_event(event_type)
            qse = self._kinds[kinds] = is_qualifying_storm_event(event_type) if counts else None
        if qse is None:
            return
        group = groups.get((year, nal))
        if group is None:
            if nal is None or not self._assigned(year):
                return
            group = groups[year, nal] = {}
        key = (sample_id or f"{day.isoformat()} {time}", location, parameter, qualifier, result, units)
        other = group.get(key)
        if other is None or (file, line) < (other[3], other[4]):
            group[key] = (day, sample_id, location, file, line, value, qualifier in NON_DETECT_QUALIFIERS, qse)

    @staticmethod
    def merge(into: Groups, more: Groups) -> None:
        """Join into `into` a facility's results folded apart (two parts of one file, or the end of one file and
        the start of the next), keeping what one fold of all its rows keeps: of exact duplicates, the lowest
        (file, line)."""
        for group_key, group in more.items():
            held = into.get(group_key)
            if held is None:
                into[group_key] = group
                continue
            for key, kept in group.items():
                other = held.get(key)
                if other is None or (kept[3], kept[4]) < (other[3], other[4]):
                    held[key] = kept

    def _assigned(self, year: str) -> bool:
        """The year has Levels and is over on the as-of date (remembered per year)."""
        assigned = self._years.get(year)
        if assigned is None:
            assigned = self._years[year] = has_levels(year) and is_over(year, self.as_of)
        return assigned

    def assign(self, wdid: str, groups: Groups) -> list[LevelRow]:
        """The facility's decisions with a counted result, in (reporting year, parameter) order: every year in
        order from Baseline, as `permitclock levels` assigns them (no return-to-Baseline facts offline).

        The rules are those of `exceedances.evaluate_with_qses` and `levels.transition`, shared where they decide:
        each detected result is judged by `exceedances.judged` (instantaneous limits, IGP XII.A.2; clean for the
        four-QSE test, XII.C.4 / XII.D.4), the year by `exceedances.annual_exceeded` (XII.A.1); a non-detect counts
        as 0 (none under nd_policy `exclude`) and is clean; the Level moves by `transition` (XII.C, XII.D)."""
        nals = self._nals
        by_year: dict[str, list[tuple[str, str, _Limits]]] = {}
        for year, key in groups:
            limits = nals.get(key)
            if limits is None:
                limits = nals[key] = _limits_of(key)
            entries = by_year.get(year)
            if entries is None:
                by_year[year] = [(limits[0], key, limits)]
            else:
                entries.append((limits[0], key, limits))
        state: dict[str, tuple[Level, bool, tuple[tuple[date, bool], ...]]] = {}
        rows: list[LevelRow] = []
        exclude = self.exclude
        statuses = self._statuses
        zero = Decimal(0)
        for year in sorted(by_year) if len(by_year) > 1 else by_year:
            assigned_on = assignment_date(year)
            entries = by_year[year]
            if len(entries) > 1:
                entries.sort()
            for name, key, (_, nal, annual, high, low, has_annual) in entries:
                total, count, inst = zero, 0, 0
                by_day: dict[date, bool] = {}
                group = groups[year, key]
                for day, _, _, _, _, value, nd, qse in sorted(group.values()) if len(group) > 1 else group.values():
                    if nd or value is None:
                        if qse and day not in by_day:
                            by_day[day] = True
                        if nd and not exclude:
                            count += 1  # a non-detect counts as 0
                        continue
                    exceeds, clean = judged(value, annual, high, low)
                    if qse:
                        by_day[day] = by_day.get(day, True) and clean
                    if exceeds:
                        inst += 1
                    total += value
                    count += 1
                prior, ever_level_2, previous = state.get(key, _BASELINE)
                if by_day:  # years come in order and a day is in one year: merge_sorted_qses's concatenation
                    recent = (*previous, *(sorted(by_day.items()) if len(by_day) > 1 else by_day.items()))
                    recent = recent[-QSE_TEST_LENGTH:]
                else:
                    recent = previous
                status = statuses.get((name, prior, ever_level_2))
                if status is None:
                    status = self._status(name, prior, ever_level_2)
                # the four-QSE test reads the QSEs only after a BMP implementation date (four_clean_qses_after)
                qses = () if status.bmps_implemented is None else tuple(QseCheck(d, c) for d, c in recent)
                annual_exceedance = annual_exceeded(nal, total, count)
                level, rule, opened = transition(status, annual_exceedance or inst >= 2, qses, assigned_on)
                if count:
                    rows.append(
                        _new_row(LevelRow, (
                            wdid, name, year, assigned_on, prior, level, rule, count,
                            total / count if has_annual else None, annual, annual_exceedance, inst, inst >= 2,
                            tuple((kind, DUE_RULES[kind](assigned_on)) for kind in opened) if opened else (), recent,
                        ))
                    )  # fmt: skip
                if level != prior:
                    ever_level_2 = ever_level_2 or level == "Level 2"
                state[key] = (level, ever_level_2, recent)
        return rows

    def _status(self, name: str, level: Level, ever_level_2: bool) -> ParameterStatus:
        """The status `transition` reads offline: a level and whether it was ever Level 2, no dated facts."""
        key = (name, level, ever_level_2)
        status = self._statuses.get(key)
        if status is None:
            status = self._statuses[key] = ParameterStatus(parameter=name, level=level, ever_level_2=ever_level_2)
        return status

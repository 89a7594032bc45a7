"""Hypothesis properties of the Level engine (modest example counts: the suite stays fast)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from igp_helpers import WDID, sample
from permitclock.domain.levels import ParameterStatus
from permitclock.rules.igp import assign_year

AS_OF = date(2025, 11, 1)
PARAMS = ["Zinc, Total", "Total Suspended Solids (TSS)", "pH", "Oil and Grease", "Copper, Total"]
START = date(2015, 7, 1)

row = st.builds(
    lambda p, v, d, q: sample(p, None if q == "ND" else v, START + timedelta(days=d), qualifier=q),
    st.sampled_from(PARAMS),
    st.decimals(min_value=0, max_value=500, places=3, allow_nan=False, allow_infinity=False).map(str),
    st.integers(min_value=0, max_value=365 * 4),
    st.sampled_from(["=", "=", "=", "ND", "DNQ"]),
)
LEVEL_RANK = {"Baseline": 0, "Level 1": 1, "Level 2": 2}


def run(samples: list) -> dict[tuple[str, str], tuple[str, object, int]]:  # type: ignore[type-arg]
    """Assign 2015-2016 .. 2018-2019 in order; (year, parameter) -> (level, average, instantaneous count)."""
    statuses: dict[str, ParameterStatus] = {}
    out = {}
    for start in range(2015, 2019):
        year = f"{start}-{start + 1}"
        for a in assign_year(WDID, year, statuses, samples, as_of=AS_OF):
            statuses[a.parameter] = a.status
            out[(year, a.parameter)] = (
                a.level, a.evaluation.annual_average, a.evaluation.instantaneous_exceedance_count
            )  # fmt: skip
    return out


@settings(max_examples=40, deadline=None)
@given(st.lists(row, max_size=30), st.randoms(use_true_random=False))
def test_reordering_rows_never_changes_the_result(rows: list, rnd) -> None:  # type: ignore[no-untyped-def, type-arg]
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    assert run(rows) == run(shuffled)


@settings(max_examples=40, deadline=None)
@given(st.lists(row, max_size=30), st.sampled_from(PARAMS), st.integers(min_value=0, max_value=365 * 4))
def test_adding_a_result_below_every_nal_never_raises_a_level(rows: list, parameter: str, day: int) -> None:  # type: ignore[type-arg]
    low = "7" if parameter == "pH" else "0"  # pH 7 is inside 6-9; 0 mg/L is below every annual NAL
    before = run(rows)
    after = run([*rows, sample(parameter, low, START + timedelta(days=day))])
    for key, (level, _, _) in after.items():
        if key in before:
            assert LEVEL_RANK[level] <= LEVEL_RANK[before[key][0]]


@settings(max_examples=40, deadline=None)
@given(st.lists(row, max_size=40))
def test_never_baseline_to_level_2_for_a_parameter_never_in_level_2(rows: list) -> None:  # type: ignore[type-arg]
    statuses: dict[str, ParameterStatus] = {}
    for start in range(2015, 2019):
        for a in assign_year(WDID, f"{start}-{start + 1}", statuses, rows, as_of=AS_OF):
            prior = statuses.get(a.parameter)
            if a.prior_level == "Baseline" and a.level == "Level 2":
                assert prior is not None and prior.ever_level_2
            statuses[a.parameter] = a.status

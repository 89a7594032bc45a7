"""Every hostile file of `hostile_files` gets the verdict a careful user expects (issue #13)."""

from __future__ import annotations

import functools

import pytest
from permitclock.attachments import validate_attachment
from permitclock.domain.attachments import Verdict

from tests.security.hostile_files import Case, hostile_cases


@functools.cache
def cases() -> dict[str, Case]:
    return {case.name: case for case in hostile_cases()}


@functools.cache
def verdict(name: str) -> Verdict:
    case = cases()[name]
    return validate_attachment(case.data, case.file_type)


@pytest.mark.parametrize("name", sorted(cases()))
def test_hostile_file_verdict(name: str) -> None:
    case = cases()[name]
    result = verdict(name)
    codes = [f.code.value for f in result.errors]
    if case.expected:
        assert not result.ok
        assert set(case.expected) <= set(codes), codes
    else:
        assert result.ok, codes
    assert "alert" not in " ".join(f.message for f in [*result.errors, *result.warnings])

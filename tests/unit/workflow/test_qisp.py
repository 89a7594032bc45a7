from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from permitclock.errors import BadInput
from permitclock.workflow.qisp import QispQuery, parse_registry, search

CSV = """Certificate Number,First Name,Last Name,ZIP,Licensed Engineer,License Number
F09876,Qisp,Industrial,95814,no,
F01234,Ana,García,90210-1234,yes,C 12345
,Missing,Cert,95814,no,
F55555,Bad,Zip,9581,no,
F66666,Bad,Flag,95814,maybe,
F77777,No,Licence,95814,yes,
F09876,Dup,Licate,95814,no,

F88888,Ana,Industrial,95815,N,
"""


def test_good_rows_become_records_and_bad_rows_are_named_by_line() -> None:
    parsed = parse_registry(CSV.splitlines(keepends=True))
    assert [r.certificate_number for r in parsed.records] == ["F09876", "F01234", "F88888"]
    assert parsed.records[1].licensed_engineer and parsed.records[1].license_number == "C 12345"
    assert [(e.line, e.code) for e in parsed.errors] == [
        (4, "missing_value"),
        (5, "bad_zip"),
        (6, "bad_licensed_engineer_flag"),
        (7, "license_number_missing"),
        (8, "duplicate_certificate"),
    ]


def test_a_header_without_the_columns_is_bad_input() -> None:
    with pytest.raises(BadInput) as err:
        parse_registry(["certificate_number,first_name\n"])
    assert err.value.code == "qisp_registry_header"
    with pytest.raises(BadInput):
        parse_registry([])


RECORDS = parse_registry(CSV.splitlines()).records


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (QispQuery(last_name="industrial"), ["F09876", "F88888"]),
        (QispQuery(first_name=" ANA "), ["F01234", "F88888"]),
        (QispQuery(certificate="f01234"), ["F01234"]),
        (QispQuery(zip="90210"), ["F01234"]),
        (QispQuery(last_name="Industrial", first_name="Ana"), ["F88888"]),
        (QispQuery(last_name="Nobody"), []),
    ],
)
def test_search_by_one_criterion_or_several(query: QispQuery, expected: list[str]) -> None:
    assert [r.certificate_number for r in search(RECORDS, query)] == expected


def test_a_search_needs_a_criterion() -> None:
    with pytest.raises(BadInput) as err:
        search(RECORDS, QispQuery(last_name="  "))
    assert err.value.code == "qisp_search_criterion"


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40), max_size=8))
def test_any_text_parses_or_is_bad_input(lines: list[str]) -> None:
    try:
        parsed = parse_registry(
            [
                "certificate_number,first_name,last_name,zip,licensed_engineer,license_number\n",
                *(line + "\n" for line in lines),
            ]
        )
    except BadInput:
        return
    assert all(e.line >= 2 for e in parsed.errors)

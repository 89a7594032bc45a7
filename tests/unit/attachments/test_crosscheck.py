"""The qpdf cross-check: qpdf's own view of a PDF, and the findings when it disagrees with pypdf's."""

from __future__ import annotations

from permitclock.attachments.crosscheck import catalog_actions, cross_check
from permitclock.attachments.sandbox import Isolated
from permitclock.domain.attachments import Finding, ValidationLimits

from tests.security.hostile_files import pikepdf_report

ACTION = frozenset({"/OpenAction /JavaScript"})


def judged(job: tuple[bytes, int, frozenset[str]]) -> tuple[set[str], Finding | None]:
    data, pages, catalog = job
    return cross_check(data, ValidationLimits(), pages, catalog)  # in a child: qpdf's limits are process-wide


def run(data: bytes, pages: int, catalog: frozenset[str]) -> tuple[set[str], str | None]:
    outcome = Isolated(judged, 30.0, 512 << 20)((data, pages, catalog))
    assert isinstance(outcome, tuple)
    found, finding = outcome
    return found, None if finding is None else finding.code.value


def test_qpdf_finds_javascript_compressed_in_an_object_stream() -> None:
    assert run(pikepdf_report(javascript=True), 1, ACTION) == ({"JavaScript"}, None)
    assert run(pikepdf_report(javascript=False), 1, frozenset()) == (set(), None)


def test_disagreement_on_pages_or_catalog_actions_is_malformed() -> None:
    clean = pikepdf_report(javascript=False)
    assert run(clean, 2, frozenset()) == (set(), "malformed")
    assert run(clean, 1, ACTION) == (set(), "malformed")  # pypdf saw an open action qpdf does not
    # the same entry, another action: pypdf read a go-to where qpdf reads JavaScript
    assert run(pikepdf_report(javascript=True), 1, frozenset({"/OpenAction destination"}))[1] == "malformed"


def test_catalog_actions_name_the_open_action_type_and_the_name_trees() -> None:
    entries = {
        "/Type": "/Catalog",
        "/OpenAction": {"/S": "/URI", "/URI": "https://example.org/"},
        "/Names": {"/Dests": {}, "/EmbeddedFiles": {}},
        "/AcroForm": {"/Fields": []},
        "/Outlines": {},
    }
    assert catalog_actions(entries) == {"/OpenAction /URI", "/Names /Dests /EmbeddedFiles", "/AcroForm"}
    assert catalog_actions({"/OpenAction": None}) == {"/OpenAction destination"}  # an array: a destination


def test_a_file_qpdf_cannot_open_is_malformed() -> None:
    assert run(b"%PDF-1.7\nnot a pdf at all", 1, frozenset()) == (set(), "malformed")

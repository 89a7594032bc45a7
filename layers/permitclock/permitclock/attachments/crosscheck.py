"""A second, independent reading of a PDF pypdf accepted: qpdf's (through pikepdf), compared with pypdf's.

pypdf (Python) and qpdf (C++) were written apart, so a file built to make one of them see something else than
the other shows up as a disagreement. In the sandbox child, with qpdf's limits set for that process only
(nesting, parser errors, decode memory; no stream is decoded here), qpdf opens the file as viewers do
(repairing what it can), counts the pages and walks every dictionary and array reachable from the catalog
for the names of `active.ACTIVE_NAMES`. `cross_check` then rejects the file when:

* qpdf finds active content (`active_content`, named beside pypdf's and the raw scan's findings);
* qpdf cannot open it, counts a different number of pages, or disagrees with pypdf about which of the
  catalog's action entries (`ACTION_ENTRIES`: the open action, automatic actions, the form, the name trees,
  a portfolio) exist (`malformed`: what a reviewer's viewer does is not what was checked). The other catalog
  entries (outline, page labels, metadata) are not compared: they run nothing, and readers legitimately
  differ on them (hostile/qpdf-append-xref-loop.pdf: pypdf still reads the outline its last update deleted).
* its walk passes `max_walked_objects` (`resource_limit`).

Only a file that would otherwise be accepted is cross-checked: qpdf can add reasons to reject, never remove one.
"""

from __future__ import annotations

from io import BytesIO
from typing import NamedTuple

import pikepdf

from permitclock.attachments.active import ACTIVE_NAMES
from permitclock.domain.attachments import Finding, FindingCode, ValidationLimits

ACTION_ENTRIES = frozenset({"/OpenAction", "/AA", "/AcroForm", "/Names", "/Collection"})
"""Catalog entries whose presence both readers must agree on."""

QPDF_NESTING = 100
"""Deepest nesting of arrays and dictionaries qpdf parses (pypdf's object walk is iterative, so unbounded)."""


class QpdfView(NamedTuple):
    """What qpdf read: page count, the catalog's `ACTION_ENTRIES` present, active-content descriptions."""

    pages: int
    catalog: frozenset[str]
    active: set[str]


class _WalkLimit(Exception):
    """More objects reachable from the catalog than `max_walked_objects`."""


UNREADABLE = Finding(
    code=FindingCode.MALFORMED,
    message="A second PDF reader (qpdf) could not open the file, so what a reviewer sees may not be what was "
    "checked. Export the PDF again from the original program.",
)


def cross_check(
    data: bytes, limits: ValidationLimits, pages: int, catalog: frozenset[str]
) -> tuple[set[str], Finding | None]:
    """qpdf's active-content descriptions for `data`, and the finding that rejects it (None when qpdf agrees
    with pypdf's `pages` and `catalog`, the `ACTION_ENTRIES` pypdf found). Never raises."""
    try:
        view = qpdf_view(data, limits)
    except (_WalkLimit, MemoryError):
        walk = Finding(
            code=FindingCode.RESOURCE_LIMIT,
            message="Reading the PDF needs more memory or work than the checker allows (qpdf).",
        )
        return set(), walk
    except Exception:  # pikepdf.PdfError, PasswordError, and whatever a damaged file makes escape
        return set(), UNREADABLE
    return view.active, _disagreement(view, pages, catalog)


def qpdf_view(data: bytes, limits: ValidationLimits) -> QpdfView:
    """qpdf's reading of `data`; raises whatever pikepdf raises for a file it cannot open."""
    decode = limits.decode_max_output_bytes
    pikepdf.settings.set_qpdf_limits(
        parser_max_nesting=QPDF_NESTING,
        flate_max_memory=decode,
        run_length_max_memory=decode,
        png_max_memory=decode,
        tiff_max_memory=decode,
        dct_max_memory=decode,
    )
    with pikepdf.open(BytesIO(data), password="") as pdf:
        root = pdf.trailer.get("/Root")
        if not isinstance(root, pikepdf.Dictionary):
            raise pikepdf.PdfError("no catalog")
        catalog = frozenset(str(key) for key in root.keys()) & ACTION_ENTRIES  # noqa: SIM118
        return QpdfView(len(pdf.pages), catalog, _active(root, limits.max_walked_objects))


def _disagreement(view: QpdfView, pages: int, catalog: frozenset[str]) -> Finding | None:
    """A `malformed` finding when qpdf's page count or catalog action entries differ from pypdf's."""
    if view.pages == pages and view.catalog == catalog:
        return None
    if view.pages != pages:
        what = f"how many pages it has ({pages} or {view.pages})"
    else:
        what = "which actions its catalog holds (" + ", ".join(sorted(view.catalog ^ catalog)) + ")"
    return Finding(
        code=FindingCode.MALFORMED,
        message=f"Two PDF readers disagree about {what}, so what a reviewer sees may not be what was checked. "
        "Export the PDF again from the original program.",
    )


def _active(root: pikepdf.Object, max_objects: int) -> set[str]:
    """Descriptions of the active names reachable from `root`, as keys or name values."""
    found: set[str] = set()
    stack: list[object] = [root]
    seen: set[tuple[int, int]] = set()
    visited = 0
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Name):
            if str(node)[1:] in ACTIVE_NAMES:
                found.add(ACTIVE_NAMES[str(node)[1:]])
            continue
        if not isinstance(node, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)):
            continue
        if node.is_indirect:
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        visited += 1
        if visited > max_objects:
            raise _WalkLimit
        if isinstance(node, pikepdf.Array):
            stack.extend(node)
            continue
        for key in node.keys():  # noqa: SIM118  # a Stream iterates its data, not its keys
            name = str(key)
            if name[1:] in ACTIVE_NAMES:
                found.add(ACTIVE_NAMES[name[1:]])
            stack.append(node.get(name))
    return found

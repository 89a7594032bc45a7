"""A second, independent reading of a PDF pypdf accepted: qpdf's (through pikepdf), compared with pypdf's.

pypdf (Python) and qpdf (C++) were written apart, so a file built to make one of them see something else than
the other shows up as a disagreement. In the sandbox child, with qpdf's decode-memory limits set for that
process only (its nesting and parser-error limits stay at qpdf's defaults), qpdf opens the file as viewers do
(repairing what it can), counts the pages and walks every dictionary and array reachable from the catalog
for the names of `active.ACTIVE_NAMES`. `cross_check` then rejects the file when:

* qpdf finds active content (`active_content`, named beside pypdf's and the raw scan's findings);
* qpdf cannot open it, counts a different number of pages, or disagrees with pypdf about the catalog's
  action entries (`catalog_actions`: which of the open action, automatic actions, form, name trees and
  portfolio exist, the open action's type, the name trees held): `malformed`, since what a reviewer's viewer
  does is then not what was checked (a duplicated `/OpenAction` key: pypdf keeps the first, a go-to; qpdf
  the last, a web address). The other catalog entries (outline, page labels, metadata) are not compared:
  they run nothing, and readers legitimately differ on them (hostile/qpdf-append-xref-loop.pdf: pypdf still
  reads the outline its last update deleted).
* its walk passes `max_walked_objects` (`resource_limit`).

Only a file that would otherwise be accepted is cross-checked: qpdf can add reasons to reject, never remove one.
"""

from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, NamedTuple

import pikepdf

from permitclock.attachments.active import ACTIVE_NAMES
from permitclock.domain.attachments import Finding, FindingCode, ValidationLimits

ACTION_ENTRIES = frozenset({"/OpenAction", "/AA", "/AcroForm", "/Names", "/Collection"})
"""Catalog entries both readers must agree on."""


class QpdfView(NamedTuple):
    """What qpdf read: page count, `catalog_actions` of its catalog, active-content descriptions."""

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
    with pypdf's `pages` and `catalog`, the `catalog_actions` of pypdf's catalog). Never raises."""
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
        values = {str(key): root.get(key) for key in root.keys()}  # noqa: SIM118  # a null reads as None
        catalog = catalog_actions(
            {key: value if isinstance(value, pikepdf.Dictionary) else None for key, value in values.items()
             if value is not None}
        )  # fmt: skip
        return QpdfView(len(pdf.pages), catalog, _active(root, limits.max_walked_objects))


def catalog_actions(entries: Mapping[str, Any]) -> frozenset[str]:
    """The catalog's action entries, from its non-null `entries` (name -> the value if it is a dictionary,
    as pypdf or pikepdf resolves it, else None): each of `ACTION_ENTRIES` present, the open action with its
    type (`/OpenAction /URI`, or a destination), the name trees with the names they hold
    (`/Names /Dests /JavaScript`)."""
    described = set()
    for key in ACTION_ENTRIES & entries.keys():
        value = entries[key]
        if key == "/OpenAction":
            described.add(f"{key} {value['/S'] if value is not None and '/S' in value else 'destination'}")
        elif key == "/Names" and value is not None:
            described.add(" ".join([key, *sorted(str(name) for name in value.keys())]))  # noqa: SIM118
        else:
            described.add(key)
    return frozenset(described)


def _disagreement(view: QpdfView, pages: int, catalog: frozenset[str]) -> Finding | None:
    """A `malformed` finding when qpdf's page count or catalog action entries differ from pypdf's."""
    if view.pages == pages and view.catalog == catalog:
        return None
    if view.pages != pages:
        what = f"how many pages it has ({pages} or {view.pages})"
    else:
        what = "the actions of its catalog (" + "; ".join(sorted(view.catalog ^ catalog)) + ")"
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

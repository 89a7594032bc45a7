"""The PDF names that make content active, with how a finding describes each (one list for every check).

A name counts wherever it stands, as a dictionary key (`/JS`, `/AA`, `/EmbeddedFiles`) or as a value
(`/S /JavaScript`, `/Subtype /RichMedia`): the raw scan (`rawscan`), the pypdf object-graph walk (`pdf`) and
the qpdf cross-check (`crosscheck`) all judge by this table. A go-to `/OpenAction`, URI links and plain forms
are not listed: they do nothing on their own. `/Rendition` and `/Sound` actions are not listed either; a
rendition that runs a script carries `/JS`.
"""

from __future__ import annotations

ACTIVE_NAMES: dict[str, str] = {
    "JavaScript": "JavaScript",
    "JS": "JavaScript",
    "OnInstantiate": "JavaScript run by a 3D annotation",
    "AA": "automatic actions (run when a page or field opens, closes or changes)",
    "Launch": "an action that starts a program",
    "SubmitForm": "a form that sends data to a web address",
    "ImportData": "an action that imports data from a file",
    "GoToE": "an action that opens an embedded file",
    "EmbeddedFile": "an embedded file",
    "EmbeddedFiles": "an embedded file",
    "EF": "an embedded file",
    "FileAttachment": "an embedded file",
    "RichMedia": "rich media",
    "RichMediaContent": "rich media",
    "RichMediaExecute": "rich media",
    "XFA": "an XFA form",
}
"""Active name (without its `/`) -> how a finding names it."""


def describe(found: set[str]) -> str:
    """`found` descriptions as one phrase: "JavaScript, rich media and an embedded file"."""
    items = sorted(found)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

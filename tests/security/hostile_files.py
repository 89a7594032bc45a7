"""A hostile attachment corpus built in code: the parser tricks and polyglots of issue #13, and benign controls.

Each case is a name, the bytes, the declared attachment type and the verdict a careful user expects (the
error codes that must be among the verdict's errors; none for a file that must be accepted). Used by
`tests/security/test_hostile_files.py`, the fuzz oracle (`tests/fuzz/properties.py`) and `bench/bench_pdf.py`.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pikepdf
from permitclock.domain.attachments import AttachmentFileType
from PIL import Image

REPORT = AttachmentFileType.LEVEL_2_ERA_TECHNICAL_REPORT
SUPPORTING = AttachmentFileType.SUPPORTING_DOCUMENTATION

JS_ACTION = b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>"
URI_ACTION = b"<< /Type /Action /S /URI /URI (https://example.org/) >>"
TEXT = b"BT /F1 12 Tf 72 720 Td (Level 2 ERA Technical Report) Tj ET"
PAGE = (
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >>%s >>"
)
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    file_type: AttachmentFileType
    expected: tuple[str, ...]
    """Error codes the verdict must include; empty: the file must be accepted."""


def stream(body: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(body), extra, body)


def objects_pdf(
    objects: list[tuple[int, int, bytes]],
    *,
    xref: dict[int, int] | None = None,
    size: int | None = None,
    trailer: bytes = b"",
) -> bytes:
    """A PDF of `(number, generation, body)` objects in that order and a classic xref table.

    The xref lists, per number, the *last* object written with it unless `xref` names the index (in
    `objects`) to point at instead: a decoy.
    """
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, tuple[int, int]] = {}
    for index, (number, generation, body) in enumerate(objects):
        chosen = (xref or {}).get(number)
        if chosen is None or chosen == index:
            offsets[number] = (len(out), generation)
        out += b"%d %d obj\n%s\nendobj\n" % (number, generation, body)
    start = len(out)
    count = size or max(offsets) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % count
    for number in range(1, count):
        offset, generation = offsets.get(number, (0, 65535))
        out += b"%010d %05d %s \n" % (offset, generation, b"n" if number in offsets else b"f")
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (count, trailer, start)
    return bytes(out)


def report(catalog_extra: bytes = b"", page_extra: bytes = b"", more: list[tuple[int, int, bytes]] | None = None,
           **options: object) -> bytes:  # fmt: skip
    """A one-page text report (objects 1-5) with extra catalog/page entries and more objects."""
    objects = [
        (1, 0, b"<< /Type /Catalog /Pages 2 0 R%s >>" % catalog_extra),
        (2, 0, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        (3, 0, PAGE % page_extra),
        (4, 0, stream(TEXT)),
        (5, 0, FONT),
        *(more or []),
    ]
    return objects_pdf(objects, **options)  # type: ignore[arg-type]


def incremental_update(base: bytes, objects: list[tuple[int, bytes]], freed: tuple[int, ...] = ()) -> bytes:
    """`base` plus an incremental update that rewrites `objects` (number, body) and deletes the `freed`
    numbers, with its own xref and /Prev."""
    prev = int(base.rsplit(b"startxref", 1)[1].split()[0])
    out = bytearray(base)
    offsets = {}
    for number, body in objects:
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    start = len(out)
    out += b"xref\n"
    for number in sorted([*offsets, *freed]):
        entry = b"0000000000 00001 f" if number in freed else b"%010d 00000 n" % offsets[number]
        out += b"%d 1\n%s \n" % (number, entry)
    size = max(6, *offsets, *freed) + 1
    out += b"trailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (size, prev, start)
    return bytes(out)


def pikepdf_report(*, javascript: bool, encrypt: bool = False) -> bytes:
    """A report saved by qpdf with object streams: the action (if any) is compressed inside one."""
    pdf = pikepdf.Pdf.new()
    pdf.add_blank_page(page_size=(612, 792))
    if javascript:
        action = pikepdf.Dictionary(
            Type=pikepdf.Name.Action, S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")
        )
        pdf.Root.OpenAction = pdf.make_indirect(action)
    out = io.BytesIO()
    options: dict[str, object] = {"object_stream_mode": pikepdf.ObjectStreamMode.generate}
    if encrypt:
        options["encryption"] = pikepdf.Encryption(owner="owner", user="", R=6)
    pdf.save(out, **options)  # type: ignore[arg-type]
    return out.getvalue()


def flate_stream(body: bytes) -> bytes:
    packed = zlib.compress(body)
    return b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(packed), packed)


def nested_dictionary(depth: int) -> bytes:
    return b"<< /A " * depth + b"1" + b" >>" * depth


def _pdf_cases() -> list[Case]:
    open_action = b" /OpenAction 6 0 R"
    clean = report()
    cases = [
        Case("clean-report", clean, REPORT, ()),
        Case("javascript-open-action", report(open_action, more=[(6, 0, JS_ACTION)]), REPORT, ("active_content",)),
        # The xref points at a harmless decoy; the real object 6 (written first) runs JavaScript.
        Case(
            "xref-points-at-decoy",
            report(open_action, more=[(6, 0, JS_ACTION), (6, 0, b"<< /S /GoTo /D [3 0 R /Fit] >>")], xref={6: 6}),
            REPORT,
            ("active_content",),
        ),
        Case(
            "stray-paren-in-action",
            report(open_action, more=[(6, 0, b"<< ) /S /JavaScript /JS (app.alert\\(1\\)) >>")]),
            REPORT,
            ("active_content",),
        ),
        Case(
            "bad-hex-in-action",
            report(open_action, more=[(6, 0, b"<< /X <4G> /S /JavaScript /JS (app.alert\\(1\\)) >>")]),
            REPORT,
            ("active_content",),
        ),
        Case(
            "unterminated-string-before-action",
            report(open_action, more=[(6, 0, b"<< /T (open /S /JavaScript /JS (app.alert\\(1\\)) >>")]),
            REPORT,
            ("active_content",),
        ),
        Case(
            "action-nested-past-parser-depth",
            report(
                open_action,
                more=[(6, 0, b"<< /N %s /S /JavaScript /JS (app.alert\\(1\\)) >>" % nested_dictionary(1200))],
            ),
            REPORT,
            ("active_content",),
        ),
        Case(
            "wrong-generation-number",
            report(open_action, more=[(6, 3, JS_ACTION)], xref={6: 5}),  # xref says generation 0 (absent)
            REPORT,
            ("active_content",),
        ),
        Case(
            "3d-annotation-on-instantiate",
            report(
                page_extra=b" /Annots [6 0 R]",
                more=[
                    (6, 0, b"<< /Type /Annot /Subtype /3D /Rect [0 0 100 100] /3DD 7 0 R >>"),
                    (7, 0, stream(b"U3D", b" /Type /3D /Subtype /U3D /OnInstantiate 8 0 R")),
                    (8, 0, stream(b"app.alert(1)")),
                ],
            ),
            REPORT,
            ("active_content",),
        ),
        Case(
            "hex-escaped-names",
            report(open_action, more=[(6, 0, b"<< /S /J#61va#53cript /J#53 (app.alert\\(1\\)) >>")]),
            REPORT,
            ("active_content",),
        ),
        Case(
            "nul-terminated-name",
            report(open_action, more=[(6, 0, b"<< /S /JavaScript#00x /JS#00 (app.alert\\(1\\)) >>")]),
            REPORT,
            ("active_content",),
        ),
        Case("unreferenced-javascript-object", report(more=[(6, 0, JS_ACTION)]), REPORT, ("active_content",)),
        Case(
            "incremental-update-adds-javascript",
            incremental_update(clean, [(1, b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R >>"), (6, JS_ACTION)]),
            REPORT,
            ("active_content",),
        ),
        Case("object-stream-javascript", pikepdf_report(javascript=True), REPORT, ("active_content",)),
        Case("object-stream-clean", pikepdf_report(javascript=False), REPORT, ()),
        Case(
            "encrypted-object-stream-javascript",
            pikepdf_report(javascript=True, encrypt=True),
            REPORT,
            ("active_content",),
        ),
        Case(
            "object-inside-stream-data",
            # A /Length that ends the stream early: a reader then finds object 7 inside what looks like data.
            report(
                more=[(6, 0, b"<< /Length 2 >>\nstream\nxx\n7 0 obj\n%s\nendobj\nendstream" % JS_ACTION)],
            ),
            REPORT,
            ("active_content",),
        ),
        Case(
            "page-automatic-action",
            report(page_extra=b" /AA << /O << /S /GoTo /D [3 0 R /Fit] >> >>"),
            REPORT,
            ("active_content",),
        ),
        Case(
            "flate-content-stream-javascript-name",
            report(
                more=[
                    (
                        6,
                        0,
                        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream"
                        % (len(zlib.compress(JS_ACTION)), zlib.compress(JS_ACTION)),
                    )
                ]
            ),
            REPORT,
            ("active_content",),
        ),
        # The two readers see different catalog actions (a web address opened on opening, not active
        # content by itself): pypdf keeps the first of two /OpenAction keys, qpdf the last; pypdf still reads
        # an object the last update deleted; pypdf finds the generation-3 object a generation-0 reference
        # names, qpdf finds nothing.
        Case(
            "duplicated-open-action-key",
            report(b" /OpenAction [3 0 R /Fit] /OpenAction 6 0 R", more=[(6, 0, URI_ACTION)]),
            REPORT,
            ("malformed",),
        ),
        Case(
            "update-deletes-the-open-action",
            incremental_update(report(open_action, more=[(6, 0, URI_ACTION)]), [], freed=(6,)),
            REPORT,
            ("malformed",),
        ),
        Case(
            "wrong-generation-web-address-action",
            report(open_action, more=[(6, 3, URI_ACTION)], xref={6: 5}),
            REPORT,
            ("malformed",),
        ),
        Case("web-address-open-action", report(open_action, more=[(6, 0, URI_ACTION)]), REPORT, ()),
        # Benign look-alikes: the scan must not turn these away.
        Case(
            "uri-link-with-js-in-its-address",
            report(
                page_extra=b" /Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 9 9]"
                b" /A << /S /URI /URI (https://example.org/JS/JavaScript/) >> >>]"
            ),
            REPORT,
            (),
        ),
        Case(
            "text-mentions-javascript",
            objects_pdf(
                [
                    (1, 0, b"<< /Type /Catalog /Pages 2 0 R >>"),
                    (2, 0, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
                    (3, 0, PAGE % b""),
                    (4, 0, stream(b"BT /F1 12 Tf 72 720 Td (See /JavaScript and /AA in the manual) Tj ET")),
                    (5, 0, FONT),
                ]
            ),
            REPORT,
            (),
        ),
        Case(
            "subset-font-names",
            report(more=[(6, 0, b"<< /Type /Font /Subtype /TrueType /BaseFont /AAAAAA+ArialMT >>")]),
            REPORT,
            (),
        ),
    ]
    return cases


# ---------------------------------------------------------------------------------------------- other formats
def png(width: int = 2, height: int = 2, *, idat: bytes | None = None, crc_ok: bool = True) -> bytes:
    """A grey PNG of `width` x `height` (or with the IDAT data given)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) ^ (0 if crc_ok or kind != b"IDAT" else 1)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = idat if idat is not None else zlib.compress(b"".join(b"\x00" + b"\x80" * width for _ in range(height)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (90, 120, 60)).save(out, "JPEG")
    return out.getvalue()


CSV_TEXT = b"WDID,PARAMETER,RESULT,UNITS\n" + b"5S19I000001,Zinc,0.31,mg/L\n" * 12
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="{main}"/>{more}</Types>'
)
PLAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
RELS = '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>'
REL = (
    '<Relationship Id="{id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}"'
    ' Target="{target}"{mode}/>'
)


def workbook(*, main: str = PLAIN, types: str = "", parts: dict[str, bytes] | None = None, rels: str = "") -> bytes:
    """An XLSX package: content types, root and workbook relationships, a workbook and one sheet."""
    files = {
        "[Content_Types].xml": CONTENT_TYPES.format(main=main, more=types).encode(),
        "_rels/.rels": RELS.format(
            REL.format(id="r1", kind="officeDocument", target="xl/workbook.xml", mode="")
        ).encode(),
        "xl/workbook.xml": b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>',
        "xl/_rels/workbook.xml.rels": RELS.format(
            REL.format(id="r1", kind="worksheet", target="worksheets/sheet1.xml", mode="") + rels
        ).encode(),
        "xl/worksheets/sheet1.xml": b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>',
        **(parts or {}),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in files.items():
            archive.writestr(name, body)
    return out.getvalue()


def huge_central_directory(entries: int) -> bytes:
    """A workbook's two parts, then a zip64 central directory of `entries` entries all naming one stored file."""
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 0, 0, 1, 0) + b"a"
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 45, 20, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0)
    directory = (central + b"a") * entries
    offset = len(local)
    eocd64 = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries, len(directory), offset)
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, offset + len(directory), 1)
    eocd = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return local + directory + eocd64 + locator + eocd


OLE = b"\xd0\xcf\x11\xe0" + b"\x00" * 60
"""The start of an OLE compound file (what vbaProject.bin and embedded objects are)."""
ACTIVE_WORKBOOKS: dict[str, dict[str, Any]] = {
    "macro-enabled-workbook-named-xlsx": {
        "main": MACRO,
        "types": '<Override PartName="/xl/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"/>',
        "parts": {"xl/vbaProject.bin": OLE},
        "rels": '<Relationship Id="r2" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
        'Target="vbaProject.bin"/>',
    },
    "vba-project-in-plain-workbook": {"parts": {"xl/vbaProject.bin": OLE}},
    "xlm-macro-sheet": {"parts": {"xl/macrosheets/sheet1.xml": b"<xm:macrosheet/>"}},
    "workbook-external-link": {
        "parts": {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"},
        "rels": REL.format(id="r9", kind="externalLink", target="externalLinks/externalLink1.xml", mode=""),
    },
    "workbook-external-target": {
        "rels": REL.format(id="r5", kind="externalLinkPath", target="file:///C:/x.xlsx", mode=' TargetMode="External"')
    },
    "workbook-embedded-ole-object": {"parts": {"xl/embeddings/oleObject1.bin": OLE}},
}
"""Workbooks `workbook()` builds with macros, external links or embedded objects: all `active_content`."""


def _format_cases() -> list[Case]:
    js_pdf = report(b" /OpenAction 6 0 R", more=[(6, 0, JS_ACTION)])
    clean = report()
    polyglot = ("wrong_file_type", "active_content")
    return [
        Case("png-prefix-before-javascript-pdf", png() + js_pdf, SUPPORTING, polyglot),
        Case("jpeg-prefix-before-javascript-pdf", jpeg()[:600] + js_pdf, SUPPORTING, polyglot),
        Case("csv-prefix-before-javascript-pdf", CSV_TEXT[:300] + b"\n" + js_pdf, SUPPORTING, polyglot),
        Case("csv-prefix-before-clean-pdf", CSV_TEXT[:300] + b"\n" + clean, SUPPORTING, ("wrong_file_type",)),
        Case("csv-prefix-before-pdf-as-report", CSV_TEXT[:300] + b"\n" + clean, REPORT, ("not_pdf",)),
        Case("pdf-past-1024-bytes-in-csv", CSV_TEXT * 4 + js_pdf, SUPPORTING, ("wrong_file_type",)),
        Case("clean-pdf-as-supporting", clean, SUPPORTING, ()),
        Case("javascript-pdf-as-supporting", js_pdf, SUPPORTING, ("active_content",)),
        Case("png", png(), SUPPORTING, ()),
        Case("jpeg", jpeg(), SUPPORTING, ()),
        Case("csv", CSV_TEXT, SUPPORTING, ()),
        Case("png-bad-crc", png(crc_ok=False), SUPPORTING, ("malformed",)),
        Case("png-truncated-pixels", png(64, 64, idat=zlib.compress(b"\x00" * 100)), SUPPORTING, ("malformed",)),
        Case(
            "png-100000-pixels-square", png(100_000, 100_000, idat=zlib.compress(b"")), SUPPORTING, ("resource_limit",)
        ),
        Case("png-with-zip-appended", png() + workbook(), SUPPORTING, ("wrong_file_type",)),
        Case("jpeg-truncated", jpeg()[:-40], SUPPORTING, ("malformed",)),
        Case("xlsx", workbook(), SUPPORTING, ()),
        *(Case(name, workbook(**parts), SUPPORTING, ("active_content",)) for name, parts in ACTIVE_WORKBOOKS.items()),
        Case(
            "workbook-with-dtd",
            workbook(parts={"xl/_rels/workbook.xml.rels": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>'}),
            SUPPORTING,
            ("malformed",),
        ),
        Case("workbook-350000-entries", huge_central_directory(350_000), SUPPORTING, ("resource_limit",)),
        Case(
            "word-document-as-supporting",
            zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}),
            SUPPORTING,
            ("wrong_file_type",),
        ),
    ]


def zip_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, body in files.items():
            archive.writestr(name, body)
    return out.getvalue()


BUILDERS: list[Callable[[], list[Case]]] = [_pdf_cases, _format_cases]


def hostile_cases() -> list[Case]:
    """Every case, built fresh."""
    return [case for build in BUILDERS for case in build()]

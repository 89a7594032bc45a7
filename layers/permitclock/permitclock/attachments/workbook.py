"""XLSX supporting documents: a well-formed OOXML workbook package without macros, external links or OLE.

Read in the sandbox child, and bounded before `zipfile` builds its list of entries (a 350,000-entry central
directory took 19 s there):

1. `entry_names`: the end-of-central-directory record (and its zip64 form) is read directly; more than
   `xlsx_max_entries` entries, counted there and as central-directory signatures, is `TooManyEntries`.
   Then `zipfile` lists the names. `sniff` calls it to tell a workbook (`[Content_Types].xml` and
   `xl/workbook.xml`) from other ZIP files (OpenDocument, Word).
2. `check_workbook`: names unique, relative, without `..` or backslashes, no encrypted entry; the main part
   declared as a plain workbook (`.xlsx`, not macro-enabled `.xlsm`/`.xltm`/`.xlam` content); no
   `vbaProject.bin`, macro sheets (XLM), ActiveX, embedded objects (`xl/embeddings/`, OLE content types and
   relationships), external links (`xl/externalLinks/`, externalLink relationships, any other relationship
   with `TargetMode="External"` than a hyperlink) or data connections (`xl/connections.xml`, query tables).
   Those are `active_content`. Every entry is then read to its end (zipfile checks each CRC) within
   `xlsx_max_uncompressed_bytes` in total; a damaged package is `malformed`, one past a bound
   `resource_limit`. XML is parsed only from the package's own small parts and only without a DTD (OOXML has
   none; that also shuts out entity expansion).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from xml.etree import ElementTree

from permitclock.domain.attachments import Finding, FindingCode, ValidationLimits

CONTENT_TYPES = "[Content_Types].xml"
WORKBOOK = "xl/workbook.xml"
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"

_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_CENTRAL_ENTRY = b"PK\x01\x02"
_EOCD_SEARCH = 22 + 65_535

_ACTIVE_PARTS = re.compile(
    r"(^|/)vbaProject\.bin$|^xl/(embeddings|activeX|externalLinks|macrosheets|ctrlProps)/|^xl/connections\.xml$"
    r"|^xl/queryTables/|(^|/)vbaData\.xml$",
    re.IGNORECASE,
)
_ACTIVE_CONTENT_TYPE = re.compile(r"macroEnabled|vbaProject|vbaData|activeX|oleObject|macrosheet|externalLink"
                                  r"|connections|queryTable", re.IGNORECASE)  # fmt: skip
_ACTIVE_RELATIONSHIP = re.compile(
    r"/(vbaProject|oleObject|package|externalLink|externalLinkPath|activeXControl|activeXControlBinary"
    r"|xlMacrosheet|xlIntlMacrosheet|connections|queryTable|attachedTemplate|control)$",
    re.IGNORECASE,
)
_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
_XML_PART_MAX = 2_000_000
"""`[Content_Types].xml` and `.rels` parts larger than this are refused unread."""


class TooManyEntries(Exception):
    """The archive lists more entries than the bound, or a central directory too large for it."""


ACTIVE = Finding(
    code=FindingCode.ACTIVE_CONTENT,
    message="The workbook contains macros, embedded objects, external links or data connections. "
    "Save it as a plain .xlsx workbook without them and upload again.",
)


def entry_names(data: bytes, max_entries: int) -> list[str] | None:
    """The entry names of the ZIP archive `data` (bounded first); None when it is not a readable archive."""
    eocd = data.rfind(_EOCD, max(0, len(data) - _EOCD_SEARCH))
    if eocd < 0 or len(data) < eocd + 22:
        return None
    _, _, _, total, _, cd_offset = struct.unpack("<HHHHII", data[eocd + 4 : eocd + 20])
    locator = data.rfind(_EOCD64_LOCATOR, max(0, eocd - 20), eocd)
    if locator >= 0 and len(data) >= locator + 20:
        (eocd64,) = struct.unpack("<Q", data[locator + 8 : locator + 16])
        if len(data) >= eocd64 + 56:
            total, _, cd_offset = struct.unpack("<QQQ", data[eocd64 + 32 : eocd64 + 56])
    signatures = data.count(_CENTRAL_ENTRY, max(0, min(cd_offset, eocd)), eocd)
    if max(total, signatures) > max_entries:
        raise TooManyEntries
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, struct.error):
        return None


def is_workbook(names: list[str]) -> bool:
    return CONTENT_TYPES in names and WORKBOOK in names


def check_workbook(data: bytes, limits: ValidationLimits) -> list[Finding]:
    """The errors of the workbook package `data` (one whose names `is_workbook` accepted); empty when clean."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _check(archive, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, ElementTree.ParseError,
            NotImplementedError, RuntimeError, struct.error):  # fmt: skip
        return [_finding(FindingCode.MALFORMED, "The workbook is damaged and could not be read.")]


def _check(archive: zipfile.ZipFile, limits: ValidationLimits) -> list[Finding]:
    infos = archive.infolist()
    names = [info.filename for info in infos]
    if len(set(names)) != len(names) or any(_unsafe_name(name) for name in names):
        return [_finding(FindingCode.MALFORMED, "The workbook's package has duplicate or unsafe part names.")]
    if any(info.flag_bits & 0x1 for info in infos):
        return [_finding(FindingCode.ENCRYPTED, "The workbook is protected by a password.")]
    if sum(info.file_size for info in infos) > limits.xlsx_max_uncompressed_bytes:
        return [_too_big(limits)]
    types = _xml(archive, CONTENT_TYPES)
    declared = {el.get("PartName", "").lstrip("/"): el.get("ContentType", "") for el in types.iter(_tag("Override"))}
    kinds = [*declared.values(), *(el.get("ContentType", "") for el in types.iter(_tag("Default")))]
    if (
        any(_ACTIVE_PARTS.search(name) for name in names)
        or any(_ACTIVE_CONTENT_TYPE.search(kind) for kind in kinds)
        or any(_links_out(archive, name) for name in names if name.endswith(".rels"))
    ):
        return [ACTIVE]
    if declared.get(WORKBOOK) != WORKBOOK_TYPE:
        return [_finding(FindingCode.MALFORMED, "The workbook's main part is not declared as a workbook.")]
    remaining = limits.xlsx_max_uncompressed_bytes
    for info in infos:
        with archive.open(info) as part:
            while chunk := part.read(1 << 20):
                remaining -= len(chunk)
                if remaining < 0:
                    return [_too_big(limits)]
    return []


def _links_out(archive: zipfile.ZipFile, rels: str) -> bool:
    """Whether the relationship part `rels` names a macro, OLE, ActiveX, connection or external target."""
    for rel in _xml(archive, rels).iter(_rel_tag("Relationship")):
        kind = rel.get("Type", "")
        if _ACTIVE_RELATIONSHIP.search(kind) or (rel.get("TargetMode") == "External" and kind != _HYPERLINK):
            return True
    return False


def _xml(archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    info = archive.getinfo(name)
    if info.file_size > _XML_PART_MAX:
        raise ValueError("package part too large")
    raw = archive.read(info)
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise ValueError("DTD in a package part")
    return ElementTree.fromstring(raw)


def _tag(local: str) -> str:
    return "{http://schemas.openxmlformats.org/package/2006/content-types}" + local


def _rel_tag(local: str) -> str:
    return "{http://schemas.openxmlformats.org/package/2006/relationships}" + local


def _unsafe_name(name: str) -> bool:
    return name.startswith("/") or "\\" in name or ".." in name.split("/") or "\x00" in name


def _too_big(limits: ValidationLimits) -> Finding:
    return _finding(
        FindingCode.RESOURCE_LIMIT,
        f"The workbook unpacks to more than {limits.xlsx_max_uncompressed_bytes:,} bytes, more than is checked.",
    )


def _finding(code: FindingCode, message: str) -> Finding:
    return Finding(code=code, message=message)

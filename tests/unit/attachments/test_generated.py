"""Hostile and benign inputs built in the test: actions, embedded files, page cap, bombs, nesting, encryption,
truncation, and the non-PDF formats Supporting Documentation accepts."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from permitclock.attachments import check_pdf_bytes, validate_attachment
from permitclock.domain.attachments import (
    AttachmentFileType,
    DetectedFormat,
    Finding,
    FindingCode,
    ValidationLimits,
)
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from infra.sample_documents import raw_pdf
from tests.security.hostile_files import jpeg, workbook

REPORT = AttachmentFileType.LEVEL_2_ERA_TECHNICAL_REPORT
SUPPORTING = AttachmentFileType.SUPPORTING_DOCUMENTATION
TEXT = b"BT /F1 12 Tf 72 720 Td (Level 2 ERA Technical Report) Tj ET"


def written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def blank_pdf(pages: int = 1) -> PdfWriter:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(612, 792)
    return writer


def action(kind: str, **entries: object) -> DictionaryObject:
    result = DictionaryObject({NameObject("/S"): NameObject(kind)})
    for key, value in entries.items():
        result[NameObject(f"/{key}")] = value
    return result


def with_open_action(open_action: DictionaryObject | ArrayObject) -> bytes:
    writer = blank_pdf()
    writer._root_object[NameObject("/OpenAction")] = open_action
    return written(writer)


def with_widget(**annotation: object) -> bytes:
    """A page with one widget annotation and no /AcroForm in the catalog."""
    writer = blank_pdf()
    widget = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/Rect"): ArrayObject([NumberObject(0), NumberObject(0), NumberObject(10), NumberObject(10)]),
        }
    )
    for key, value in annotation.items():
        widget[NameObject(f"/{key}")] = value
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(widget)])
    return written(writer)


def codes(findings: list[Finding]) -> list[str]:
    return [f.code.value for f in findings]


def test_text_pdf_is_accepted_without_warnings() -> None:
    verdict = validate_attachment(raw_pdf(TEXT), REPORT)
    assert verdict.ok
    assert (verdict.pages, verdict.detected_format, verdict.errors, verdict.warnings) == (
        1,
        DetectedFormat.PDF,
        [],
        [],
    )
    assert len(verdict.sha256) == 64


def test_blank_pages_are_accepted_with_no_text_layer() -> None:
    verdict = validate_attachment(written(blank_pdf(3)), REPORT)
    assert verdict.ok
    assert codes(verdict.warnings) == ["no_text_layer"]


JS = TextStringObject("app.alert(1)")
ACTIVE = {
    "javascript-open-action": lambda: with_open_action(action("/JavaScript", JS=JS)),
    "launch-open-action": lambda: with_open_action(action("/Launch", F=TextStringObject("calc.exe"))),
    "javascript-next-chain": lambda: with_open_action(
        action("/GoTo", D=ArrayObject([NumberObject(0)]), Next=action("/JavaScript", JS=JS))
    ),
    "widget-aa-javascript-without-acroform": lambda: with_widget(
        AA=DictionaryObject({NameObject("/K"): action("/JavaScript", JS=JS)})
    ),
    "submit-form": lambda: with_widget(A=action("/SubmitForm", F=TextStringObject("https://example.com"))),
    "rich-media": lambda: with_widget(Subtype=NameObject("/RichMedia")),
}


def _js_name_tree() -> bytes:
    writer = blank_pdf()
    tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("x"), action("/JavaScript", JS=JS)])})
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    return written(writer)


def _embedded_file() -> bytes:
    writer = blank_pdf()
    writer.add_attachment("data.csv", b"a,b\n1,2\n")
    return written(writer)


ACTIVE["javascript-name-tree"] = _js_name_tree
ACTIVE["embedded-file"] = _embedded_file


@pytest.mark.parametrize("case", sorted(ACTIVE))
def test_active_content_is_rejected(case: str) -> None:
    verdict = validate_attachment(ACTIVE[case](), REPORT)
    assert codes(verdict.errors) == ["active_content"]
    assert "alert" not in verdict.errors[0].message


def test_goto_open_action_is_benign() -> None:
    verdict = validate_attachment(with_open_action(action("/GoTo", D=ArrayObject([NumberObject(0)]))), REPORT)
    assert verdict.ok


def test_page_cap() -> None:
    data = written(blank_pdf(600))
    verdict = validate_attachment(data, REPORT)
    assert (codes(verdict.errors), verdict.pages) == (["too_many_pages"], 600)
    assert "600" in verdict.errors[0].message
    assert validate_attachment(data, REPORT, ValidationLimits(max_pages=600)).ok


def test_flate_bomb_stops_at_the_decode_limit() -> None:
    bomb = zlib.compress(b" " * 64_000_000, 9)  # 62 KB that inflates to 64 MB
    verdict = validate_attachment(raw_pdf(bomb, filters="/Filter /FlateDecode"), REPORT)
    assert codes(verdict.errors) == ["resource_limit"]
    assert "LimitReachedError" in verdict.errors[0].message


def test_deeply_nested_arrays_are_rejected() -> None:
    verdict = validate_attachment(raw_pdf(TEXT, page_extra=b"/Foo " + b"[" * 50_000 + b"]" * 50_000), REPORT)
    assert codes(verdict.errors) in (["malformed"], ["resource_limit"])


def test_truncated_upload_is_malformed() -> None:
    data = raw_pdf(TEXT)
    assert codes(validate_attachment(data[: len(data) // 2], REPORT).errors) == ["malformed"]


def test_repaired_file_is_accepted_with_a_warning() -> None:
    data = raw_pdf(TEXT)
    broken = data.replace(b"startxref\n%d" % data.rindex(b"xref\n0 "), b"startxref\n7")
    verdict = validate_attachment(broken, REPORT)
    assert verdict.ok
    assert codes(verdict.warnings) == ["repaired"]


def test_document_without_pages_is_malformed() -> None:
    assert codes(validate_attachment(written(PdfWriter()), REPORT).errors) == ["malformed"]


def test_user_password_is_encrypted_and_owner_only_is_flagged() -> None:
    locked = blank_pdf()
    locked.encrypt(user_password="secret", owner_password="owner", algorithm="AES-256")
    assert codes(validate_attachment(written(locked), REPORT).errors) == ["encrypted"]
    restricted = blank_pdf()
    restricted.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    verdict = validate_attachment(written(restricted), REPORT)
    assert verdict.ok
    assert codes(verdict.warnings) == ["owner_password_only", "no_text_layer"]


def test_empty_and_too_large() -> None:
    assert codes(validate_attachment(b"", REPORT).errors) == ["empty"]
    assert codes(check_pdf_bytes(b"").errors) == ["empty"]
    verdict = validate_attachment(raw_pdf(TEXT), REPORT, ValidationLimits(max_bytes=100))
    assert codes(verdict.errors) == ["too_large"]


def png_bytes() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")
    )


def zip_bytes(names: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


JPEG = jpeg()
XLSX = workbook()
CSV = b"WDID,PARAMETER,RESULT,UNITS\n5S19I000001,Zinc,0.31,mg/L\n5S19I000001,pH,7.2,SU\n"


@pytest.mark.parametrize(
    ("data", "detected"),
    [
        (png_bytes(), "png"),
        (JPEG, "jpeg"),
        (CSV, "csv"),
        (b"\xef\xbb\xbfa;b\n1;2\n", "csv"),
        (XLSX, "xlsx"),
        (raw_pdf(TEXT), "pdf"),
    ],
)
def test_supporting_documentation_formats_are_accepted(data: bytes, detected: str) -> None:
    verdict = validate_attachment(data, SUPPORTING)
    assert verdict.ok
    assert verdict.detected_format == detected


@pytest.mark.parametrize(
    "data",
    [
        zip_bytes(["mimetype", "content.xml", "META-INF/manifest.xml"]),  # OpenDocument
        zip_bytes(["[Content_Types].xml", "word/document.xml"]),  # Word, not a workbook
        b"PK\x03\x04 not really a zip",
        b"Dear consultant,\nthis letter has prose, not columns, as you see.\n",
        b"a,b\n1,2,3\n",  # ragged
        b"a,b\x00\n1,2\n",  # NUL byte
        b"\xff\xfe\x00a",
    ],
)
def test_other_content_is_the_wrong_file_type_for_supporting_documentation(data: bytes) -> None:
    verdict = validate_attachment(data, SUPPORTING)
    assert (codes(verdict.errors), verdict.detected_format) == (["wrong_file_type"], "unknown")


def test_html_in_front_of_a_pdf_header_is_two_formats_at_once() -> None:
    # Readers find `%PDF-` within the first 1024 bytes, so this is a PDF with a prefix, never a plain file.
    data = b"<!DOCTYPE html><script>alert(1)</script>%PDF-1.7"
    supporting = validate_attachment(data, SUPPORTING)
    assert (codes(supporting.errors)[0], supporting.detected_format) == ("wrong_file_type", "pdf")
    assert codes(validate_attachment(data, REPORT).errors) == ["not_pdf"]


def test_png_as_a_report_is_the_wrong_file_type_and_garbage_is_not_pdf() -> None:
    assert codes(validate_attachment(png_bytes(), REPORT).errors) == ["wrong_file_type"]
    assert codes(validate_attachment(CSV, AttachmentFileType.SWPPP).errors) == ["wrong_file_type"]
    assert codes(validate_attachment(b"\x00garbage", AttachmentFileType.LEVEL_1_ERA_REPORT).errors) == ["not_pdf"]


def test_verdict_serialises_ok() -> None:
    dumped = validate_attachment(b"", REPORT).model_dump(mode="json")
    assert dumped["ok"] is False
    assert dumped["errors"] == [{"code": "empty", "message": "The file is empty."}]
    assert FindingCode.EMPTY == "empty"

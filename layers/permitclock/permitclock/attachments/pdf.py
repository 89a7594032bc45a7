"""The bounded pypdf check of one PDF, run in a child process (`sandbox.Isolated`).

In the child, pypdf runs under a tightened `pypdf.Configuration` (decode output, decoding work, declared
stream length, XMP size, no external `jbig2dec`) and these steps:

1. Open with `strict=True`, decrypt with the empty password, count pages (the tree is walked, `/Count` is
   not trusted), look for active content, look for a text layer on the first pages.
2. **Lenient repair policy**: if the strict pass raised anything other than a resource or encryption error,
   the whole check runs again with `strict=False`. A file that passes it is accepted with a `repaired`
   warning; one that fails is rejected (`malformed`, or `resource_limit`). Repairs are accepted because
   viewers open these files (a bad xref offset, a missing `/Length`) and rejecting them would turn away real
   reports; the lenient pass keeps every limit, the memory cap and the time budget, and the `%PDF-` at byte 0
   gate has already refused polyglots, the main lenient-only risk.
3. **Encryption**: a document whose *user* password is empty opens without asking, so it is accepted with
   `owner_password_only` (it only restricts permissions; its content is checked like any other). One that
   needs a password is `encrypted`: reviewers could not open it and its content cannot be checked.
4. **Active content** (`active_content`): JavaScript anywhere (actions, `/JS`, the `/JavaScript` name
   tree), Launch, SubmitForm and ImportData actions, embedded files, rich media and XFA forms, found by a
   bounded walk of every dictionary and array reachable from the catalog (so `/AA` on widgets without an
   `/AcroForm`, outline actions and `/Next` chains are covered). A go-to `/OpenAction`, links and plain
   forms are fine. SubmitForm counts: it sends form data to a web address.

Every exception is caught (the maintainers leave that to the caller: `TypeError`, `AttributeError` and
`UnicodeDecodeError` escape pypdf besides its own errors); findings name the exception class at most, never
its message, which can quote the document.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from io import BytesIO
from typing import NamedTuple

from pypdf import Configuration, PdfReader, apply_configuration
from pypdf._encryption import AlgV4, AlgV5
from pypdf.errors import FileNotDecryptedError, LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject

from permitclock.attachments.sandbox import Isolated, Stopped
from permitclock.domain.attachments import Finding, FindingCode, ValidationLimits


class PdfCheck(NamedTuple):
    """What the parser found: page count (None if it could not count), errors and warnings."""

    pages: int | None
    errors: list[Finding]
    warnings: list[Finding]


ACTIVE_ACTIONS = {
    "/JavaScript": "JavaScript",
    "/Launch": "an action that starts a program",
    "/SubmitForm": "a form that sends data to a web address",
    "/ImportData": "an action that imports data from a file",
    "/RichMediaExecute": "rich media",
}
"""Action types (`/S`) that count as active content, with how a finding names them."""

ACTIVE_KEYS = {
    "/JS": "JavaScript",
    "/JavaScript": "JavaScript",
    "/EmbeddedFiles": "an embedded file",
    "/EF": "an embedded file",
    "/RichMediaContent": "rich media",
    "/XFA": "an XFA form",
}
"""Dictionary keys whose presence counts as active content."""

ACTIVE_SUBTYPES = {
    "/FileAttachment": "an embedded file",
    "/RichMedia": "rich media",
    "/EmbeddedFile": "an embedded file",
}
"""`/Subtype` or `/Type` values that count as active content."""

ENCRYPTED = Finding(
    code=FindingCode.ENCRYPTED,
    message="The PDF is protected by a password. Remove the password and upload it again.",
)
OWNER_PASSWORD_ONLY = Finding(
    code=FindingCode.OWNER_PASSWORD_ONLY,
    message="The PDF restricts printing or editing with an owner password; it opens without one, so it was accepted.",
)
NO_TEXT_LAYER = Finding(
    code=FindingCode.NO_TEXT_LAYER,
    message="The first pages have no searchable text (a scan?). It was accepted; a searchable PDF is better.",
)
REPAIRED = Finding(
    code=FindingCode.REPAIRED,
    message="The PDF had structural damage that was repaired when reading it. "
    "It was accepted; exporting it again from the original program is safer.",
)


def check_pdf_bytes(
    data: bytes, limits: ValidationLimits | None = None, *, start_method: str | None = None
) -> PdfCheck:
    """Check `data` as a PDF in a bounded child process; no signature gate (see `validate_attachment`).

    `start_method` overrides the multiprocessing start method (default: fork where available).
    """
    limits = limits or ValidationLimits()
    if not data:
        return PdfCheck(None, [Finding(code=FindingCode.EMPTY, message="The file is empty.")], [])
    isolated = Isolated(_child_check, limits.time_budget_seconds, limits.memory_cap_bytes, start_method)
    outcome = isolated((data, limits))
    if isinstance(outcome, Stopped):
        return PdfCheck(None, [_stopped_finding(outcome, limits)], [])
    return outcome


def _child_check(job: tuple[bytes, ValidationLimits]) -> PdfCheck:
    """The child's work: strict pass, then the lenient retry policy. Never raises."""
    data, limits = job
    logging.disable(logging.CRITICAL)  # lenient pypdf logs repairs, sometimes quoting the file
    warnings.simplefilter("ignore")
    with apply_configuration(_pypdf_configuration(limits)):
        try:
            return _inspect(data, limits, strict=True)
        except Exception as exc:  # also RecursionError and MemoryError
            strict_finding = _exception_finding(exc)
        if strict_finding.code != FindingCode.MALFORMED:
            return PdfCheck(None, [strict_finding], [])
        try:
            check = _inspect(data, limits, strict=False)
        except Exception as exc:
            return PdfCheck(None, [_exception_finding(exc)], [])
    return check._replace(warnings=[REPAIRED, *check.warnings])


def _pypdf_configuration(limits: ValidationLimits) -> Configuration:
    """pypdf's defaults with the decode, work, stream-length and XMP limits of `limits`; no `jbig2dec`."""
    decode = limits.decode_max_output_bytes
    return Configuration(
        zlib_maximum_output_length=decode,
        lzw_maximum_output_length=decode,
        run_length_maximum_output_length=decode,
        jbig2_maximum_output_length=decode,
        brotli_maximum_output_length=decode,
        image_maximum_buffer_size=decode,
        array_based_stream_maximum_output_length=decode,
        stream_decoding_work_maximum_length=limits.decode_max_work_bytes,
        xfa_decoding_work_maximum_length=limits.decode_max_work_bytes,
        maximum_declared_stream_length=limits.max_bytes,
        xmp_maximum_input_length=limits.xmp_max_input_bytes,
        jbig2dec_binary=None,
        disable_legacy_handling=True,
    )


def _inspect(data: bytes, limits: ValidationLimits, *, strict: bool) -> PdfCheck:
    reader = PdfReader(
        BytesIO(data),
        strict=strict,
        root_object_recovery_limit=limits.root_object_recovery_limit,
        xref_stream_maximum_entries=limits.xref_stream_max_entries,
    )
    warnings_found: list[Finding] = []
    if reader.is_encrypted:
        if not _empty_user_password_opens(reader):
            return PdfCheck(None, [ENCRYPTED], [])
        reader.decrypt("")
        warnings_found.append(OWNER_PASSWORD_ONLY)
    pages = len(reader.pages)
    if pages == 0:
        return PdfCheck(0, [Finding(code=FindingCode.MALFORMED, message="The PDF has no pages.")], warnings_found)
    if pages > limits.max_pages:
        too_many = Finding(
            code=FindingCode.TOO_MANY_PAGES,
            message=f"The PDF has {pages} pages; at most {limits.max_pages} are accepted. Split it into parts.",
        )
        return PdfCheck(pages, [too_many], warnings_found)
    errors: list[Finding] = []
    active = _active_content(reader, limits.max_walked_objects)
    if active:
        errors.append(
            Finding(
                code=FindingCode.ACTIVE_CONTENT,
                message=f"The PDF contains {_join(sorted(active))}. "
                "Remove it (or print to a new PDF) and upload again.",
            )
        )
    if not _has_text(reader, min(pages, limits.text_probe_pages)):
        warnings_found.append(NO_TEXT_LAYER)
    return PdfCheck(pages, errors, warnings_found)


def _empty_user_password_opens(reader: PdfReader) -> bool:
    """Whether the *user* password is empty, i.e. a viewer opens the file without asking.

    `PdfReader.decrypt` tries the owner password first, so an empty owner password with a real user password
    reads as success there. pypdf has no public user-only check, hence its encryption internals; the corpus
    tests (r2 empty passwords, r6 user password, r6 owner password only) pin the behaviour across upgrades.
    """
    encryption = reader._encryption
    if encryption is None:
        return False
    if encryption.V <= 4:
        key = AlgV4.verify_user_password(
            b"",
            encryption.R,
            encryption.Length,
            encryption.values.O,
            encryption.values.U,
            encryption.P,
            encryption.id1_entry,
            encryption.EncryptMetadata,
        )
    else:
        key = AlgV5.verify_user_password(encryption.R, b"", encryption.values.U, encryption.values.UE)
    return bool(key)


def _active_content(reader: PdfReader, max_objects: int) -> set[str]:
    """Descriptions of the active content reachable from the catalog (empty when none)."""
    found: set[str] = set()
    for node in _reachable(reader.trailer.raw_get("/Root"), max_objects):
        if isinstance(node, DictionaryObject):
            found.update(ACTIVE_KEYS[key] for key in node if key in ACTIVE_KEYS)
            action = _resolved(node.get("/S"))
            if isinstance(action, str) and action in ACTIVE_ACTIONS:
                found.add(ACTIVE_ACTIONS[action])
            for key in ("/Subtype", "/Type"):
                kind = _resolved(node.get(key))
                if isinstance(kind, str) and kind in ACTIVE_SUBTYPES:
                    found.add(ACTIVE_SUBTYPES[kind])
    return found


def _reachable(root: PdfObject, max_objects: int) -> Iterator[PdfObject]:
    """Every dictionary and array reachable from `root`, each indirect object once; no stream is decoded."""
    stack: list[PdfObject] = [root]
    seen: set[tuple[int, int]] = set()
    visited = 0
    while stack:
        node: PdfObject | None = stack.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)
        else:
            continue
        visited += 1
        if visited > max_objects:
            raise LimitReachedError("object walk limit")
        yield node


def _resolved(value: PdfObject | None) -> PdfObject | None:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _has_text(reader: PdfReader, probe_pages: int) -> bool:
    return any(any(ch.isalnum() for ch in reader.pages[i].extract_text()) for i in range(probe_pages))


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _exception_finding(exc: Exception) -> Finding:
    name = type(exc).__name__
    if isinstance(exc, (LimitReachedError, MemoryError, RecursionError)):
        return Finding(
            code=FindingCode.RESOURCE_LIMIT,
            message=f"Reading the PDF needs more memory or work than the checker allows ({name}).",
        )
    if isinstance(exc, FileNotDecryptedError):
        return ENCRYPTED
    return Finding(code=FindingCode.MALFORMED, message=f"The PDF is damaged and could not be read ({name}).")


def _stopped_finding(stopped: Stopped, limits: ValidationLimits) -> Finding:
    if stopped.timed_out:
        message = f"Checking the PDF took longer than {limits.time_budget_seconds:g} seconds, so it was stopped."
    else:
        message = f"The PDF reader stopped while checking this file ({stopped.describe()})."
    return Finding(code=FindingCode.RESOURCE_LIMIT, message=message)

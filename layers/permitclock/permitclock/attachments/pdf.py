"""The bounded check of one PDF, run in a child process (`sandbox.Isolated`).

In the child, pypdf runs under a tightened `pypdf.Configuration` (decode output, decoding work, declared
stream length, XMP size, no external `jbig2dec`) and these steps:

1. Open with `strict=True`, decrypt with the empty password, count pages (the tree is walked, `/Count` is
   not trusted), walk the object graph for active content, look for a text layer on the first pages.
2. **Lenient repair policy**: if the strict pass raised anything other than a resource or encryption error,
   the whole check runs again with `strict=False`. A file that passes it is accepted with a `repaired`
   warning, but only when the raw scan (step 4) is clean too; one that fails is rejected (`malformed`, or
   `resource_limit`). Repairs are accepted because viewers open these files (a bad xref offset, a missing
   `/Length`) and rejecting them would turn away real reports; the lenient pass keeps every limit, the memory
   cap and the time budget.
3. **Encryption**: a document whose *user* password is empty opens without asking, so it is accepted with
   `owner_password_only` (it only restricts permissions; its content is checked like any other, the raw scan
   decrypting its streams). One that needs a password is `encrypted`: reviewers could not open it and its
   content cannot be checked.
4. **Active content** (`active_content`), any name of `active.ACTIVE_NAMES` (JavaScript, `/AA` automatic
   actions, Launch, SubmitForm, ImportData, embedded files, rich media, XFA, 3D `/OnInstantiate` scripts)
   found either by a bounded walk of every dictionary and array reachable from the catalog, or by the raw
   scan of every object in the bytes (`rawscan`), which no xref trick, generation number or broken token can
   steer. A go-to `/OpenAction`, links and plain forms are fine. SubmitForm counts: it sends form data to a
   web address.
5. **A second reader** (`crosscheck`): a file still accepted is opened with qpdf (pikepdf) too, and
   rejected when qpdf finds active content, cannot open it, or counts other pages or other catalog
   actions than pypdf.

Every exception is caught (the maintainers leave that to the caller: `TypeError`, `AttributeError` and
`UnicodeDecodeError` escape pypdf besides its own errors); findings name the exception class at most, never
its message, which can quote the document.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterator
from io import BytesIO
from typing import NamedTuple, TypeVar, cast

from pypdf import Configuration, PdfReader, apply_configuration
from pypdf._encryption import AlgV4, AlgV5
from pypdf.errors import FileNotDecryptedError, LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, NullObject, PdfObject

from permitclock.attachments import crosscheck, rawscan
from permitclock.attachments.active import ACTIVE_NAMES, describe
from permitclock.attachments.sandbox import Isolated, Stopped, Usage
from permitclock.domain.attachments import Finding, FindingCode, ValidationLimits

T = TypeVar("T")
R = TypeVar("R")


class PdfCheck(NamedTuple):
    """What the parser found: page count (None if it could not count), errors and warnings."""

    pages: int | None
    errors: list[Finding]
    warnings: list[Finding]


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
    outcome, usage = isolated(inspect_pdf, limits, start_method).measured((data, limits))
    if isinstance(outcome, Stopped):
        return PdfCheck(None, [stopped_finding(outcome, usage, limits)], [])
    return outcome


def isolated(target: Callable[[T], R], limits: ValidationLimits, start_method: str | None = None) -> Isolated[T, R]:
    """`target` run in a sandbox child under the memory cap, CPU budget and wall-clock budget of `limits`."""
    return Isolated(
        target, limits.time_budget_seconds, limits.memory_cap_bytes, start_method, limits.cpu_budget_seconds
    )


def inspect_pdf(job: tuple[bytes, ValidationLimits]) -> PdfCheck:
    """The check itself: the parse (strict, then the lenient retry policy), the raw scan and the qpdf
    cross-check. Never raises; run it only inside the sandbox child."""
    data, limits = job
    logging.disable(logging.CRITICAL)  # lenient pypdf logs repairs, sometimes quoting the file
    warnings.simplefilter("ignore")
    with apply_configuration(_pypdf_configuration(limits)):
        parsed = _parse(data, limits)
        check = parsed.check
        if ENCRYPTED in check.errors:
            return check  # its streams cannot be read; it is rejected anyway
        try:
            found = parsed.active | {ACTIVE_NAMES[name] for name in rawscan.scan(data, limits, parsed.decrypt)}
        except Exception as exc:  # a file the parse already refused keeps that reason alone
            return check if check.errors else check._replace(errors=[_exception_finding(exc)])
    if not found and not check.errors and check.pages:
        qpdf_found, disagreement = crosscheck.cross_check(data, limits, check.pages, parsed.catalog)
        found |= qpdf_found
        if disagreement is not None:
            check = check._replace(errors=[disagreement])
    if not found:
        return check
    active = Finding(
        code=FindingCode.ACTIVE_CONTENT,
        message=f"The PDF contains {describe(found)}. Remove it (or print to a new PDF) and upload again.",
    )
    return check._replace(errors=[*check.errors, active])


class _Parsed(NamedTuple):
    """pypdf's reading: its verdict without active content, the active content it found, the catalog's
    `crosscheck.catalog_actions` and, for an encrypted file that opened, how to decrypt a stream."""

    check: PdfCheck
    active: set[str]
    catalog: frozenset[str] = frozenset()
    decrypt: rawscan.Decrypt | None = None


def _parse(data: bytes, limits: ValidationLimits) -> _Parsed:
    """Strict first, then (for a malformed file) the lenient retry, flagged `repaired`."""
    try:
        return _inspect(data, limits, strict=True)
    except Exception as exc:  # also RecursionError and MemoryError
        strict_finding = _exception_finding(exc)
    if strict_finding.code != FindingCode.MALFORMED:
        return _Parsed(PdfCheck(None, [strict_finding], []), set())
    try:
        parsed = _inspect(data, limits, strict=False)
    except Exception as exc:
        return _Parsed(PdfCheck(None, [_exception_finding(exc)], []), set())
    return parsed._replace(check=parsed.check._replace(warnings=[REPAIRED, *parsed.check.warnings]))


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


def _inspect(data: bytes, limits: ValidationLimits, *, strict: bool) -> _Parsed:
    reader = PdfReader(
        BytesIO(data),
        strict=strict,
        root_object_recovery_limit=limits.root_object_recovery_limit,
        xref_stream_maximum_entries=limits.xref_stream_max_entries,
    )
    warnings_found: list[Finding] = []
    decrypt: rawscan.Decrypt | None = None
    if reader.is_encrypted:
        if not _empty_user_password_opens(reader):
            return _Parsed(PdfCheck(None, [ENCRYPTED], []), set())
        reader.decrypt("")
        warnings_found.append(OWNER_PASSWORD_ONLY)
        decrypt = _stream_decrypter(reader)
    pages = len(reader.pages)
    if pages == 0:
        no_pages = Finding(code=FindingCode.MALFORMED, message="The PDF has no pages.")
        return _Parsed(PdfCheck(0, [no_pages], warnings_found), set(), decrypt=decrypt)
    if pages > limits.max_pages:
        too_many = Finding(
            code=FindingCode.TOO_MANY_PAGES,
            message=f"The PDF has {pages} pages; at most {limits.max_pages} are accepted. Split it into parts.",
        )
        return _Parsed(PdfCheck(pages, [too_many], warnings_found), set(), decrypt=decrypt)
    active = _active_content(reader, limits.max_walked_objects)
    if not _has_text(reader, min(pages, limits.text_probe_pages)):
        warnings_found.append(NO_TEXT_LAYER)
    return _Parsed(PdfCheck(pages, [], warnings_found), active, _catalog_entries(reader), decrypt)


def _catalog_entries(reader: PdfReader) -> frozenset[str]:
    """`crosscheck.catalog_actions` of pypdf's catalog (null entries left out, as qpdf leaves them out)."""
    root = reader.trailer.raw_get("/Root").get_object()
    if not isinstance(root, DictionaryObject):
        return frozenset()
    values = {str(key): root[key] for key in root}
    return crosscheck.catalog_actions(
        {key: value if isinstance(value, DictionaryObject) else None for key, value in values.items()
         if not isinstance(value, NullObject)}
    )  # fmt: skip


def _stream_decrypter(reader: PdfReader) -> rawscan.Decrypt:
    """Decrypts one stream's raw data with the key the empty password opened (pypdf's crypt filters)."""
    encryption = reader._encryption
    assert encryption is not None

    def decrypt(number: int, generation: int, data: bytes) -> bytes:
        return bytes(encryption._make_crypt_filter(number, generation).stm_crypt.decrypt(data))

    return decrypt


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
    """Descriptions of the active names reachable from the catalog, as keys or name values (empty when none)."""
    found: set[str] = set()
    for node in _reachable(reader.trailer.raw_get("/Root"), max_objects):
        names = [*node, *node.values()] if isinstance(node, DictionaryObject) else list(cast(ArrayObject, node))
        found.update(ACTIVE_NAMES[n[1:]] for n in names if isinstance(n, NameObject) and n[1:] in ACTIVE_NAMES)
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


def _has_text(reader: PdfReader, probe_pages: int) -> bool:
    return any(any(ch.isalnum() for ch in reader.pages[i].extract_text()) for i in range(probe_pages))


def _exception_finding(exc: Exception) -> Finding:
    name = type(exc).__name__
    if isinstance(exc, (LimitReachedError, MemoryError, RecursionError)):
        return Finding(
            code=FindingCode.RESOURCE_LIMIT,
            message=f"Reading the PDF needs more memory or work than the checker allows ({name}).",
        )
    if isinstance(exc, FileNotDecryptedError):
        return ENCRYPTED
    if isinstance(exc, rawscan.Unscannable):
        return Finding(
            code=FindingCode.MALFORMED,
            message="An object stream of the PDF could not be read, so its content could not be checked.",
        )
    return Finding(code=FindingCode.MALFORMED, message=f"The PDF is damaged and could not be read ({name}).")


def stopped_finding(stopped: Stopped, usage: Usage, limits: ValidationLimits) -> Finding:
    """The `resource_limit` finding for a sandbox child that gave no result. A wall-clock stop before the CPU
    budget was used up says so: the machine was busy, and checking the file again may succeed."""
    if stopped.out_of_cpu:
        message = (
            f"Checking the file needed more than {limits.cpu_budget_seconds:g} seconds of processor time, "
            "so it was stopped."
        )
    elif stopped.timed_out:
        message = f"Checking the file took longer than {limits.time_budget_seconds:g} seconds, so it was stopped"
        if usage.starved(limits.cpu_budget_seconds):
            message += (
                f" after {usage.cpu_seconds:.1f} of its {limits.cpu_budget_seconds:g} seconds of processor time "
                "(the machine was busy: checking it again may succeed)"
            )
        message += "."
    else:
        message = f"The checker stopped while reading this file ({stopped.describe()})."
    return Finding(code=FindingCode.RESOURCE_LIMIT, message=message)

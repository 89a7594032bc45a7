"""Scan a PDF's raw bytes for active-content names, whatever any parser's object graph says.

A hostile file can make one parser see something else than another (an xref entry pointing at a decoy, a
wrong generation number, an incremental update, a token broken on purpose so a lenient reader drops the
action). So, besides the object graph, the checker reads the bytes the way a reader that rebuilds a damaged
file does, and rejects on any active name (`active.ACTIVE_NAMES`, hex-escaped spellings such as `/J#53`
included) found in:

* every object body: each `N G obj` header anywhere in the file starts one, whether or not the xref lists it;
  the body runs to `endobj`, the next header or a `stream` keyword;
* anything outside object bodies (trailers, junk after `%%EOF`);
* objects written inside a stream's data (a header there is where a reader that rebuilds the file, or one
  that trusts a shorter `/Length`, finds an object); the rest of raw stream data is encoded or binary, where
  a name-like byte run means nothing and would only reject good files by chance;
* the decoded data of every stream whose filters are all standard (Flate, LZW, ASCIIHex, ASCII85,
  RunLength), under the decode limits of `ValidationLimits`, except images, fonts, colour profiles and xref
  streams (binary, never parsed as objects, so not decoded). An object stream (`/Type /ObjStm`, or any
  stream with `/First`) that cannot be decoded is refused (`Unscannable`, or pypdf's `LimitReachedError`
  past a limit), since a reader might decode what the scan could not.

Strings and comments are text, not names (a URI such as `(https://example.org/JS/)`), but only in a body
whose syntax is intact. A body whose syntax is broken (a stray `)`, bad hex, an unterminated string,
unbalanced `<<`/`>>`, a `#` that escapes nothing, a brace) is read name by name, strings included: broken
tokens next to an action are the trick, so they never hide a name. Decoded content streams are read the
tolerant way (names in strings are text, broken syntax is allowed): no reader runs an action from one.
"""

from __future__ import annotations

import bisect
import re
import zlib
from collections.abc import Callable, Iterator
from typing import NamedTuple

from pypdf.errors import LimitReachedError
from pypdf.filters import ASCII85Decode, FlateDecode, LZWDecode, RunLengthDecode
from pypdf.generic import DictionaryObject, NameObject, NumberObject

from permitclock.attachments.active import ACTIVE_NAMES
from permitclock.domain.attachments import ValidationLimits

Decrypt = Callable[[int, int, bytes], bytes]
"""(object number, generation, raw stream data) -> decrypted data, for an encrypted file that opened."""


class Unscannable(Exception):
    """An object stream the scan could not decode, so its objects could not be checked."""


_WS = rb"\x00\t\n\x0c\r "
_DELIMITER = rb"()<>\[\]{}/%"
_REGULAR = rb"[^" + _WS + _DELIMITER + rb"]"
_NAME = re.compile(rb"/" + _REGULAR + rb"*")
_HEADER = re.compile(rb"(?<![0-9])(\d{1,10})[" + _WS + rb"]+(\d{1,5})[" + _WS + rb"]+obj(?!" + _REGULAR + rb")")
_ENDOBJ = re.compile(rb"endobj")
_STREAM = re.compile(rb"(?<![A-Za-z])stream(?:\r\n|\n|\r)?")
_ENDSTREAM = re.compile(rb"endstream")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_SYNTAX = re.compile(rb"[()<>%#{}]")
_IN_STRING = re.compile(rb"[()\\]")
_EOL = re.compile(rb"[\r\n]")
_HEX_STRING = re.compile(rb"[0-9A-Fa-f" + _WS + rb"]*")

STANDARD_FILTERS = {
    "FlateDecode": "Flate", "Fl": "Flate", "LZWDecode": "LZW", "LZW": "LZW", "ASCIIHexDecode": "AHx",
    "AHx": "AHx", "ASCII85Decode": "A85", "A85": "A85", "RunLengthDecode": "RL", "RL": "RL",
}  # fmt: skip
"""Filter names (full and abbreviated) the scan decodes, to one short name each."""

MAX_FILTERS = 8


def _spelling(name: str) -> bytes:
    """A regex matching `name` with any of its characters written as a `#xx` hex escape (either case)."""
    parts = []
    for byte in name.encode():
        digits = b"".join(b"[%s%s]" % (d.lower(), d.upper()) if d.isalpha() else d for d in _hex_digits(byte))
        parts.append(b"(?:" + re.escape(bytes([byte])) + b"|#" + digits + b")")
    return b"".join(parts)


def _hex_digits(byte: int) -> list[bytes]:
    return [bytes([c]) for c in b"%02x" % byte]


_CANDIDATE = re.compile(
    rb"/(?:"
    + b"|".join(_spelling(name) for name in sorted(ACTIVE_NAMES, key=len, reverse=True))
    + rb")(?=["
    + _WS
    + _DELIMITER
    + rb"]|#00|\Z)"
)
"""An active name as a whole name token (a `#00` escape ends a name for readers that stop at NUL)."""


class Segment(NamedTuple):
    """A span of the file: an object body, or the data of a stream (`stream` set)."""

    start: int
    end: int
    stream: _Stream | None = None


class _Stream(NamedTuple):
    number: int
    generation: int
    dictionary: bytes


def scan(data: bytes, limits: ValidationLimits, decrypt: Decrypt | None = None) -> set[str]:
    """Active names found in `data` (without their `/`); empty when none.

    Raises `Unscannable` or `LimitReachedError` when an object stream could not be checked, and
    `LimitReachedError` when the decoded data would pass the limits.
    """
    found: set[str] = set()
    segments = list(_segments(data, 0, len(data)))
    budget = _Budget(limits.scan_max_decoded_bytes)
    for segment in segments:
        if segment.stream is not None:
            found.update(_stream_names(data, segment, limits, decrypt, budget))
    found.update(_raw_names(data, segments))
    return found


def _raw_names(data: bytes, segments: list[Segment]) -> set[str]:
    """Active names in the raw bytes: in object bodies (outside intact strings and comments), outside every
    object, and in objects whose headers stand inside stream data (where a rebuilding reader finds them)."""
    found: set[str] = set()
    starts = [s.start for s in segments]
    spans: dict[int, _Spans] = {}
    embedded: dict[int, list[Segment]] = {}
    for match in _CANDIDATE.finditer(data):
        at = match.start()
        index = bisect.bisect_right(starts, at) - 1
        if index < 0 or at >= segments[index].end:
            found.add(_canonical(match.group()))  # outside every object body
            continue
        segment = segments[index]
        if segment.stream is not None:  # encoded or binary data: only objects written inside it count
            if segment.start not in embedded:
                embedded[segment.start] = [s for s in _segments(data, segment.start, segment.end) if not s.stream]
            inner = [s for s in embedded[segment.start] if s.start <= at < s.end]
            if not inner:
                continue
            segment = inner[0]
        if segment.start not in spans:
            spans[segment.start] = _text_spans(data, segment.start, segment.end)
        if not spans[segment.start].holds(at, strict=True):
            found.add(_canonical(match.group()))
    return found


class _Budget:
    """Decoded bytes the scan may still read over the whole file."""

    def __init__(self, remaining: int) -> None:
        self.remaining = remaining

    def spend(self, count: int) -> None:
        self.remaining -= count
        if self.remaining < 0:
            raise LimitReachedError("raw scan decode budget")


def _segments(data: bytes, begin: int, stop: int) -> Iterator[Segment]:
    """Object bodies and stream data of `data[begin:stop]` in order; headers inside a stream's data are part
    of that data (`_raw_names` looks for them there)."""
    position = begin
    while (header := _HEADER.search(data, position, stop)) is not None:
        start = header.end()
        following = _HEADER.search(data, start, stop)
        limit = following.start() if following else stop
        endobj = _ENDOBJ.search(data, start, limit)
        stream = _STREAM.search(data, start, endobj.start() if endobj else limit)
        if stream is None:
            end = endobj.start() if endobj else limit
            yield Segment(start, end)
            position = end
            continue
        yield Segment(start, stream.start())
        endstream = _ENDSTREAM.search(data, stream.end(), stop)
        dictionary = data[start : stream.start()]
        data_end = _data_end(data, stream.end(), endstream.start() if endstream else stop, dictionary)
        info = _Stream(int(header.group(1)), int(header.group(2)), dictionary)
        yield Segment(stream.end(), data_end, info)
        position = endstream.end() if endstream else stop


_LENGTH = re.compile(rb"/Length[" + _WS + rb"]+(\d{1,10})(?![" + _WS + rb"]+\d+[" + _WS + rb"]+R)")


def _data_end(data: bytes, start: int, endstream: int, dictionary: bytes) -> int:
    """Where a stream's data ends: its direct `/Length` when only an end-of-line follows that, else just
    before the end-of-line in front of `endstream` (exact bytes matter to decryption)."""
    length = _LENGTH.search(dictionary)
    if length is not None and start + int(length.group(1)) <= endstream:
        end = start + int(length.group(1))
        if not data[end:endstream].strip(b"\x00\t\n\x0c\r "):
            return end
    if data[endstream - 2 : endstream] == b"\r\n":
        return max(start, endstream - 2)
    return max(start, endstream - 1) if data[endstream - 1 : endstream] in (b"\n", b"\r") else endstream


def _stream_names(
    data: bytes, segment: Segment, limits: ValidationLimits, decrypt: Decrypt | None, budget: _Budget
) -> set[str]:
    """Active names in one stream's decoded data: object streams strictly, other text streams outside strings;
    binary streams (images, fonts, colour profiles, xref streams) are not decoded."""
    assert segment.stream is not None
    info = _dictionary(segment.stream.dictionary)
    if info.is_binary:
        return set()
    raw = data[segment.start : segment.end]
    try:
        if decrypt is not None:
            raw = decrypt(segment.stream.number, segment.stream.generation, raw)
        decoded = _decode(raw, info, limits, budget)
        if decoded is None:
            raise Unscannable("object stream uses a filter the scan cannot decode")
    except Exception as exc:  # pypdf judges other streams' content; an object stream must be read
        if not info.is_object_stream:
            return set()
        if isinstance(exc, (LimitReachedError, Unscannable)):
            raise
        raise Unscannable("object stream could not be decoded") from exc
    return _names(decoded, strict=info.is_object_stream)


class _Dictionary(NamedTuple):
    filters: list[str] | None
    """Short names of the filters in order; None when one is not standard or not a direct name."""
    parms: dict[str, int]
    is_object_stream: bool
    is_binary: bool


_FILTER = re.compile(rb"/Filter[" + _WS + rb"]*(\[[^\]]*\]|/" + _REGULAR + rb"*|[0-9])")
_TYPE = re.compile(rb"/(Type|Subtype)[" + _WS + rb"]*/(" + _REGULAR + rb"*)")
_PARM = re.compile(rb"/(Predictor|Columns|Colors|BitsPerComponent|EarlyChange)[" + _WS + rb"]+(\d{1,9})")
_BINARY_KINDS = {"Image", "XRef", "Type1C", "CIDFontType0C", "OpenType", "EmbeddedFile"}


def _dictionary(raw: bytes) -> _Dictionary:
    text = _NAME.sub(lambda m: _HEX_ESCAPE.sub(lambda h: bytes([int(h.group(1), 16)]), m.group()), raw)
    kinds = {m.group(2).decode("latin-1") for m in _TYPE.finditer(text)}
    keys = {m.group().decode("latin-1") for m in _NAME.finditer(text)}
    filters: list[str] | None = []
    if (match := _FILTER.search(text)) is not None:
        names = [n.decode("latin-1")[1:] for n in _NAME.findall(match.group(1))]
        if match.group(1)[:1] not in (b"[", b"/") or not all(n in STANDARD_FILTERS for n in names):
            filters = None
        else:
            filters = [STANDARD_FILTERS[n] for n in names]
    is_object_stream = "ObjStm" in kinds or "/First" in keys
    binary = bool(kinds & _BINARY_KINDS) or bool(keys & {"/Length1", "/Length2", "/Length3"}) or "/N" in keys
    return _Dictionary(
        filters=filters,
        parms={m.group(1).decode(): int(m.group(2)) for m in _PARM.finditer(text)},
        is_object_stream=is_object_stream,
        is_binary=binary and not is_object_stream,
    )


def _decode(raw: bytes, info: _Dictionary, limits: ValidationLimits, budget: _Budget) -> bytes | None:
    """The decoded data (unfiltered data as it is); None when a filter is not one decoded here."""
    if info.filters is None or len(info.filters) > MAX_FILTERS:
        return None
    cap = limits.decode_max_output_bytes
    work = 0
    for index, name in enumerate(info.filters):
        parms = info.parms if index == len(info.filters) - 1 else {}
        raw = _FILTERS[name](raw, parms, cap)
        work += len(raw)
        if len(raw) > cap or work > limits.decode_max_work_bytes:
            raise LimitReachedError("stream decode limit")
    budget.spend(len(raw))
    return raw


def _flate(raw: bytes, parms: dict[str, int], cap: int) -> bytes:
    if parms.get("Predictor", 1) > 1:
        return FlateDecode.decode(raw, _parms(parms))
    inflater = zlib.decompressobj()
    out = inflater.decompress(raw, cap + 1)
    if len(out) > cap:
        raise LimitReachedError("stream decode limit")
    return out


def _ascii_hex(raw: bytes, _: dict[str, int], cap: int) -> bytes:
    end = raw.find(b">")
    digits = re.sub(rb"[" + _WS + rb"]", b"", raw if end < 0 else raw[:end])
    return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("latin-1"))


def _lzw(raw: bytes, parms: dict[str, int], cap: int) -> bytes:
    return LZWDecode.decode(raw, _parms(parms))


_FILTERS: dict[str, Callable[[bytes, dict[str, int], int], bytes]] = {
    "Flate": _flate,
    "AHx": _ascii_hex,
    "A85": lambda raw, parms, cap: ASCII85Decode.decode(raw),
    "LZW": _lzw,
    "RL": lambda raw, parms, cap: RunLengthDecode.decode(raw),
}
"""Each decodes within `cap` bytes of output (pypdf's own filters are bounded by its configuration)."""


def _parms(parms: dict[str, int]) -> DictionaryObject:
    return DictionaryObject({NameObject(f"/{k}"): NumberObject(v) for k, v in parms.items()})


def _names(text: bytes, *, strict: bool) -> set[str]:
    """Active names in `text` read as one body (object stream data, or a content stream when not `strict`)."""
    candidates = list(_CANDIDATE.finditer(text))
    if not candidates:
        return set()
    spans = _text_spans(text, 0, len(text))
    return {_canonical(m.group()) for m in candidates if not spans.holds(m.start(), strict=strict)}


def _canonical(spelled: bytes) -> str:
    return _HEX_ESCAPE.sub(lambda h: bytes([int(h.group(1), 16)]), spelled[1:]).decode("latin-1")


class _Spans(NamedTuple):
    """The strings and comments of one body, as sorted (start, end) offsets, and whether its syntax is broken."""

    spans: list[tuple[int, int]]
    broken: bool

    def holds(self, offset: int, *, strict: bool) -> bool:
        """Whether `offset` lies in a string or comment; `strict`: a broken body has no text at all."""
        if self.broken and strict:
            return False
        index = bisect.bisect_right(self.spans, (offset, offset)) - 1
        return index >= 0 and self.spans[index][0] <= offset < self.spans[index][1]


def _text_spans(data: bytes, start: int, end: int) -> _Spans:
    """Every string and comment in `data[start:end]`, and whether its syntax is broken."""
    spans: list[tuple[int, int]] = []
    broken = False
    depth = 0
    position = start
    while (match := _SYNTAX.search(data, position, end)) is not None:
        at = match.start()
        char = data[at : at + 1]
        if char == b"(":
            close = _string_end(data, at + 1, end)
            broken = broken or close is None
            position = end if close is None else close
            spans.append((at, position))
        elif char == b"<" and data[at + 1 : at + 2] == b"<":
            depth += 1
            position = at + 2
        elif char == b"<":
            close_at = data.find(b">", at + 1, end)
            position = end if close_at < 0 else close_at + 1
            broken = broken or close_at < 0 or _HEX_STRING.fullmatch(data, at + 1, close_at) is None
            spans.append((at, position))
        elif char == b">" and data[at + 1 : at + 2] == b">":
            depth -= 1
            broken = broken or depth < 0
            position = at + 2
        elif char == b"%":
            eol = _EOL.search(data, at, end)
            position = eol.start() if eol else end
            spans.append((at, position))
        elif char == b"#":
            broken = broken or _HEX_ESCAPE.match(data, at, end) is None
            position = at + 1
        else:  # ")", ">" or a brace outside a string
            broken = True
            position = at + 1
    return _Spans(spans, broken or depth != 0)


def _string_end(data: bytes, position: int, end: int) -> int | None:
    """The offset just past the `)` closing a literal string whose `(` came before `position`; None if none."""
    nesting = 1
    while (match := _IN_STRING.search(data, position, end)) is not None:
        char = data[match.start() : match.start() + 1]
        if char == b"\\":
            position = match.start() + 2
            continue
        nesting += 1 if char == b"(" else -1
        position = match.start() + 1
        if nesting == 0:
            return position
    return None

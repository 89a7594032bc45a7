"""Bounded, resynchronising records of an untrusted delimited text file: bytes in, (line, fields) out.

Three layers, each with flat memory whatever the input:
- `decoded_chunks`: the bytes read 1 MiB at a time and decoded as UTF-8, or UTF-16 when the file starts with its
  byte order mark (a UTF-8 BOM is skipped). Anything else (latin-1, UTF-16 without BOM, a NUL byte) raises
  `BadInput` (code `bad_encoding`) naming the first bad byte's offset.
- `physical_lines`: the text split at LF, CR LF or CR; a line longer than
  `MAX_RECORD_CHARS` is never held: it comes out as None and its characters are skipped up to its newline.
- `tab_records` / `csv_records`: one record per line, re-joined over at most `MAX_RECORD_LINES` lines when a
  field holds a line break (the raw download has no quoting: a record is re-joined while it has too few fields;
  the CSV follows its quotes). A record that cannot be completed within `MAX_RECORD_LINES` lines and
  `MAX_RECORD_CHARS` characters, or that does not have the header's number of fields, is rejected by its first
  line and reading resumes at the line after it, so a broken quote never swallows the good rows that follow.

Line numbers are physical: the header is line 1, a re-joined record carries the number of its first line.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from permitclock.errors import BadInput

CHUNK_BYTES = 1 << 20
MAX_RECORD_CHARS = 65_536
"""Characters in one record (its physical lines together): a SMARTS row is about 300."""
MAX_RECORD_LINES = 8
"""Physical lines one record may span (line breaks inside fields)."""
MAX_FIELDS = 256
"""Columns in a header: a SMARTS file has 10 to 38."""

Record = tuple[int, list[str] | None, str]
"""(first physical line, the fields or None, the reason when None)."""


def normalise_column(name: str, aliases: dict[str, str] | None = None) -> str:
    """`"Sample Date"`, `sample_date`, `SAMPLE_DATE` -> `SAMPLE_DATE` (then looked up in `aliases`)."""
    key = re.sub(r"\s+", "_", name.strip().strip('"').strip().upper())
    return (aliases or {}).get(key, key)


@dataclass(frozen=True, slots=True)
class HeaderLine:
    """A header line read: its delimiter (tab when it holds one, else comma), each column's index by its
    normalised name, and its number of fields."""

    delimiter: str
    columns: dict[str, int]
    width: int


def read_header(header_line: str | None, what: str, normalise: Callable[[str], str] = normalise_column) -> HeaderLine:
    """The header line of a delimited file; `BadInput` (code `bad_format`, `what` naming the file expected) when
    it is too long, unreadable, has over `MAX_FIELDS` columns or names a column twice."""
    if header_line is None:
        raise BadInput(f"not a {what}: the first line is not a header (too long)", code="bad_format")
    text = header_line.lstrip("\ufeff").rstrip("\r\n")
    delimiter = "\t" if "\t" in text else ","
    try:
        names = next(csv.reader([text], delimiter=delimiter)) if text else []
    except csv.Error as err:
        raise BadInput(f"not a {what}: unreadable header ({err})", code="bad_format") from None
    if len(names) > MAX_FIELDS:
        raise BadInput(f"not a {what}: {len(names)} columns (at most {MAX_FIELDS})", code="bad_format")
    columns: dict[str, int] = {}
    repeated: list[str] = []
    for index, name in enumerate(names):
        column = normalise(name)
        if column in columns:
            if column and column not in repeated:
                repeated.append(column)
            continue
        columns[column] = index
    if repeated:
        raise BadInput(
            f"repeated columns {', '.join(repeated)}: each column may appear once in the header", code="bad_format"
        )
    return HeaderLine(delimiter=delimiter, columns=columns, width=len(names))


_TERMINATOR = re.compile(r"\r\n|\r|\n")


class LinePositions:
    """Where physical lines start in the file's bytes, for the last few chunks `decoded_chunks` decoded: the byte
    offset of a line just read, to resume reading there (a checkpoint) with `decoded_chunks(..., resume=...)`.

    Lines are counted as `physical_lines` counts them (LF, CR LF or a lone CR ends one; a CR LF split between two
    chunks once). Only the newest chunk and `RETAIN_CHARS` characters before it are remembered (two chunks of 1
    MiB): the first line of the record being read is never further back, as records and the line being split are
    bounded by `MAX_RECORD_CHARS` (an over-long line's start may be forgotten: no resume point there)."""

    RETAIN_CHARS = 4 * MAX_RECORD_CHARS

    def __init__(self, first_line: int = 1) -> None:
        self.encoding = "utf-8"
        self._chunks: deque[tuple[int, int, str, bool, bool]] = deque()
        self._retained = 0
        """Characters in the chunks before the newest."""
        self._next_line = first_line
        self._at_line_start = True
        self._after_cr = False

    def add(self, start: int, text: str) -> None:
        """The chunk decoded from the bytes at `start`."""
        if not text:
            return
        skip_lf = self._after_cr and text[0] == "\n"  # the LF of a CR LF whose CR ended the last chunk
        chunks = self._chunks
        if chunks:
            self._retained += len(chunks[-1][2])
        chunks.append((start, self._next_line, text, self._at_line_start, skip_lf))
        while len(chunks) > 2 and self._retained - len(chunks[0][2]) >= self.RETAIN_CHARS:
            self._retained -= len(chunks.popleft()[2])
        self._next_line += text.count("\n") + text.count("\r") - text.count("\r\n") - skip_lf
        self._after_cr = text[-1] == "\r"
        self._at_line_start = text[-1] in "\r\n"

    def offset_of(self, line: int) -> int | None:
        """The byte offset where physical line `line` starts; None when it is not in the chunks remembered."""
        for start, first, text, at_line_start, skip_lf in reversed(self._chunks):
            if line < first or (line == first and not at_line_start):
                continue
            position = 1 if skip_lf else 0
            wanted = line - first
            if wanted:
                for match in _TERMINATOR.finditer(text, position):
                    wanted -= 1
                    if not wanted:
                        position = match.end()
                        break
                else:
                    return None  # past what has been decoded
            return start + len(text[:position].encode(self.encoding))
        return None


@dataclass(frozen=True, slots=True)
class Resume:
    """Where to go on reading a file: the byte offset of physical line `line`, and the file's encoding."""

    line: int
    offset: int
    encoding: str


def decoded_chunks(
    raw: IO[Any], name: str, *, positions: LinePositions | None = None, resume: Resume | None = None
) -> Iterator[str]:
    """The file's text, chunk by chunk (see the module docstring for the encodings read). With `positions`, each
    chunk is noted there; with `resume`, `raw` holds the file from `resume.offset` on, in `resume.encoding`."""
    first = raw.read(CHUNK_BYTES)
    if isinstance(first, str):  # an already decoded stream (tests, the CLI's stdin)
        while first:
            yield first
            first = raw.read(CHUNK_BYTES)
        return
    offset = 0
    if resume is not None:
        encoding, offset = resume.encoding, resume.offset
    elif first.startswith(codecs.BOM_UTF8):
        encoding, first, offset = "utf-8", first[3:], 3
    elif first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, first, offset = ("utf-16-le" if first[:2] == codecs.BOM_UTF16_LE else "utf-16-be"), first[2:], 2
    else:
        encoding = "utf-8"
    if positions is not None:
        positions.encoding = encoding
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    data: bytes = first
    while True:
        final = not data
        held = decoder.getstate()[0]
        try:
            text = decoder.decode(data, final=final)
        except UnicodeDecodeError as err:
            good = (held + data)[: err.start]  # the text before the bad byte is read, then the file stops
            yield good.decode(encoding)
            raise _encoding_error(name, encoding, offset - len(held) + err.start) from None
        nul = text.find("\x00")
        if nul >= 0:
            yield text[:nul]
            raise _encoding_error(name, encoding, offset - len(held) + len(text[:nul].encode(encoding)))
        if positions is not None:
            positions.add(offset - len(held), text)
        offset += len(data)
        if text:
            yield text
        if final:
            return
        data = raw.read(CHUNK_BYTES)


def _encoding_error(name: str, encoding: str, offset: int) -> BadInput:
    read_as = "UTF-16 (from its byte order mark)" if encoding.startswith("utf-16") else "UTF-8"
    return BadInput(
        f"{name}: encoding error at byte {offset}: not {read_as}; save the file as UTF-8 (or UTF-16 with a byte "
        "order mark)",
        code="bad_encoding",
    )


def physical_lines(chunks: Iterator[str], limit: int = MAX_RECORD_CHARS) -> Iterator[str | None]:
    """Lines without their end (LF, CR LF or a lone CR, as universal newlines read them); None for a line longer
    than `limit` (skipped, never held whole)."""
    tail = ""
    overlong = False
    for chunk in _lf_only(chunks):
        parts = chunk.split("\n")
        last = parts.pop()
        if parts:
            if overlong:
                yield None
                overlong = False
                del parts[0]
            else:
                parts[0] = tail + parts[0]
            if parts and max(map(len, parts)) > limit:
                for line in parts:
                    yield line if len(line) <= limit else None
            else:
                yield from parts
            tail = last
        elif not overlong:
            tail += last
        if len(tail) > limit:
            overlong, tail = True, ""
    if overlong:
        yield None
    elif tail:
        yield tail


def _lf_only(chunks: Iterator[str]) -> Iterator[str]:
    """The chunks with CR LF and lone CR read as LF (a CR ending a chunk waits for the next one)."""
    carry = ""
    for chunk in chunks:
        if carry:
            chunk, carry = carry + chunk, ""
        if chunk.endswith("\r"):
            chunk, carry = chunk[:-1], "\r"
        if "\r" in chunk:
            chunk = chunk.replace("\r\n", "\n").replace("\r", "\n")
        yield chunk
    if carry:
        yield "\n"


LONG_LINE = f"malformed record: a line longer than {MAX_RECORD_CHARS:,} characters (skipped to its end)"
LONG_RECORD = f"malformed record: longer than {MAX_RECORD_CHARS:,} characters over its lines"
UNFINISHED = (
    f"malformed record: not complete within {MAX_RECORD_LINES} lines (a field never closed?); "
    "read again from the next line"
)


def _bound_reason(pulled: list[tuple[int, str | None]]) -> str:
    """Why a record passed its bounds (`pulled`: its lines so far, the last one the line that passed them)."""
    if pulled[0][1] is None:
        return LONG_LINE
    if pulled[-1][1] is None:
        return "malformed record: not complete before an over-long line; read again from the next line"
    return UNFINISHED if len(pulled) > MAX_RECORD_LINES else LONG_RECORD


class _Pushback:
    """Numbered lines with push-back, so a failed multi-line record's later lines are read again."""

    __slots__ = ("_lines", "back", "number")

    def __init__(self, lines: Iterator[str | None], header_lines: int) -> None:
        self._lines = lines
        self.back: list[tuple[int, str | None]] = []
        self.number = header_lines

    def next(self) -> tuple[int, str | None]:
        if self.back:
            return self.back.pop()
        text = next(self._lines)  # StopIteration ends the records
        self.number += 1
        return self.number, text

    def again(self, pulled: list[tuple[int, str | None]]) -> None:
        """Read every line of a failed record but its first again."""
        self.back.extend(reversed(pulled[1:]))


def tab_records(lines: Iterator[str | None], width: int, header_lines: int = 1, splits: int = -1) -> Iterator[Record]:
    """Records of the raw tab-separated download (no quoting): a line with too few fields is joined with the next
    ones until it has `width`. A one-line record is split `splits` times at most (see `csv_records`)."""
    source = _Pushback(lines, header_lines)
    back = source.back
    number = header_lines
    while True:
        if back:
            number, text = back.pop()
        else:
            try:
                text = next(lines)
            except StopIteration:
                return
            number = source.number = source.number + 1
        if text is None:
            yield number, None, LONG_LINE
            continue
        count = text.count("\t") + 1
        if count == width:
            yield number, text.split("\t", splits), ""
            continue
        if not text.strip():
            continue
        if count > width:
            yield number, None, f"malformed record: {count} fields instead of {width}"
            continue
        yield _join_tabs(source, number, text, width)


def _join_tabs(source: _Pushback, number: int, text: str, width: int) -> Record:
    pulled: list[tuple[int, str | None]] = [(number, text)]
    combined, size = text, len(text)
    while True:
        try:
            more = source.next()
        except StopIteration:
            source.again(pulled)
            return number, None, f"malformed record: {combined.count(chr(9)) + 1} of {width} fields at end of file"
        pulled.append(more)
        line = more[1]
        if line is None or len(pulled) > MAX_RECORD_LINES or size + len(line) > MAX_RECORD_CHARS:
            source.again(pulled)
            return number, None, _bound_reason(pulled)
        combined += "\n" + line
        size += len(line) + 1
        count = combined.count("\t") + 1
        if count == width:
            return number, combined.split("\t"), ""
        if count > width:
            source.again(pulled)
            return number, None, f"malformed record: {text.count(chr(9)) + 1} of {width} fields"


class _RecordBound(Exception):
    """The record being read passed `MAX_RECORD_LINES` or `MAX_RECORD_CHARS`, or met an over-long line."""


class _CsvFeed:
    """The lines csv.reader pulls, remembered per record so a failed record's later lines can be read again."""

    __slots__ = ("pulled", "size", "source")

    def __init__(self, source: _Pushback) -> None:
        self.source = source
        self.pulled: list[tuple[int, str | None]] = []
        self.size = 0

    def __iter__(self) -> _CsvFeed:
        return self

    def __next__(self) -> str:
        entry = self.source.next()
        pulled = self.pulled
        pulled.append(entry)
        text = entry[1]
        if text is None:
            raise _RecordBound
        self.size += len(text)
        if len(pulled) > MAX_RECORD_LINES or self.size > MAX_RECORD_CHARS:
            raise _RecordBound
        return text + "\n"


SPLIT_PLAIN_LINES = True
"""`csv_records` splits a record's line itself when it holds no quote (False: the csv module reads every
record; tests/unit/igp/test_reader_bounds.py compares the two)."""


def csv_records(
    lines: Iterator[str | None], width: int, delimiter: str, header_lines: int = 1, splits: int = -1
) -> Iterator[Record]:
    """Records of a quoted CSV (the data.ca.gov layout), parsed by the csv module over bounded lines. A record that
    starts on a line with no quote (with one, a field may go on over lines) is that line alone, and the csv module
    would make of it exactly its text split at the delimiter: it is split so, without feeding the module (most
    rows of the portal file; a third of their reading time). With `splits` >= 0, such a line is split that many times
    at most, its last field holding the rest of the line: for a reader that uses only the first `splits` columns
    (the fields it does not read are never made)."""
    source = _Pushback(lines, header_lines)
    back = source.back
    feed = _CsvFeed(source)
    reader = csv.reader(feed, delimiter=delimiter, strict=False)
    pulled = feed.pulled
    split_plain = SPLIT_PLAIN_LINES
    while True:
        if back:
            number, text = back.pop()
        else:
            try:
                text = next(lines)
            except StopIteration:
                return
            number = source.number = source.number + 1
        if split_plain and text is not None and '"' not in text:
            count = text.count(delimiter) + 1
            if count > 1 or text.strip():  # else a blank line, skipped as the module's empty record
                yield (
                    (number, text.split(delimiter, splits), "")
                    if count == width
                    else (number, None, f"malformed record: {count} fields instead of {width}")
                )
            continue
        back.append((number, text))
        try:
            fields = next(reader)
        except StopIteration:
            if not pulled:
                return
            reason = "malformed record: unclosed quote at end of file"
            fields = None
        except _RecordBound:
            reason, fields = _bound_reason(pulled), None
        except csv.Error as err:
            reason, fields = f"malformed record: {err}", None
        else:
            reason = ""
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                pulled.clear()
                feed.size = 0
                continue
            if len(fields) != width:
                reason = f"malformed record: {len(fields)} fields instead of {width}"
        first = pulled[0][0] if pulled else source.number
        if reason:
            fields = None
            if len(pulled) > 1:
                source.again(pulled)
        yield first, fields, reason
        pulled.clear()
        feed.size = 0

"""Large csv number lists parsed in parallel: the pure half (no AWS).

A csv of 100M numbers (1.5 GB) is far more than one worker parses in Lambda's 15 minutes,
so it is cut into byte ranges ("parts") that workers parse side by side, each reading only
its range (S3 GetObject with a Range). Nobody reads the file to find line boundaries first:

- a part owns the lines that *start* inside its range ``[start, end)``;
- it reads from ``start - 1`` and drops the first line read (the tail of a line the part
  before owns, or just the newline ending it), and reads past ``end`` to finish its last.

So every line belongs to exactly one part, whatever the ranges. A part knows line numbers
only from its own start; ``lines`` in its result lets whoever joins the parts turn a local
row number into the file's (``row_offsets``).

A part sends its valid numbers to the same hash buckets as the single-worker parser
(``numbers.SpilledNumbers``), so every copy of a number, from any part, lands in one bucket
and a bucket is deduplicated alone (``numbers.unique_lines``).
"""
from __future__ import annotations

import codecs
import csv
import gzip
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .numbers import ParseResult, UnreadableFile, parse

Range = tuple[int, int]


def part_ranges(size: int, part_bytes: int) -> list[Range]:
    """``[start, end)`` byte ranges of at most ``part_bytes`` covering ``size`` bytes."""
    if part_bytes < 1:
        raise ValueError("part_bytes must be at least 1")
    return [(start, min(start + part_bytes, size)) for start in range(0, size, part_bytes)]


def read_from(start: int) -> int:
    """Where a part starting at ``start`` begins to read (one byte early, see the module)."""
    return max(start - 1, 0)


def lines_of(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Lines (each with its line break: \\n, \\r\\n or \\r) from a stream of byte chunks."""
    pending = b""
    for chunk in chunks:
        if not chunk:
            continue
        lines = (pending + chunk).splitlines(keepends=True)
        # The last piece may be unfinished, and a \r at a chunk's end may be half of \r\n.
        pending = lines.pop()
        yield from lines
    if pending:
        yield pending


def owned_lines(lines: Iterable[bytes], start: int, end: int) -> Iterator[bytes]:
    """The lines a part ``[start, end)`` owns, from lines read from ``read_from(start)``."""
    position = read_from(start)
    skip_first = start > 0
    for line in lines:
        line_start, position = position, position + len(line)
        if skip_first:
            skip_first = False
            continue
        if line_start >= end:
            return
        yield line


@dataclass
class PartResult:
    """What one part held: its lines (blank ones included) and the parse counts (``valid``
    before duplicates are dropped; the buckets drop them)."""
    lines: int
    result: ParseResult


def parse_part(lines: Iterable[bytes], first: bool, kind: str, emit: Callable[[str, str], None],
               bad_row: Callable[[int, str, str], None]) -> PartResult:
    """Parse one part's lines as ``numbers.parse`` does a whole file. Row numbers given to
    ``bad_row`` count from the part's first line (1); the first part skips the header."""
    counted = _Counted(lines)
    records = csv.reader(_decoded(counted, first))

    def rows() -> Iterator[tuple[int, str]]:
        try:
            for record in records:
                if counted.count == 1 and first:
                    continue
                yield counted.count, (record[0] if record else "").strip()
        except csv.Error as exc:
            raise UnreadableFile(f"not a readable csv (line {counted.count}: {exc})") from None
    result = parse(rows(), kind, emit, bad_row)
    return PartResult(counted.count, result)


class _Counted:
    """Lines passed through, counted (csv.reader may pull several for one quoted record)."""

    def __init__(self, lines: Iterable[bytes]):
        self._lines = iter(lines)
        self.count = 0

    def __iter__(self) -> Iterator[bytes]:
        for line in self._lines:
            self.count += 1
            yield line


def _decoded(lines: Iterable[bytes], first: bool) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8-sig" if first else "utf-8")("strict")
    number = 0
    for number, line in enumerate(lines, start=1):
        try:
            yield decoder.decode(line)
        except UnicodeDecodeError:
            raise UnreadableFile(f"not UTF-8 text (line {number} of its part)") from None
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise UnreadableFile(f"not UTF-8 text (line {number} of its part)") from None


# --- bad rows between the parts and the report ---------------------------------------------

class BadRowsSpool:
    """One part's bad rows (local row number, value, reason) as gzip csv, in memory: they
    are small beside the part, and the report joins the parts in order."""

    def __init__(self) -> None:
        self._buffer = io.BytesIO()
        self._gzip = gzip.GzipFile(fileobj=self._buffer, mode="wb", compresslevel=6)
        self._text = io.TextIOWrapper(self._gzip, encoding="utf-8", newline="")
        self._writer = csv.writer(self._text)
        self.count = 0

    def add(self, row: int, value: str, reason: str) -> None:
        self._writer.writerow((row, value, reason))
        self.count += 1

    def to_bytes(self) -> bytes:
        self._text.flush()
        self._text.detach()
        self._gzip.close()
        return self._buffer.getvalue()


def read_bad_rows(data: bytes, offset: int) -> Iterator[tuple[int, str, str]]:
    """A spooled part's bad rows, numbered as rows of the whole file (``offset`` from
    ``row_offsets``)."""
    text = io.TextIOWrapper(io.BytesIO(gzip.decompress(data)), encoding="utf-8", newline="")
    for row, value, reason in csv.reader(text):
        yield int(row) + offset, value, reason


def row_offsets(lines_per_part: list[int]) -> list[int]:
    """For each part, the file's line count before it (a local row r is row r + offset)."""
    offsets, total = [], 0
    for lines in lines_per_part:
        offsets.append(total)
        total += lines
    return offsets

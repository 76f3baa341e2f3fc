"""Export files, streamed (no AWS here: the sinks are anything with ``write``).

- **csv**: UTF-8 with a BOM (without it Excel on Windows shows Chinese garbled), RFC 4180
  (``\\r\\n`` line ends, fields with quotes, commas or line breaks quoted, quotes doubled).
  A cell Excel would run as a formula (``=…``, ``@…``, or ``+``/``-`` not followed by a
  number) is written behind a ``'`` — message text is the customer's, but the file is opened
  by someone else in their company. ``+8613800138000`` stays as it is.
  A file may be written in *segments* by several workers: only the first writes the BOM and
  the header, and the segments' bytes joined in order are the file.
- **xlsx**: openpyxl write-only (lxml), rows as they come; a sheet holds 1,048,576 rows
  (header included), so the export goes on in a new sheet with the header again — openpyxl
  would otherwise write a sheet Excel refuses.
- **parts**: ``plan_parts`` joins segment objects into the parts of one S3 multipart upload
  (every part but the last at least 5 MiB): a big segment is copied server-side, small ones
  are read and joined.
"""
from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any, Protocol

from openpyxl import Workbook

BOM = "\ufeff"
SHEET_ROWS = 1_048_576  # Excel's limit, header included
MIN_PART = 5 * 1024 * 1024  # S3's least part size (all parts but the last)
MAX_COPY = 4 * 1024 ** 3  # what one copied part holds at most here (S3 allows 5 GiB)
_FLUSH_CHARS = 1 << 20
_NUMBER = re.compile(r"[+-]?[0-9][0-9 .,]*")
_RISKY = frozenset("=@\t\r+-")


class BinarySink(Protocol):
    def write(self, data: bytes, /) -> int: ...


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet shows it, never as a formula it would run."""
    if not isinstance(value, str) or not value:
        return value
    first = value[0]
    if first in "=@\t\r" or (first in "+-" and not _NUMBER.fullmatch(value)):
        return "'" + value
    return value


def _defuser(typed: Sequence[int] | None, *, blank_empty: bool = False) -> Callable[[Sequence[Any]], list[Any]]:
    """A row with the cells at ``typed`` (every cell for None) made safe; with
    ``blank_empty``, an empty string becomes no cell at all (None)."""
    if typed is None:
        if blank_empty:
            return lambda row: [None if cell == "" else safe_cell(cell) for cell in row]
        return lambda row: [safe_cell(cell) for cell in row]
    columns = tuple(typed)

    def defuse(row: Sequence[Any]) -> list[Any]:
        cells = [None if cell == "" else cell for cell in row] if blank_empty else list(row)
        for i in columns:
            cell = cells[i]
            if isinstance(cell, str) and cell and cell[0] in _RISKY:
                cells[i] = safe_cell(cell)
        return cells
    return defuse


class CsvWriter:
    """Rows to ``out`` (binary) as csv, buffered. ``first_segment``: begin with the BOM and
    ``header``; later segments of the same file write rows only. ``typed``: the columns that
    may hold a formula (``safe_cell``); None is every column."""

    def __init__(self, out: BinarySink, header: Sequence[str], *, first_segment: bool = True,
                 typed: Sequence[int] | None = None):
        self._out = out
        self._defuse = _defuser(typed)
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")
        self.rows = 0
        self.bytes = 0
        if first_segment:
            self._buffer.write(BOM)
            self._writer.writerow(header)

    def write(self, row: Sequence[Any]) -> None:
        self._writer.writerow(self._defuse(row))
        self.rows += 1
        if self._buffer.tell() >= _FLUSH_CHARS:
            self.flush()

    def write_all(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self.write(row)

    def flush(self) -> None:
        data = self._buffer.getvalue().encode("utf-8")
        if data:
            self._out.write(data)
            self.bytes += len(data)
        self._buffer.seek(0)
        self._buffer.truncate()

    def close(self) -> None:
        self.flush()


class XlsxWriter:
    """Rows to a write-only workbook; a full sheet continues in the next one, header again.
    ``save(out)`` assembles the zip (openpyxl stages each sheet in a temporary file)."""

    def __init__(self, header: Sequence[str], sheet_title: Callable[[int], str], *,
                 sheet_rows: int = SHEET_ROWS, typed: Sequence[int] | None = None):
        self._book = Workbook(write_only=True)
        # An empty text is no cell: Excel counts a "" cell as filled (ISBLANK, COUNTA, Ctrl+arrow
        # stops there), and openpyxl skips None cells entirely, a seventh of a log row's cells.
        self._defuse = _defuser(typed, blank_empty=True)
        self._header = list(header)
        self._title = sheet_title
        self._sheet_rows = sheet_rows
        self._sheet: Any = None
        self._sheets: list[Any] = []
        self._in_sheet = 0
        self.sheets = 0
        self.rows = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        self._sheet = self._book.create_sheet(_sheet_name(self._title(self.sheets)))
        self._sheets.append(self._sheet)
        self._sheet.append(self._header)
        self._in_sheet = 1
        self.sheets += 1

    def write(self, row: Sequence[Any]) -> None:
        if self._in_sheet >= self._sheet_rows:
            self._new_sheet()
        self._sheet.append(self._defuse(row))
        self._in_sheet += 1
        self.rows += 1

    def write_all(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self.write(row)

    def save(self, out: IO[bytes]) -> None:
        self._book.save(out)

    def discard(self) -> None:
        """Give up the workbook: its sheets' staged XML is deleted (openpyxl would keep the
        temporary files until the process ends, and a Lambda's /tmp outlives one export)."""
        for sheet in self._sheets:
            if not sheet.closed:
                sheet.close()
            writer = getattr(sheet, "_writer", None)
            if writer is not None and os.path.exists(writer.out):
                writer.cleanup()
        self._sheets.clear()


def _sheet_name(title: str) -> str:
    """A valid sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31]


# --- joining segments into one multipart upload ---------------------------------------------

@dataclass(frozen=True)
class Piece:
    """Bytes ``[start, end)`` of segment ``segment``."""
    segment: int
    start: int
    end: int


@dataclass(frozen=True)
class Part:
    """One part of the upload: a server-side copy of one piece, or pieces read and joined."""
    pieces: tuple[Piece, ...]
    copy: bool

    @property
    def size(self) -> int:
        return sum(p.end - p.start for p in self.pieces)


def plan_parts(sizes: Sequence[int], min_part: int = MIN_PART) -> list[Part]:
    """The parts of one object made of segments of ``sizes`` bytes, in order. Every part but
    the last is at least ``min_part``. A segment of at least ``min_part`` with nothing waiting
    is copied whole (UploadPartCopy, no bytes through the worker); bytes waiting from small
    segments take the head of the next big one with them (at most 2 × ``min_part`` read), and
    the rest of it is copied. At most about ``2 × min_part`` bytes are ever held."""
    parts: list[Part] = []
    waiting: list[Piece] = []
    held = 0
    for segment, size in enumerate(sizes):
        if size <= 0:
            continue
        if not waiting and size >= min_part:
            parts.append(Part((Piece(segment, 0, size),), copy=True))
            continue
        need = min_part - held
        if size - need >= min_part:  # take what completes a part; the rest is big enough to copy
            waiting.append(Piece(segment, 0, need))
            parts.append(Part(tuple(waiting), copy=False))
            parts.append(Part((Piece(segment, need, size),), copy=True))
            waiting, held = [], 0
            continue
        waiting.append(Piece(segment, 0, size))
        held += size
        if held >= min_part:
            parts.append(Part(tuple(waiting), copy=False))
            waiting, held = [], 0
    if waiting:
        parts.append(Part(tuple(waiting), copy=False))
    return [piece for part in parts for piece in _split_copy(part)]


def _split_copy(part: Part) -> list[Part]:
    """A copied part larger than ``MAX_COPY`` as several equal copies (each far above 5 MiB)."""
    if not part.copy or part.size <= MAX_COPY:
        return [part]
    (piece,) = part.pieces
    count = -(-part.size // MAX_COPY)
    bounds = [piece.start + part.size * i // count for i in range(count + 1)]
    return [Part((Piece(piece.segment, a, b),), copy=True) for a, b in zip(bounds, bounds[1:], strict=False)]

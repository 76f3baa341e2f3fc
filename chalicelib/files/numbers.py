"""Number lists for bulk tasks (seed: 号码上传): the standard template, and the streaming
parser that turns an uploaded xlsx or csv into valid E.164 numbers plus the bad rows.

The parser reads with openpyxl's read-only mode (or the csv module) one row at a time.
Memory stays flat as the file grows: valid numbers are spilled to ``SPILL_BUCKETS`` temporary
files by a hash of the number, and duplicates are dropped one bucket at a time, so the
largest set held is one bucket's. What survives is cut into gzip chunk files of
``e164,country`` lines, handed to a sink (S3 in the service). Bad rows (row number, original
value, reason) go to ``异常数据.xlsx`` through a write-only workbook.
"""
from __future__ import annotations

import csv
import gzip
import io
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO, TextIO

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

from ..domain.phone import PhoneNumber, PhoneNumberError, parse_phone

KINDS = ("international", "domestic")
DOMESTIC_COUNTRY = "CN"
HEADER = "手机号码 (含国家/地区代码, 如 8613800138000 / 447400123456)"
BAD_ROWS_FILE = "异常数据.xlsx"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BAD_ROWS_HEADER = ("行号", "原始数据", "异常原因")
SPILL_BUCKETS = 256
#: Rows an xlsx sheet can hold (Excel's limit, the header included).
SHEET_ROWS = 1_048_576
#: Bad rows 异常数据.xlsx lists: eight full sheets. More is no use in Excel, and writing them
#: (openpyxl, 12k-15k rows/s measured) must end well inside the report worker's 900 s: eight
#: sheets take ~550-700 s; the count stays exact.
REPORT_MAX_ROWS = 8 * (SHEET_ROWS - 1)
NOT_DOMESTIC = "国内发信只支持中国大陆号码（国家代码86）"
FORMULA_WITHOUT_RESULT = ("公式没有保存计算结果，请在 Excel 中打开并保存，或将号码粘贴为数值 "
                          "(a formula saved without its result: open and save the file in Excel, "
                          "or paste the numbers as values)")


class UnreadableFile(ValueError):
    """Not an xlsx or csv this parser can read (the message says why)."""


@dataclass
class ParseResult:
    total_rows: int = 0
    valid: int = 0
    invalid: int = 0
    duplicates: int = 0
    countries: dict[str, int] = field(default_factory=dict)

    @property
    def message(self) -> str | None:
        """The product's notice for bad rows: 检测到异常数据X条."""
        return f"检测到异常数据{self.invalid}条" if self.invalid else None


def template(kind: str) -> bytes:
    """The standard upload template: a sheet to fill (one number per row, with its country
    code) and an instructions sheet."""
    if kind not in KINDS:
        raise ValueError("kind must be international or domestic")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("号码")
    sheet.append([HEADER])
    sheet.append(["8613800138000" if kind == "domestic" else "447400123456"])
    notes = book.create_sheet("说明")
    for line in _instructions(kind):
        notes.append([line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _instructions(kind: str) -> list[str]:
    lines = ["每行填写一个收信手机号，须包含国家/地区代码（可带或不带 +），不要填写空格以外的分隔符。",
             "第一行为表头，从第二行开始读取；重复号码只发送一次。",
             "格式错误或无效的号码不会发送，并可在上传后下载《异常数据.xlsx》查看行号与原因。",
             "One number per row with its country code (the + is optional); the first row is the header.",
             "Duplicates are sent once; bad rows are listed in 异常数据.xlsx after the upload."]
    if kind == "domestic":
        lines.insert(1, "国内发信：所有号码必须为中国大陆号码（国家代码 86），其他号码计为异常数据。")
    return lines


@dataclass(frozen=True)
class Uncalculated:
    """A formula cell saved without its result (a program wrote it; Excel was never asked to
    calculate it): there is no number to read, only the formula."""
    formula: str


def read_rows(data: BinaryIO, filename: str) -> Iterator[tuple[int, str | Uncalculated]]:
    """(row number, first cell as text) for every data row after the header; a formula
    cell reads as its saved result, or as Uncalculated when it has none."""
    if filename.lower().endswith(".csv"):
        yield from _csv_rows(data)
    else:
        yield from _xlsx_rows(data)


def _xlsx_rows(data: BinaryIO) -> Iterator[tuple[int, str | Uncalculated]]:
    try:
        book = load_workbook(data, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(f"not a readable xlsx workbook ({type(exc).__name__})") from None
    try:
        for number, value in _first_column(book):
            if number >= 2:
                yield number, value if isinstance(value, Uncalculated) else _cell_text(value)
    finally:
        book.close()


class _ResultsParser(WorkSheetParser):
    """openpyxl's sheet parser in ``data_only`` mode (a formula cell reads as its saved
    result), except that a formula saved without a result reads as Uncalculated: openpyxl
    gives None, the same as an empty cell, and the row would be skipped unseen."""

    def parse_cell(self, element: Any) -> dict[str, Any]:
        cell: dict[str, Any] = super().parse_cell(element)
        if cell["value"] is None:
            formula = element.find(FORMULA_TAG)
            if formula is not None:
                cell["value"] = Uncalculated("=" + (formula.text or ""))
        return cell


def _first_column(book: Any) -> Iterator[tuple[int, object]]:
    """(row number, value of column A) for the first sheet's rows, streamed from its XML as
    openpyxl's read-only rows are (memory stays flat).

    openpyxl's read-only worksheet builds its own parser, so this one is driven the same way
    by hand, through openpyxl internals (``_archive``, ``_worksheet_path``, ``_shared_strings``,
    the date formats): openpyxl is pinned in requirements.txt, and every xlsx test in
    tests/unit/test_number_files.py fails if an upgrade moves them. Unlike read-only iter_rows
    it also reads rows past a sheet's declared dimension (some programs write too small a one).
    Speed is unchanged (~50k rows/s of one column, measured on 100k rows)."""
    sheet = book.worksheets[0]
    with book._archive.open(sheet._worksheet_path) as source:
        parser = _ResultsParser(source, sheet._shared_strings, data_only=True, epoch=book.epoch,
                                date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        for number, cells in parser.parse():
            yield number, next((cell["value"] for cell in cells if cell["column"] == 1), None)


def _csv_rows(data: BinaryIO) -> Iterator[tuple[int, str]]:
    text = io.TextIOWrapper(data, encoding="utf-8-sig", errors="strict", newline="")
    try:
        for number, row in enumerate(csv.reader(text), start=1):
            if number > 1:
                yield number, (row[0] if row else "").strip()
    except UnicodeDecodeError:
        raise UnreadableFile("not UTF-8 text") from None
    except csv.Error as exc:
        raise UnreadableFile(f"not a readable csv ({exc})") from None
    finally:
        text.detach()


def _cell_text(value: object) -> str:
    """A number cell as Excel users type it: 8613800138000 (an int or float) or text."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse(rows: Iterator[tuple[int, str | Uncalculated]], kind: str, emit: Callable[[str, str], None],
          bad_row: Callable[[int, str, str], None]) -> ParseResult:
    """Normalise every row: ``emit(e164, country)`` for each valid number (duplicates
    included: ``dedupe`` drops them), ``bad_row(row, value, reason)`` for each bad one (an
    uncalculated formula is one). Empty rows are skipped. ``valid`` counts valid rows;
    ``countries`` is left to ``dedupe``."""
    if kind not in KINDS:
        raise ValueError("kind must be international or domestic")
    result = ParseResult()
    for row_number, value in rows:
        if not value:
            continue
        result.total_rows += 1
        if isinstance(value, Uncalculated):
            result.invalid += 1
            bad_row(row_number, value.formula, FORMULA_WITHOUT_RESULT)
            continue
        try:
            number = _normalise(value, kind)
        except PhoneNumberError as exc:
            result.invalid += 1
            bad_row(row_number, value, f"号码{_reason_zh(str(exc))} ({exc})")
            continue
        if kind == "domestic" and number.country != DOMESTIC_COUNTRY:
            result.invalid += 1
            bad_row(row_number, value, NOT_DOMESTIC)
            continue
        result.valid += 1
        emit(number.e164, number.country)
    return result


def _normalise(value: str, kind: str) -> PhoneNumber:
    """E.164 of one cell. International lists carry country codes (the + optional). Domestic
    lists may also hold mainland numbers as people write them (13800138000); a number that
    is valid only read internationally is returned as such, for the caller to refuse as
    not mainland."""
    if kind != "domestic":
        return parse_phone(value)
    try:
        return parse_phone(value, DOMESTIC_COUNTRY)
    except PhoneNumberError as not_mainland:
        try:
            return parse_phone(value)
        except PhoneNumberError:
            raise not_mainland from None


def _reason_zh(reason: str) -> str:
    for english, chinese in (("too short", "位数过短"), ("too long", "位数过长"), ("unknown country", "国家代码无效"),
                             ("wrong length", "位数不符"), ("not a valid", "无效"), ("empty", "为空")):
        if english in reason:
            return chinese
    return "格式错误"


class BadRowsReport:
    """Bad rows streamed into ``异常数据.xlsx`` (write-only: memory stays flat). The workbook
    is started by the first bad row; a clean file costs nothing. A sheet holds at most
    ``SHEET_ROWS`` rows (Excel's limit), so more bad rows go on to further sheets, up to
    ``REPORT_MAX_ROWS``; past that only the count goes on, and a last row says how many
    were not listed."""

    def __init__(self) -> None:
        self._book: Workbook | None = None
        self._sheet: Any = None  # the write-only sheet being filled
        self._sheet_rows = 0
        self._max_rows = REPORT_MAX_ROWS
        self.count = 0
        self.unlisted = 0

    @property
    def full(self) -> bool:
        return self.count >= self._max_rows

    def add(self, row_number: int, value: str, reason: str) -> None:
        if self.full:
            self.add_unlisted(1)
            return
        self._append([row_number, value, reason])
        self.count += 1

    def add_unlisted(self, count: int) -> None:
        """Bad rows counted but not listed (the report is full)."""
        self.unlisted += count

    def _append(self, row: list[object]) -> None:
        if self._sheet is None or self._sheet_rows >= SHEET_ROWS:
            self._start_sheet()
        self._sheet.append(row)
        self._sheet_rows += 1

    def _start_sheet(self) -> None:
        if self._book is None:
            self._book = Workbook(write_only=True)
        sheets = len(self._book.worksheets)
        self._sheet = self._book.create_sheet("异常数据" if not sheets else f"异常数据 ({sheets + 1})")
        self._sheet.append(list(BAD_ROWS_HEADER))
        self._sheet_rows = 1

    def to_bytes(self) -> bytes | None:
        """The finished workbook, or None when no row was bad. Call once."""
        if self._book is None:
            return None
        if self.unlisted:
            note = f"另有{self.unlisted}条异常数据未列出 ({self.unlisted} more bad rows not listed)"
            self._append([None, None, note])
        out = io.BytesIO()
        self._book.save(out)
        self._book = self._sheet = None
        return out.getvalue()

    def discard(self) -> None:
        """Finish and drop the workbook (its write-only temp file is removed)."""
        self.to_bytes()


# --- valid numbers to chunk files ------------------------------------------------------------

class SpilledNumbers:
    """Valid numbers spilled to ``buckets`` temporary files by a hash of the number, so
    every copy of a number lands in the same bucket and can be deduplicated there alone."""

    def __init__(self, directory: str, buckets: int = SPILL_BUCKETS):
        # Open for the object's life, closed by ``close`` (the parser's ``finally``).
        self._files = [tempfile.TemporaryFile("w+", encoding="ascii", dir=directory, newline="\n")  # noqa: SIM115
                       for _ in range(buckets)]

    def add(self, e164: str, country: str) -> None:
        self._files[zlib.crc32(e164.encode()) % len(self._files)].write(f"{e164},{country}\n")

    def buckets(self) -> Iterator[TextIO]:
        for spill in self._files:
            spill.seek(0)
            yield spill

    def close(self) -> None:
        for spill in self._files:
            spill.close()


class ChunkWriter:
    """Numbers cut into gzip csv chunks of ``size`` lines; ``put(index, data)`` stores one."""

    def __init__(self, size: int, put: Callable[[int, bytes], None]):
        if size < 1:
            raise ValueError("chunk size must be at least 1")
        self._size = size
        self._put = put
        self._lines: list[str] = []
        self.count = 0

    def add(self, line: str) -> None:
        self._lines.append(line)
        if len(self._lines) >= self._size:
            self.flush()

    def flush(self) -> None:
        if self._lines:
            self._put(self.count, gzip.compress("".join(self._lines).encode("ascii"), compresslevel=6))
            self.count += 1
            self._lines = []


def unique_lines(lines: Iterable[str], countries: dict[str, int]) -> Iterator[str]:
    """The ``e164,country`` lines of one bucket, each number once; the survivors' countries
    are counted into ``countries``. Holds one bucket's numbers in memory."""
    seen: set[str] = set()
    for line in lines:
        e164, _, country = line.rstrip("\n").partition(",")
        if e164 in seen:
            continue
        seen.add(e164)
        countries[country] = countries.get(country, 0) + 1
        yield line


def dedupe(spilled: SpilledNumbers, result: ParseResult, chunks: ChunkWriter) -> None:
    """Drop duplicates bucket by bucket, count them and the countries into ``result``, and
    write the survivors to ``chunks``."""
    valid = 0
    for bucket in spilled.buckets():
        for line in unique_lines(bucket, result.countries):
            valid += 1
            chunks.add(line)
    chunks.flush()
    result.duplicates = result.valid - valid
    result.valid = valid


@dataclass
class ParsedList:
    result: ParseResult
    chunk_count: int
    bad_rows_xlsx: bytes | None  # 异常数据.xlsx, when there were bad rows


def parse_to_chunks(data: BinaryIO, filename: str, kind: str, chunk_size: int,
                    put_chunk: Callable[[int, bytes], None], *, workdir: str | None = None,
                    buckets: int = SPILL_BUCKETS) -> ParsedList:
    """The whole upload pipeline: read, normalise, report bad rows, dedupe, chunk.
    UnreadableFile (from reading) comes before any chunk is put, so a file that cannot be
    read leaves nothing behind."""
    with tempfile.TemporaryDirectory(dir=workdir) as directory:
        spilled, report = SpilledNumbers(directory, buckets), BadRowsReport()
        try:
            result = parse(read_rows(data, filename), kind, spilled.add, report.add)
            chunks = ChunkWriter(chunk_size, put_chunk)
            dedupe(spilled, result, chunks)
        except BaseException:
            report.discard()
            raise
        finally:
            spilled.close()
    return ParsedList(result, chunks.count, report.to_bytes())


def read_chunk(data: bytes) -> list[tuple[str, str]]:
    """(e164, country) pairs of one chunk file."""
    lines = gzip.decompress(data).decode("ascii").splitlines()
    return [tuple(line.split(",", 1)) for line in lines if line]  # type: ignore[misc]

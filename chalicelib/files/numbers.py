"""Number lists for bulk tasks (seed: 号码上传): the standard template, and the streaming
parser that turns an uploaded xlsx or csv into valid E.164 numbers plus the bad rows.

The parser reads with openpyxl's read-only mode (or the csv module) one row at a time and
hands valid numbers to a sink as it goes, so nothing but the duplicate filter grows with
the file. Bad rows (row number, original value, reason) go to ``异常数据.xlsx`` through a
write-only workbook.
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Iterator

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from ..domain.phone import PhoneNumberError, parse_phone

KINDS = ("international", "domestic")
DOMESTIC_COUNTRY = "CN"
HEADER = "手机号码 (含国家/地区代码, 如 8613800138000 / 447400123456)"
BAD_ROWS_FILE = "异常数据.xlsx"
BAD_ROWS_HEADER = ("行号", "原始数据", "异常原因")


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


def read_rows(data: BinaryIO, filename: str) -> Iterator[tuple[int, str]]:
    """(row number, first cell as text) for every data row after the header."""
    if filename.lower().endswith(".csv"):
        yield from _csv_rows(data)
    else:
        yield from _xlsx_rows(data)


def _xlsx_rows(data: BinaryIO) -> Iterator[tuple[int, str]]:
    try:
        book = load_workbook(data, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(f"not a readable xlsx workbook ({type(exc).__name__})") from None
    try:
        sheet = book.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(min_row=2, max_col=1, values_only=True), start=2):
            yield number, _cell_text(row[0] if row else None)
    finally:
        book.close()


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


def _cell_text(value) -> str:
    """A number cell as Excel users type it: 8613800138000 (an int or float) or text."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse(rows: Iterator[tuple[int, str]], kind: str, emit: Callable[[str, str], None],
          bad_row: Callable[[int, str, str], None]) -> ParseResult:
    """Normalise every row: ``emit(e164, country)`` for each new valid number,
    ``bad_row(row, value, reason)`` for each bad one. Empty rows are skipped."""
    if kind not in KINDS:
        raise ValueError("kind must be international or domestic")
    result, seen = ParseResult(), set()
    for row_number, value in rows:
        if not value:
            continue
        result.total_rows += 1
        try:
            number = parse_phone(value)
        except PhoneNumberError as exc:
            result.invalid += 1
            bad_row(row_number, value, f"号码{_reason_zh(str(exc))} ({exc})")
            continue
        if kind == "domestic" and number.country != DOMESTIC_COUNTRY:
            result.invalid += 1
            bad_row(row_number, value, "国内发信只支持中国大陆号码（国家代码86）")
            continue
        if number.e164 in seen:
            result.duplicates += 1
            continue
        seen.add(number.e164)
        result.valid += 1
        result.countries[number.country] = result.countries.get(number.country, 0) + 1
        emit(number.e164, number.country)
    return result


def _reason_zh(reason: str) -> str:
    for english, chinese in (("too short", "位数过短"), ("too long", "位数过长"), ("unknown country", "国家代码无效"),
                             ("wrong length", "位数不符"), ("not a valid", "无效"), ("empty", "为空")):
        if english in reason:
            return chinese
    return "格式错误"


class BadRowsReport:
    """Bad rows streamed into ``异常数据.xlsx`` (write-only: memory stays flat)."""

    def __init__(self):
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet("异常数据")
        self._sheet.append(list(BAD_ROWS_HEADER))
        self.count = 0

    def add(self, row_number: int, value: str, reason: str) -> None:
        self._sheet.append([row_number, value, reason])
        self.count += 1

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self._book.save(out)
        return out.getvalue()

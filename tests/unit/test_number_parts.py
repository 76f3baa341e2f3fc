"""files.parts: byte ranges of a csv that parse apart and join into the file's rows."""
from __future__ import annotations

import io
import random

import pytest
from openpyxl import load_workbook

from chalicelib.files import numbers, parts


def _chunked(data: bytes, size: int):
    return (data[i:i + size] for i in range(0, len(data), size))


def _split(data: bytes, part_bytes: int, chunk_bytes: int = 7) -> list[list[bytes]]:
    """Each part's owned lines, read as a worker reads them: from read_from(start) to the end."""
    return [list(parts.owned_lines(parts.lines_of(_chunked(data[parts.read_from(start):], chunk_bytes)), start, end))
            for start, end in parts.part_ranges(len(data), part_bytes)]


FILES = [
    b"phone\n+447400100001\n+447400100002\n\n+447400100003\n",
    b"phone\r\n+447400100001\r\n+447400100002\r\nbad\r\n+447400100003",  # CRLF, no final newline
    b"\xef\xbb\xbfphone\n" + "".join(f"+4474001{i:05d}\n" for i in range(50)).encode(),
    b"phone\r+447400100001\r+447400100002\r",  # old Mac line breaks
]


@pytest.mark.parametrize("data", FILES)
def test_parts_own_every_line_once_whatever_the_ranges(data):
    lines = data.splitlines(keepends=True)
    for part_bytes in range(1, len(data) + 2):
        for chunk_bytes in (1, 3, 64):
            owned = _split(data, part_bytes, chunk_bytes)
            assert [line for part in owned for line in part] == lines, (part_bytes, chunk_bytes)


def test_random_files_and_ranges():
    rng = random.Random(7)
    for _ in range(200):
        data = b"".join(rng.choice([b"+447400100001", b"", b"x,y", b"\xe4\xb8\xad"]) + rng.choice([b"\n", b"\r\n"])
                        for _ in range(rng.randint(0, 30)))
        part_bytes = rng.randint(1, max(1, len(data)))
        assert [line for part in _split(data, part_bytes, rng.randint(1, 9)) for line in part] == \
            data.splitlines(keepends=True)


def test_part_ranges_cover_the_file():
    assert parts.part_ranges(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert parts.part_ranges(0, 4) == []
    with pytest.raises(ValueError):
        parts.part_ranges(10, 0)


def _parse_parts(data: bytes, part_bytes: int, kind: str = "international"):
    emitted, bad, results = [], [], []
    for index, owned in enumerate(_split(data, part_bytes)):
        spool = parts.BadRowsSpool()
        results.append(parts.parse_part(owned, index == 0, kind, lambda e, c: emitted.append(e), spool.add))
        bad.append(spool.to_bytes())
    offsets = parts.row_offsets([r.lines for r in results])
    rows = [row for data_, offset in zip(bad, offsets, strict=True) for row in parts.read_bad_rows(data_, offset)]
    return emitted, rows, results


def test_parts_parse_like_the_whole_file_with_the_files_row_numbers():
    data = ("\ufeffphone\n+447400100001\nnot a number\n\n+447400100002\n\"12,3\"\n+447400100001\n"
            "+1 202 555 0100\n\"say \"\"hi\"\"\"\n").encode()
    whole_emitted, whole_bad = [], []
    whole = numbers.parse(numbers.read_rows(io.BytesIO(data), "x.csv"), "international",
                          lambda e, c: whole_emitted.append(e), lambda *row: whole_bad.append(row))
    for part_bytes in (1, 5, 16, 40, len(data)):
        emitted, bad, results = _parse_parts(data, part_bytes)
        assert emitted == whole_emitted
        assert bad == whole_bad, part_bytes
        assert sum(r.result.total_rows for r in results) == whole.total_rows == 7
        assert sum(r.result.invalid for r in results) == whole.invalid == 3
        assert sum(r.lines for r in results) == 9
    assert [row[:2] for row in whole_bad] == [(3, "not a number"), (6, "12,3"), (9, 'say "hi"')]


def test_a_domestic_part_takes_mainland_numbers_only():
    emitted, bad, _ = _parse_parts(b"phone\n13800138000\n+447400100001\n", 12, kind="domestic")
    assert emitted == ["+8613800138000"]
    assert bad == [(3, "+447400100001", numbers.NOT_DOMESTIC)]


def test_a_part_that_is_not_utf8_is_unreadable():
    with pytest.raises(numbers.UnreadableFile, match="not UTF-8"):
        parts.parse_part([b"+447400100001\n", b"\xff\xfe\n"], False, "international", lambda *a: None,
                         lambda *a: None)


def test_the_report_goes_on_to_further_sheets(monkeypatch):
    monkeypatch.setattr(numbers, "SHEET_ROWS", 3)
    report = numbers.BadRowsReport()
    for row in range(2, 7):
        report.add(row, f"v{row}", "bad")
    book = load_workbook(io.BytesIO(report.to_bytes()), read_only=True)
    sheets = [[tuple(r) for r in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]
    assert book.sheetnames == ["异常数据", "异常数据 (2)", "异常数据 (3)"]
    assert [len(s) for s in sheets] == [3, 3, 2]
    assert all(s[0] == numbers.BAD_ROWS_HEADER for s in sheets)
    assert [r[0] for s in sheets for r in s[1:]] == [2, 3, 4, 5, 6]


def test_past_its_limit_the_report_counts_the_rest_in_a_last_row(monkeypatch):
    monkeypatch.setattr(numbers, "SHEET_ROWS", 3)
    monkeypatch.setattr(numbers, "REPORT_MAX_ROWS", 4)
    report = numbers.BadRowsReport()
    for row in range(2, 8):
        report.add(row, f"v{row}", "bad")
    assert report.full and (report.count, report.unlisted) == (4, 2)
    report.add_unlisted(10)
    book = load_workbook(io.BytesIO(report.to_bytes()), read_only=True)
    rows = [tuple(r) for sheet in book.worksheets for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert [r[0] for r in rows[:4]] == [2, 3, 4, 5]
    assert rows[4] == (None, None, "另有12条异常数据未列出 (12 more bad rows not listed)")

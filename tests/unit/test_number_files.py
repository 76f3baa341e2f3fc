"""Number lists: the template, and streaming xlsx/csv parsing with bad rows reported."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from chalicelib.files import numbers


def _xlsx(values) -> io.BytesIO:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("号码")
    sheet.append([numbers.HEADER])
    for value in values:
        sheet.append([value])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def _parse(data, filename, kind="international"):
    valid, bad = [], []
    result = numbers.parse(numbers.read_rows(data, filename), kind, lambda e, c: valid.append((e, c)),
                           lambda *row: bad.append(row))
    return result, valid, bad


def test_template_has_a_sheet_to_fill_and_instructions():
    for kind in numbers.KINDS:
        book = load_workbook(io.BytesIO(numbers.template(kind)), read_only=True)
        assert book.sheetnames == ["号码", "说明"]
        rows = list(book["号码"].iter_rows(values_only=True))
        assert rows[0][0] == numbers.HEADER and len(rows) == 2
        # the template's own example parses
        result, valid, _ = _parse(io.BytesIO(numbers.template(kind)), "t.xlsx", kind)
        assert result.valid == 1 and result.invalid == 0
    with pytest.raises(ValueError):
        numbers.template("moon")


def test_xlsx_rows_are_normalised_deduplicated_and_bad_rows_reported():
    data = _xlsx(["+86 138 0013 8000", 8613800138000, "447400123456", "hello", "+44123", None, "8613800138000",
                  6591234567.0])
    result, valid, bad = _parse(data, "numbers.xlsx")
    assert valid == [("+8613800138000", "CN"), ("+447400123456", "GB"), ("+6591234567", "SG")]
    assert (result.total_rows, result.valid, result.invalid, result.duplicates) == (7, 3, 2, 2)
    assert result.countries == {"CN": 1, "GB": 1, "SG": 1}
    assert [(row, value) for row, value, _ in bad] == [(5, "hello"), (6, "+44123")]
    assert "位数过短" in bad[1][2]
    assert result.message == "检测到异常数据2条"


def test_domestic_uploads_accept_mainland_numbers_only():
    result, valid, bad = _parse(_xlsx(["8613800138000", "85291234567", "447400123456"]), "d.xlsx", "domestic")
    assert valid == [("+8613800138000", "CN")] and result.invalid == 2
    assert all("86" in reason for _, _, reason in bad)


def test_csv_with_bom_and_the_same_rules():
    data = io.BytesIO("\ufeffphone\n+447400123456\n447400123456\nnope\n".encode())
    result, valid, bad = _parse(data, "list.csv")
    assert valid == [("+447400123456", "GB")] and result.duplicates == 1 and [b[0] for b in bad] == [4]


@pytest.mark.parametrize("payload, filename", [
    (b"PK\x03\x04 broken zip", "x.xlsx"), (b"plain text", "x.xlsx"), (b"\xff\xfe\x00bad", "x.csv"),
])
def test_unreadable_files_are_refused_with_a_reason(payload, filename):
    with pytest.raises(numbers.UnreadableFile):
        _parse(io.BytesIO(payload), filename)


def test_bad_rows_report_is_an_xlsx_with_the_seed_columns():
    report = numbers.BadRowsReport()
    report.add(5, "hello", "号码格式错误")
    book = load_workbook(io.BytesIO(report.to_bytes()), read_only=True)
    assert list(book.worksheets[0].iter_rows(values_only=True)) == [numbers.BAD_ROWS_HEADER, (5, "hello", "号码格式错误")]
    assert numbers.BAD_ROWS_FILE == "异常数据.xlsx"

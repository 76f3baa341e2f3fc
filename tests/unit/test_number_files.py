"""Number lists: the template, and streaming xlsx/csv parsing with bad rows reported."""
from __future__ import annotations

import io
import re

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


def _parse(data, filename, kind="international", chunk_size=1000):
    """The whole pipeline; valid numbers read back from the chunk files, bad rows from the
    异常数据.xlsx report."""
    chunks = {}
    parsed = numbers.parse_to_chunks(data, filename, kind, chunk_size, chunks.__setitem__)
    assert sorted(chunks) == list(range(parsed.chunk_count))
    valid = [pair for index in sorted(chunks) for pair in numbers.read_chunk(chunks[index])]
    bad = []
    if parsed.bad_rows_xlsx:
        rows = load_workbook(io.BytesIO(parsed.bad_rows_xlsx), read_only=True).worksheets[0].iter_rows(values_only=True)
        assert next(rows) == numbers.BAD_ROWS_HEADER
        bad = [tuple(row) for row in rows]
    return parsed.result, valid, bad


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
    assert sorted(valid) == [("+447400123456", "GB"), ("+6591234567", "SG"), ("+8613800138000", "CN")]
    assert (result.total_rows, result.valid, result.invalid, result.duplicates) == (7, 3, 2, 2)
    assert result.countries == {"CN": 1, "GB": 1, "SG": 1}
    assert [(row, value) for row, value, _ in bad] == [(5, "hello"), (6, "+44123")]
    assert "位数过短" in bad[1][2]
    assert result.message == "检测到异常数据2条"


def test_domestic_uploads_accept_mainland_numbers_only():
    result, valid, bad = _parse(_xlsx(["8613800138000", "85291234567", "447400123456"]), "d.xlsx", "domestic")
    assert valid == [("+8613800138000", "CN")] and result.invalid == 2
    assert all(reason == numbers.NOT_DOMESTIC for _, _, reason in bad)


def test_domestic_uploads_read_mainland_numbers_written_without_86():
    result, valid, bad = _parse(_xlsx(["13800138001", "+86 138 0013 8002", "008613800138003", "1380013800"]),
                                "d.xlsx", "domestic")
    assert sorted(valid) == [("+8613800138001", "CN"), ("+8613800138002", "CN"), ("+8613800138003", "CN")]
    assert [(row, value) for row, value, _ in bad] == [(5, "1380013800")]
    assert bad[0][2] != numbers.NOT_DOMESTIC  # too short for the mainland, not a foreign number


def test_csv_with_bom_and_the_same_rules():
    data = io.BytesIO("\ufeffphone\n+447400123456\n447400123456\nnope\n".encode())
    result, valid, bad = _parse(data, "list.csv")
    assert valid == [("+447400123456", "GB")] and result.duplicates == 1 and [b[0] for b in bad] == [4]


def test_duplicates_are_dropped_across_chunks_and_spill_buckets():
    numbers_in = [f"+4474001{i:05d}" for i in range(2500)]
    data = io.BytesIO(("phone\n" + "\n".join(numbers_in + numbers_in[::3])).encode())
    chunks = {}
    parsed = numbers.parse_to_chunks(data, "big.csv", "international", 1000, chunks.__setitem__, buckets=7)
    read_back = [e164 for index in sorted(chunks) for e164, _ in numbers.read_chunk(chunks[index])]
    assert sorted(read_back) == sorted(numbers_in)  # each number exactly once
    assert parsed.chunk_count == 3 and [len(numbers.read_chunk(chunks[i])) for i in range(3)] == [1000, 1000, 500]
    assert (parsed.result.valid, parsed.result.duplicates) == (2500, 834)
    assert parsed.result.countries == {"GB": 2500} and parsed.bad_rows_xlsx is None


def test_an_unreadable_file_puts_no_chunk():
    put = []
    with pytest.raises(numbers.UnreadableFile):
        numbers.parse_to_chunks(io.BytesIO(b"PK\x03\x04 broken"), "x.xlsx", "international", 10,
                                lambda *chunk: put.append(chunk))
    assert put == []


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
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows == [numbers.BAD_ROWS_HEADER, (5, "hello", "号码格式错误")]
    assert numbers.BAD_ROWS_FILE == "异常数据.xlsx"


def test_numbers_written_with_the_00_international_prefix_are_read():
    result, valid, bad = _parse(_xlsx(["00447400123486", "008613800138000"]), "numbers.xlsx")
    assert sorted(valid) == [("+447400123486", "GB"), ("+8613800138000", "CN")] and bad == []
    domestic, valid, bad = _parse(_xlsx(["008613800138000", "00447400123486", "13800138001"]), "n.xlsx", "domestic")
    assert sorted(valid) == [("+8613800138000", "CN"), ("+8613800138001", "CN")]
    assert [(row, value, reason) for row, value, reason in bad] == [(3, "00447400123486", numbers.NOT_DOMESTIC)]


def _edited_sheet(xlsx: io.BytesIO, edit) -> io.BytesIO:
    """The workbook with its first sheet's XML passed through ``edit`` (text → text)."""
    import zipfile
    source, out = zipfile.ZipFile(xlsx), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = edit(data.decode()).encode()
            target.writestr(item, data)
    out.seek(0)
    return out


def _with_saved_results(xlsx: io.BytesIO, results: dict[str, str]) -> io.BytesIO:
    """The workbook with each formula cell in ``results`` (coordinate → value) given the saved
    result Excel writes on save (openpyxl writes formulas without one)."""
    def save_results(text: str) -> str:
        for coordinate, value in results.items():
            head, found, tail = text.partition(f'<c r="{coordinate}">')
            formula, empty, rest = re.split(r"(<v\s*/>|<v></v>)", tail, maxsplit=1)
            assert found and empty  # a formula cell with no saved result, as openpyxl writes it
            text = f'{head}<c r="{coordinate}">{formula}<v>{value}</v>{rest}'
        return text
    return _edited_sheet(xlsx, save_results)


def test_a_formula_saved_without_its_result_is_a_bad_row_not_an_empty_one():
    data = _xlsx(["447400123456", '=B3&""', None, "=CONCATENATE(\"44\",\"7400123457\")"])
    result, valid, bad = _parse(data, "numbers.xlsx")
    assert valid == [("+447400123456", "GB")]
    assert (result.total_rows, result.valid, result.invalid) == (3, 1, 2)
    assert [(row, value) for row, value, _ in bad] == [(3, '=B3&""'), (5, '=CONCATENATE("44","7400123457")')]
    assert bad[0][2] == numbers.FORMULA_WITHOUT_RESULT and "公式" in bad[0][2] and "formula" in bad[0][2]
    assert result.message == "检测到异常数据2条"


def test_a_formula_saved_with_its_result_is_read_as_that_result():
    data = _with_saved_results(_xlsx(['="44"&"7400123456"', "=8613800138000*1"]),
                               {"A2": "447400123456", "A3": "8613800138000"})
    result, valid, bad = _parse(data, "numbers.xlsx")
    assert sorted(valid) == [("+447400123456", "GB"), ("+8613800138000", "CN")] and bad == []


def test_rows_past_a_sheet_s_declared_dimension_are_read():
    """Some programs write a dimension smaller than the sheet; openpyxl's read-only rows stop
    at it, and the numbers after it would be lost without a word."""
    book = Workbook()
    for value in (numbers.HEADER, "447400123450", "447400123451", "447400123452"):
        book.active.append([value])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    def shrink(text: str) -> str:
        edited, count = re.subn(r'<dimension ref="A1:A4"\s*/>', '<dimension ref="A1:A2"/>', text)
        assert count == 1  # openpyxl's XML (with or without lxml) is what this test expects
        return edited
    data = _edited_sheet(out, shrink)
    result, valid, _ = _parse(data, "numbers.xlsx")
    assert result.valid == 3 and len(valid) == 3

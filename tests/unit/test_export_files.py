"""Export files and plans, pure: csv bytes, xlsx sheets, segments joined into parts, time
segments, names and rows."""
from __future__ import annotations

import csv
import io
import os
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from chalicelib.domain import exports as domain
from chalicelib.files.exports import CsvWriter, XlsxWriter, plan_parts, safe_cell


def test_csv_is_excel_ready_utf8_with_bom_and_rfc4180():
    out = io.BytesIO()
    writer = CsvWriter(out, ["内容", "n"])
    writer.write_all([['他说"你好", 再见\n第二行', 1], ["=1+1", 2], ["+8613800138000", 3], ["-5", 4]])
    writer.close()
    data = out.getvalue()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [["内容", "n"], ['他说"你好", 再见\n第二行', "1"], ["'=1+1", "2"],
                    ["+8613800138000", "3"], ["-5", "4"]]
    assert writer.rows == 4 and writer.bytes == len(data)


def test_later_segments_carry_no_bom_or_header_and_join_into_one_file():
    parts = []
    for index, chunk in enumerate(([["a", 1]], [["b", 2], ["c", 3]], [])):
        out = io.BytesIO()
        writer = CsvWriter(out, ["x", "y"], first_segment=index == 0)
        writer.write_all(chunk)
        writer.close()
        parts.append(out.getvalue())
    assert not parts[1].startswith(b"\xef\xbb\xbf") and parts[2] == b""
    joined = b"".join(parts).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(joined, newline=""))) == [["x", "y"], ["a", "1"], ["b", "2"], ["c", "3"]]


@pytest.mark.parametrize(("value", "shown"), [("=SUM(A1)", "'=SUM(A1)"), ("@cmd", "'@cmd"), ("+1 555", "+1 555"),
                                              ("-x", "'-x"), ("plain", "plain"), (3, 3), ("", "")])
def test_formula_cells_are_defused(value, shown):
    assert safe_cell(value) == shown


def test_a_full_sheet_goes_on_in_the_next_with_the_header_again():
    writer = XlsxWriter(["h1", "h2"], lambda i: domain.sheet_title("messages", "zh", i), sheet_rows=3)
    writer.write_all([[f"r{i}", i] for i in range(5)])
    out = io.BytesIO()
    writer.save(out)
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    assert book.sheetnames == ["日志查询", "日志查询 (2)", "日志查询 (3)"]
    sheets = [[list(r) for r in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]
    assert sheets[0] == [["h1", "h2"], ["r0", 0], ["r1", 1]] and sheets[2] == [["h1", "h2"], ["r4", 4]]
    assert writer.rows == 5 and writer.sheets == 3


def test_an_empty_text_is_a_blank_cell_in_xlsx():
    """Excel counts a cell holding "" as filled (COUNTA, ISBLANK); an empty field is no cell."""
    writer = XlsxWriter(["a", "b", "c"], lambda i: "s", typed=[1])
    writer.write_all([["", "", "x"], ["=1", "=2", 0]])
    out = io.BytesIO()
    writer.save(out)
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)] == [[None, None, "x"],
                                                                                    ["=1", "'=2", 0]]
    assert [cell.data_type for cell in sheet[2]] == ["n", "n", "s"]  # blank cells, not empty strings


def _joined(sizes: list[int], min_part: int) -> list[tuple[int, int, int]]:
    """The bytes the plan puts in the object, in order, as (segment, start, end)."""
    parts = plan_parts(sizes, min_part)
    for part in parts[:-1]:
        assert part.size >= min_part
    for part in parts:
        assert not part.copy or len(part.pieces) == 1
    return [(p.segment, p.start, p.end) for part in parts for p in part.pieces]


@pytest.mark.parametrize("seed", range(30))
def test_parts_hold_every_byte_once_in_order_and_all_but_the_last_are_big_enough(seed):
    rng = random.Random(seed)
    sizes = [rng.choice([0, 1, 3, 9, 10, 11, 25, 60]) for _ in range(rng.randint(1, 12))]
    pieces = _joined(sizes, 10)
    expected = [(i, b) for i, size in enumerate(sizes) for b in range(size)]
    assert [(s, b) for s, start, end in pieces for b in range(start, end)] == expected


def test_big_segments_are_copied_inside_s3_and_small_ones_read():
    parts = plan_parts([100, 3, 4, 100, 2], 10)
    assert [(p.copy, p.size) for p in parts] == [(True, 100), (False, 10), (True, 97), (False, 2)]


def test_one_day_per_segment_newest_first_and_busy_days_cut():
    start, end = datetime(2026, 11, 29, 16, tzinfo=UTC), datetime(2026, 12, 1, 6, tzinfo=UTC)
    plain = domain.plan_segments(start, end)
    assert plain == [(datetime(2026, 12, 1, tzinfo=UTC), end),
                     (datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)),
                     (start, datetime(2026, 11, 30, tzinfo=UTC))]
    sized = domain.plan_segments(start, end, {date(2026, 12, 1): 30, date(2026, 11, 30): 3, date(2026, 11, 29): 4},
                                 target_rows=10)
    assert len(sized) == 4 and sized[-1] == (start, datetime(2026, 12, 1, tzinfo=UTC))  # quiet days joined
    assert sized[0][1] == end and all(a[0] == b[1] for a, b in zip(sized, sized[1:], strict=False))


def test_a_busy_day_is_cut_edge_to_edge_whatever_its_length():
    start = datetime(2026, 12, 1, tzinfo=UTC)
    for end in (start + timedelta(hours=10, microseconds=1), start + timedelta(seconds=7, microseconds=1),
                start + timedelta(days=1)):
        segments = domain.plan_segments(start, end, {start.date(): 70}, target_rows=10)
        assert len(segments) == 7 and segments[0][1] == end and segments[-1][0] == start
        assert all(newer[0] == older[1] for newer, older in zip(segments, segments[1:], strict=False))


def test_local_days_are_shared_among_the_utc_days_they_overlap():
    shanghai = ZoneInfo("Asia/Shanghai")  # a local day: 16:00 UTC the day before to 16:00
    estimates = domain.utc_day_estimates({date(2026, 12, 1): 24, date(2026, 12, 2): 7}, shanghai)
    assert estimates == {date(2026, 11, 30): 8, date(2026, 12, 1): 16 + 3, date(2026, 12, 2): 5}
    assert domain.utc_day_estimates({date(2026, 12, 1): 5}, UTC) == {date(2026, 12, 1): 5}
    # a day the clocks change on is 23 or 25 hours long
    london = domain.utc_day_estimates({date(2026, 3, 29): 23}, ZoneInfo("Europe/London"))
    assert london == {date(2026, 3, 29): 23}


def test_rows_made_over_a_time_are_spread_over_its_utc_days():
    begin = datetime(2026, 12, 1, 18, tzinfo=UTC)
    assert domain.spread_over_days(100, begin, begin + timedelta(hours=12)) == {date(2026, 12, 1): 50,
                                                                               date(2026, 12, 2): 50}
    assert domain.spread_over_days(7, begin, begin) == {date(2026, 12, 1): 7}  # an instant: its day
    three = domain.spread_over_days(10, begin, begin + timedelta(days=2))
    assert list(three) == [date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3)] and sum(three.values()) >= 10


def test_times_are_local_with_the_offset_and_names_say_the_type():
    times = domain.LocalTimes(ZoneInfo("Asia/Shanghai"))
    assert times.format("2026-12-01T07:30:00.123456+0000") == "2026-12-01 15:30:00 +08:00"
    new_york = domain.LocalTimes(ZoneInfo("America/New_York"))
    summer, winter = datetime(2026, 7, 1, 12, tzinfo=UTC), datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert new_york.format(summer) == "2026-07-01 08:00:00 -04:00"
    assert new_york.format(winter) == "2026-12-01 07:00:00 -05:00"
    assert new_york.format(winter + timedelta(minutes=1)) == "2026-12-01 07:01:00 -05:00"
    assert domain.filename("messages", "zh", "csv", datetime(2026, 12, 1, 15, 30)) == "日志查询_20261201_1530.csv"
    assert domain.filename("tasks", "en", "xlsx", datetime(2026, 12, 1, 9, 5)) == "Task_statistics_20261201_0905.xlsx"


def test_a_message_row_in_both_languages():
    message = {"pk": "msg_1", "type": "marketing", "task_id": "task_1", "task_name": "促销", "sender": "JMC",
               "to": "+447400100001", "country": "GB", "text": "hi", "segments": 2, "status": "blocked",
               "err_code": "number", "price_micros": 0, "created_at": datetime(2026, 12, 1, 7, tzinfo=UTC)}
    times = domain.LocalTimes(ZoneInfo("Asia/Shanghai"))
    zh = domain.message_row(message, times, domain.CountryNames("zh"), "zh")
    en = domain.message_row(message, times, domain.CountryNames("en"), "en")
    assert zh[1] == "营销类" and zh[6] == "英国" and zh[10] == "黑名单拦截" and zh[11] == "号码在黑名单中"
    assert en[1] == "Marketing" and en[6] == "United Kingdom" and en[10] == "Blacklisted"
    assert zh[12] == "0.00" and zh[13] == "2026-12-01 15:00:00 +08:00" and zh[14] == ""
    assert len(zh) == len(domain.COLUMNS["messages"])


def test_a_discarded_workbook_leaves_no_staged_sheet():
    writer = XlsxWriter(["h"], lambda i: f"s{i}", sheet_rows=2)
    writer.write_all([[1], [2], [3]])
    staged = [sheet._writer.out for sheet in writer._sheets]
    assert staged and all(os.path.exists(path) for path in staged)
    writer.discard()
    assert not any(os.path.exists(path) for path in staged)

"""Exports (seed module 下载中心), the pure part: what an export is, its states, the files'
names and columns in both languages, and how a log row, a task or a report row becomes a
line of a file. No AWS here: ``services.exports`` reads the rows and ``files.exports`` writes
them.

Columns are product (shared/seeds): 任务统计 (tasks), 费用统计 (task_cost), 失败详情
(task_failures), 日志查询 (messages), 报告下载 (report) and 通话记录 (voice_calls). ``lang=en`` gives English headers,
country names and labels. Times are in the account's time zone with the offset shown
(``2026-12-01 15:30:00 +08:00``); money is a decimal string in the account's currency.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from .country_names import country_name
from .money import format_amount

TYPES = ("tasks", "task_cost", "task_failures", "messages", "report", "voice_calls")
FORMATS = ("xlsx", "csv")
LANGS = ("zh", "en")

PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED = "pending", "running", "succeeded", "failed", "cancelled"
STATUSES = (PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED)
FINAL = frozenset({SUCCEEDED, FAILED, CANCELLED})
#: States a DELETE cancels (workers stop at their next page); a final export is deleted instead.
CANCELLABLE = frozenset({PENDING, RUNNING})

#: Each type's name: the file's name begins with it, and xlsx sheets are named after it.
TITLES = {
    "tasks": {"zh": "任务统计", "en": "Task statistics"},
    "task_cost": {"zh": "费用统计", "en": "Task cost"},
    "task_failures": {"zh": "失败详情", "en": "Task failures"},
    "messages": {"zh": "日志查询", "en": "Message log"},
    "report": {"zh": "报告下载", "en": "Report"},
    "voice_calls": {"zh": "通话记录", "en": "Call log"},
}

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass(frozen=True)
class Column:
    zh: str
    en: str
    #: Holds what a customer typed (content, names): a spreadsheet must never run it as a formula.
    typed: bool = False

    def header(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


_TASK_COLUMNS = (
    Column("任务ID", "Task ID"), Column("发送用户", "User", typed=True), Column("任务名称", "Task name", typed=True),
    Column("创建时间", "Created at"), Column("发送时间", "Sent at"), Column("任务状态", "Status"),
    Column("短信统计", "Recipients"), Column("已发送条数", "Submitted"), Column("成功条数", "Delivered"),
    Column("失败条数", "Failed"), Column("费用统计", "Cost"),
)
_TASK_COST_COLUMNS = (
    Column("TaskID", "TaskID"), Column("手机号码", "Phone number"), Column("结果", "Result"),
    Column("发送时间", "Sent at"), Column("国家地区名称", "Country / Region"), Column("国家地区代码", "Country code"),
    Column("FROM", "FROM", typed=True), Column("发送内容", "Content", typed=True), Column("费用", "Cost"),
)
_MESSAGE_COLUMNS = (
    Column("Message ID", "Message ID"), Column("短信类型", "Type"), Column("任务ID", "Task ID"),
    Column("任务名称", "Task name", typed=True), Column("FROM", "From", typed=True), Column("接收号码", "To"),
    Column("国家地区名称", "Country / Region"), Column("国家地区代码", "Country code"),
    Column("发送内容", "Content", typed=True),
    Column("计费条数", "Segments"), Column("状态", "Status"), Column("失败原因", "Failure reason", typed=True),
    Column("费用", "Price"), Column("创建时间", "Created at"), Column("提交时间", "Submitted at"),
    Column("送达时间", "Delivered at"),
)
# The seed's header is bilingual as it stands (English and Chinese country names side by side).
_REPORT_COLUMNS = (
    Column("Country / Region", "Country / Region"), Column("国家/地区", "Country / Region (zh)"),
    Column("用户名", "User", typed=True), Column("成功率", "Success rate"), Column("总计/条", "Total"),
    Column("成功/条", "Delivered"), Column("失败/条", "Failed"),
)
_CALL_COLUMNS = (
    Column("通话ID", "Call ID"), Column("号码", "Number"),
    # A caller's id is whatever the calling network sent: defused like anything typed.
    Column("主叫号码", "From", typed=True), Column("被叫号码", "To", typed=True),
    Column("方向", "Direction"), Column("状态", "Status"), Column("开始时间", "Start time"),
    Column("结束时间", "End time"), Column("时长(秒)", "Duration (s)"), Column("费率", "Rate"), Column("费用", "Price"),
    Column("币种", "Currency"),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "tasks": _TASK_COLUMNS,
    "task_cost": _TASK_COST_COLUMNS,
    "task_failures": (*_TASK_COST_COLUMNS, Column("失败原因", "Failure reason", typed=True)),
    "messages": _MESSAGE_COLUMNS,
    "report": _REPORT_COLUMNS,
    "voice_calls": _CALL_COLUMNS,
}

_MESSAGE_STATUS = {
    "queued": ("排队中", "Queued"), "submitted": ("已提交", "Submitted"), "delivered": ("成功", "Delivered"),
    "failed": ("失败", "Failed"), "expired": ("已过期", "Expired"), "rejected": ("被拒绝", "Rejected"),
    "blocked": ("黑名单拦截", "Blacklisted"),
}
_TASK_STATUS = {
    "scheduled": ("待发送", "Scheduled"), "sending": ("发送中", "Sending"), "paused": ("已暂停", "Paused"),
    "completed": ("已完成", "Completed"), "cancelled": ("已取消", "Cancelled"), "failed": ("失败", "Failed"),
}
_CALL_STATUS = {
    "started": ("已发起", "Started"), "ringing": ("振铃中", "Ringing"), "answered": ("已接听", "Answered"),
    "completed": ("已完成", "Completed"), "busy": ("忙线", "Busy"), "failed": ("失败", "Failed"),
    "rejected": ("被拒绝", "Rejected"), "timeout": ("超时", "Timed out"), "unanswered": ("未接听", "Unanswered"),
    "cancelled": ("已取消", "Cancelled"),
}
_CALL_DIRECTION = {"inbound": ("呼入", "Inbound"), "outbound": ("呼出", "Outbound")}
_MESSAGE_TYPE = {"marketing": ("营销类", "Marketing"), "transactional": ("交易类", "Transactional")}
#: Why a message did not arrive, when our code (not the carrier's) says it.
_REASONS = {"number": ("号码在黑名单中", "The number is blacklisted"),
            "country": ("国家/地区在黑名单中", "The country or region is blacklisted")}
#: What a log row is built from (the attributes an export reads of each message).
MESSAGE_ATTRIBUTES = ("pk", "type", "task_id", "task_name", "sender", "to", "country", "text", "segments", "status",
                      "err_code", "err_text", "price_micros", "refunded_micros", "created_at", "submitted_at",
                      "delivered_at")
#: The statuses a task's 失败详情 lists.
FAILURE_STATUSES = frozenset({"failed", "expired", "rejected", "blocked"})


def plan_segments(start: datetime, end: datetime, rows_per_day: Mapping[date, int] | None = None,
                  target_rows: int = 500_000) -> list[tuple[datetime, datetime]]:
    """``[start, end)`` cut into the time segments of a log export, newest first: one per UTC
    day (the log's partitions are UTC days), a day expected to hold more than
    ``target_rows`` cut into equal slices, and consecutive quiet days joined while their
    expected rows stay under ``target_rows`` (a day missing from the estimates expects
    none). Without estimates, one segment per day."""
    days: list[tuple[datetime, datetime, int | None]] = []
    cursor = end
    while cursor > start:
        day_start = max(start, datetime.combine(_instant_day(cursor), datetime.min.time(), tzinfo=UTC))
        expected = rows_per_day.get(day_start.date(), 0) if rows_per_day is not None else None
        days.append((day_start, cursor, expected))
        cursor = day_start
    segments: list[tuple[datetime, datetime]] = []
    pending: tuple[datetime, datetime, int] | None = None
    for day_start, day_end, expected in days:
        if expected is None:
            segments.append((day_start, day_end))
            continue
        if expected > target_rows:
            if pending:
                segments.append(pending[:2])
                pending = None
            segments.extend(_slices(day_start, day_end, -(-expected // target_rows)))
            continue
        if pending and pending[2] + expected <= target_rows:
            pending = (day_start, pending[1], pending[2] + expected)
        else:
            if pending:
                segments.append(pending[:2])
            pending = (day_start, day_end, expected)
    if pending:
        segments.append(pending[:2])
    return segments


def _slices(start: datetime, end: datetime, count: int) -> list[tuple[datetime, datetime]]:
    """``[start, end)`` in ``count`` slices of (about) equal width, newest first, edge to
    edge: the width is rounded to microseconds, so the oldest slice ends exactly at
    ``start`` (a gap would lose rows)."""
    width = (end - start) / count
    cuts = [end - width * i for i in range(count)] + [start]
    return [(max(start, cuts[i + 1]), cuts[i]) for i in range(count)]


def utc_day_estimates(local_days: Mapping[date, int], zone: tzinfo) -> dict[date, int]:
    """Rows per UTC day from rows per local day in ``zone`` (the report aggregates' days),
    each local day's rows shared among the UTC days it overlaps, by the time of overlap."""
    estimates: dict[date, int] = {}
    for day, rows in local_days.items():
        begin = datetime.combine(day, datetime.min.time(), tzinfo=zone)
        finish = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone)
        for utc_day, share in spread_over_days(rows, begin, finish).items():
            estimates[utc_day] = estimates.get(utc_day, 0) + share
    return estimates


def spread_over_days(rows: int, begin: datetime, finish: datetime) -> dict[date, int]:
    """``rows`` made evenly over ``[begin, finish)``, per UTC day, rounded up (an estimate
    plans work, so it errs high); all on ``begin``'s day when the span is empty."""
    begin, finish = begin.astimezone(UTC), finish.astimezone(UTC)
    span = int((finish - begin).total_seconds())
    if span <= 0:
        return {begin.date(): rows}
    shares: dict[date, int] = {}
    cursor = begin
    while cursor < finish:
        cut = min(finish, datetime.combine(cursor.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC))
        shares[cursor.date()] = -(-rows * int((cut - cursor).total_seconds()) // span)
        cursor = cut
    return shares


def _instant_day(instant: datetime) -> date:
    """The UTC day an exclusive end belongs to (midnight ends the day before)."""
    utc = instant.astimezone(UTC)
    return (utc - timedelta(microseconds=1)).date()


def headers(export_type: str, lang: str) -> list[str]:
    return [column.header(lang) for column in COLUMNS[export_type]]


def typed_columns(export_type: str) -> tuple[int, ...]:
    """Where a row holds what a customer typed (the writers defuse formulas there)."""
    return tuple(i for i, column in enumerate(COLUMNS[export_type]) if column.typed)


def filename(export_type: str, lang: str, fmt: str, created_local: datetime) -> str:
    """``日志查询_20261201_1530.csv``: the type's title and the local creation minute."""
    title = TITLES[export_type][lang].replace(" ", "_")
    return f"{title}_{created_local:%Y%m%d_%H%M}.{fmt}"


def sheet_title(export_type: str, lang: str, index: int) -> str:
    """The n-th sheet's name (a sheet holds 1,048,576 rows; the export goes on in the next)."""
    title = TITLES[export_type][lang]
    return title if index == 0 else f"{title} ({index + 1})"


def _label(table: Mapping[str, tuple[str, str]], value: str | None, lang: str) -> str:
    if not value:
        return ""
    pair = table.get(value)
    return value if pair is None else pair[0 if lang == "zh" else 1]


class LocalTimes:
    """UTC instants as the account's wall clock with its offset, fast: the offset is looked up
    once per UTC hour (zones change offset on the hour or half hour, and only a few times a
    year), and a stored time's minutes and seconds are copied, not computed, when the offset
    is whole hours."""

    def __init__(self, zone: tzinfo):
        self._zone = zone
        #: UTC hour ("2026-12-01T07") -> (local hour "2026-12-01 15", offset text, whole hours?)
        self._hours: dict[str, tuple[str, str, bool, timedelta]] = {}

    def format(self, value: datetime | str | None) -> str:
        """``value``: an aware datetime, or a time as PynamoDB stores it
        (``2026-12-01T07:30:00.123456+0000``, always UTC)."""
        if not value:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")
        hour = self._hours.get(value[:13])
        if hour is None:
            hour = self._hour(value[:13])
        local_hour, offset, whole, delta = hour
        if whole:
            return f"{local_hour}{value[13:19]} {offset}"
        local = datetime.fromisoformat(value[:19]) + delta
        return f"{local:%Y-%m-%d %H:%M:%S} {offset}"

    def _hour(self, prefix: str) -> tuple[str, str, bool, timedelta]:
        instant = datetime.fromisoformat(prefix + ":00:00+00:00")
        delta = instant.astimezone(self._zone).utcoffset() or timedelta(0)
        minutes = int(delta.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        entry = (f"{instant + delta:%Y-%m-%d %H}", f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}",
                 minutes % 60 == 0, delta)
        self._hours[prefix] = entry
        return entry

    def local(self, value: datetime) -> datetime:
        return value.astimezone(self._zone)


class CountryNames:
    """Country names in one language, cached (a country code → name is asked per row)."""

    def __init__(self, lang: str):
        self._lang = lang
        self._names: dict[str, str] = {}

    def __call__(self, code: str | None) -> str:
        if not code:
            return ""
        name = self._names.get(code)
        if name is None:
            try:
                name = country_name(code, self._lang)
            except KeyError:
                name = code
            self._names[code] = name
        return name


def _money(micros: Any) -> str:
    return format_amount(int(micros or 0))


def _count(value: Any) -> int:
    return int(value or 0)


def _reason(message: Mapping[str, Any], lang: str) -> str:
    if message.get("status") not in FAILURE_STATUSES:
        return ""
    code = message.get("err_code")
    if code in _REASONS:
        return _label(_REASONS, code, lang)
    text, code = message.get("err_text"), message.get("err_code")
    return " ".join(part for part in (str(code) if code else "", str(text) if text else "") if part)


Row = list[Any]
#: (item, times, countries, lang) -> the row's cells in column order.
RowBuilder = Callable[[Mapping[str, Any], LocalTimes, CountryNames, str], Row]


def message_row(message: Mapping[str, Any], times: LocalTimes, countries: CountryNames, lang: str) -> Row:
    """A 日志查询 row from a stored message (attribute name → value); the price is what it
    cost (reserved minus refunded)."""
    charged = int(message.get("price_micros") or 0) - int(message.get("refunded_micros") or 0)
    country = message.get("country")
    return [message["pk"], _label(_MESSAGE_TYPE, message.get("type"), lang), message.get("task_id") or "",
            message.get("task_name") or "", message.get("sender") or "", message.get("to") or "",
            countries(country), country or "", message.get("text") or "", _count(message.get("segments")),
            _label(_MESSAGE_STATUS, message.get("status"), lang), _reason(message, lang), _money(charged),
            times.format(message.get("created_at")), times.format(message.get("submitted_at")),
            times.format(message.get("delivered_at"))]


def task_cost_row(message: Mapping[str, Any], times: LocalTimes, countries: CountryNames, lang: str) -> Row:
    """A 费用统计 row: one message of the task."""
    charged = int(message.get("price_micros") or 0) - int(message.get("refunded_micros") or 0)
    country = message.get("country")
    sent = message.get("submitted_at") or message.get("created_at")
    return [message.get("task_id") or "", message.get("to") or "", _label(_MESSAGE_STATUS, message.get("status"), lang),
            times.format(sent), countries(country), country or "", message.get("sender") or "",
            message.get("text") or "", _money(charged)]


def task_failure_row(message: Mapping[str, Any], times: LocalTimes, countries: CountryNames, lang: str) -> Row:
    """A 失败详情 row: a 费用统计 row and why it failed."""
    return [*task_cost_row(message, times, countries, lang), _reason(message, lang)]


def task_row(task: Mapping[str, Any], times: LocalTimes, countries: CountryNames, lang: str) -> Row:
    """A 任务统计 row from a task (``task_id``, ``created_by_name``, ``name``, ``created_at``,
    ``started_at``, ``status``, ``total`` and its summed counters)."""
    return [task["task_id"], task.get("created_by_name") or task.get("created_by") or "", task.get("name") or "",
            times.format(task.get("created_at")), times.format(task.get("started_at")),
            _label(_TASK_STATUS, task.get("status"), lang), _count(task.get("total")),
            _count(task.get("submitted")), _count(task.get("delivered")), _count(task.get("failed")),
            _money(task.get("cost_micros"))]


def report_row(row: Mapping[str, Any], times: LocalTimes, countries: CountryNames, lang: str) -> Row:
    """A 报告下载 row from ``services.reports``' rows (the totals row has no country)."""
    names = row.get("country_name") or {}
    country = row.get("country")
    first = (names.get("en") or country or "") if country else ("Total" if lang == "en" else "总计")
    second = (names.get("zh") or country or "") if country else ""
    return [first, second, row.get("user_name") or row.get("user") or "", row.get("success_rate") or "",
            _count(row.get("total")), _count(row.get("delivered")), _count(row.get("failed"))]


def call_row(call: Mapping[str, Any], times: LocalTimes, countries: CountryNames, lang: str) -> Row:
    """A 通话记录 row from a call (the API's keys: ``id``, ``number``, ``from``, ``to``, ...,
    its times as datetimes); the carrier's rate and price, in its currency."""
    duration = call.get("duration")
    return [call["id"], call.get("number") or "", call.get("from") or "", call.get("to") or "",
            _label(_CALL_DIRECTION, call.get("direction"), lang), _label(_CALL_STATUS, call.get("status"), lang),
            times.format(call.get("start_time")), times.format(call.get("end_time")),
            "" if duration is None else int(duration), call.get("rate") or "", call.get("price") or "",
            call.get("currency") or ""]


ROW_BUILDERS: dict[str, RowBuilder] = {
    "tasks": task_row, "task_cost": task_cost_row, "task_failures": task_failure_row,
    "messages": message_row, "report": report_row, "voice_calls": call_row,
}

"""JSON views of store items: the API's wire shapes, in one place."""
from __future__ import annotations

from ..domain.call_events import CURRENCY as CALL_CURRENCY
from ..domain.country_names import LANGUAGES, country_name
from ..domain.money import format_amount
from ..services import downloads
from ..store.accounts import Account, App, Sender, Signature, User
from ..store.base import as_dict, iso
from ..store.ledger import LedgerEntry


def account(item: Account, *, with_balance: bool = True) -> dict:
    body = {"id": item.account_id, "name": item.name, "timezone": item.timezone,
            "currency": item.currency, "status": item.status, "created_at": item.created_at}
    if with_balance:
        body["balance"] = format_amount(int(item.balance_micros))
    return body


def ops_account(item: Account) -> dict:
    """An account as operators see it: with its number markup (null: the stage's default)."""
    return {**account(item), "number_markup": item.number_markup}


def user(item: User) -> dict:
    return {"id": item.user_id, "account_id": item.account_id, "email": item.email,
            "phone": item.phone, "name": item.name, "role": item.role, "status": item.status,
            "created_at": iso(item.created_at)}


def app(item: App) -> dict:
    return {"id": item.app_id, "name": item.name, "app_key": item.app_key, "status": item.status,
            "created_at": iso(item.created_at)}


def ledger_entry(item: LedgerEntry) -> dict:
    return {"id": item.entry_id.removeprefix("E#"), "kind": item.kind,
            "amount": format_amount(int(item.amount_micros)), "reference": item.reference,
            "actor": item.actor, "created_at": iso(item.created_at)}


def sender(item: Sender) -> dict:
    return {"id": item.sender_id, "type": item.kind, "value": item.value,
            "countries": list(item.countries), "created_at": iso(item.created_at)}


def signature(item: Signature) -> dict:
    return {"id": item.signature_id, "text": item.text, "created_at": iso(item.created_at)}


def accepted_message(item) -> dict:
    """The answer to an accepted send (``POST /v1/sms``): what was queued and its price."""
    return {"message_id": item.message_id, "to": item.to, "country": item.country,
            "segments": int(item.segments), "encoding": item.encoding,
            "price": format_amount(int(item.price_micros)), "status": "queued"}


def blacklist_entry(item) -> dict:
    body = {"id": item.public_id, "app_id": item.app_id, "created_at": iso(item.created_at),
            "created_by": item.created_by}
    body["number" if item.kind == "N" else "country"] = item.value
    return body


def message(item) -> dict:
    """A message of the log; the price is what it cost (reserved minus refunded)."""
    return {"id": item.message_id, "account_id": item.account_id, "app_id": item.app_id,
            "user_id": item.user_id, "task_id": item.task_id, "task_name": item.task_name,
            "type": item.type, "source": item.source, "to": item.to, "country": item.country,
            "country_name": _country_names(item.country), "from": item.sender, "text": item.text,
            "segments": int(item.segments), "encoding": item.encoding,
            "price": format_amount(int(item.price_micros) - int(item.refunded_micros or 0)),
            "status": item.status, "err_code": item.err_code, "client_ref": item.client_ref,
            "carrier_ids": list(item.carrier_ids or []), "created_at": iso(item.created_at),
            "submitted_at": iso(item.submitted_at), "delivered_at": iso(item.delivered_at)}


def _country_names(code: str) -> dict[str, str] | None:
    try:
        return {lang: country_name(code, lang) for lang in LANGUAGES}
    except KeyError:
        return None


def template(item) -> dict:
    """A template; ``reason`` says why an operator rejected a domestic one."""
    return {"id": item.template_id, "name": item.name, "content": item.content, "kind": item.kind,
            "status": item.status, "reason": item.reason, "created_at": item.created_at,
            "updated_at": item.updated_at}


def upload(item, report_url: str | None, unpriced: dict[str, int]) -> dict:
    """A number upload: counts, countries and, when rows were bad, the 异常数据.xlsx link and
    the product's notice (检测到异常数据X条); ``unpriced`` (country → numbers) names the
    countries the account has no price for, with a note in each language."""
    invalid = int(item.invalid or 0)
    return {"upload_id": item.upload_id, "kind": item.kind, "filename": item.filename, "status": item.status,
            "error": item.error, "total_rows": int(item.total_rows or 0), "valid": int(item.valid or 0),
            "invalid": invalid, "duplicates": int(item.duplicates or 0),
            "countries": {k: int(v) for k, v in as_dict(item.countries).items()},
            "message": f"检测到异常数据{invalid}条" if invalid else None,
            "unpriced_countries": unpriced, "unpriced_message": _unpriced_message(unpriced),
            "invalid_report_url": report_url, "progress": _parse_progress(item),
            "created_at": iso(item.created_at), "parsed_at": iso(item.parsed_at)}


def _unpriced_message(unpriced: dict[str, int]) -> dict[str, str] | None:
    """Said at upload time what task creation would refuse later ("has N number(s) in XX")."""
    if not unpriced:
        return None
    total = sum(unpriced.values())
    en = ", ".join(f"{_country_name(c, 'en')} ({c}) {n}" for c, n in unpriced.items())
    zh = "，".join(f"{_country_name(c, 'zh')} ({c}) {n}个" for c, n in unpriced.items())
    return {"en": f"{total} number(s) are in countries or regions not on this account's price list: {en}. "
                  "A task with this list is refused until they are priced or removed.",
            "zh": f"有{total}个号码所在国家/地区不在本账户价格表中：{zh}。"
                  "使用此名单创建任务会被拒绝，请先定价或删除这些号码。"}


def _country_name(code: str, lang: str) -> str:
    try:
        return country_name(code, lang)
    except KeyError:
        return code


def _parse_progress(item) -> dict | None:
    """How far a list parsed in parallel parts has got; None for one-worker parses."""
    if item.part_count is None:
        return None
    return {"parts": int(item.part_count), "parts_parsed": len(item.parts_done or ()),
            "buckets": int(item.buckets), "buckets_merged": len(set(item.merged or ()) - {int(item.buckets)})}


def task(item, counters: dict[str, int] | None = None) -> dict:
    """A bulk task, with its estimate and (when given) its live counters."""
    estimate = as_dict(item.estimate)
    body = {"task_id": item.task_id, "name": item.name, "kind": item.kind, "status": item.status,
            "reason": item.reason, "warning": item.warning, "app_id": item.app_id, "upload_id": item.upload_id,
            "from": as_dict(item.senders), "signature_id": item.signature_id, "template_id": item.template_id,
            "content": item.content, "text": item.text, "blacklist_check": item.blacklist_check,
            "send_at": iso(item.send_at), "scheduled": bool(item.scheduled),
            "countries": {k: int(v) for k, v in as_dict(item.countries).items()},
            "estimate": {"numbers": int(estimate.get("numbers", 0)), "segments": int(estimate.get("segments", 0)),
                         "cost": format_amount(int(estimate.get("cost_micros", 0))),
                         "by_country": {country: {"numbers": int(v["numbers"]), "segments": int(v["segments"]),
                                                  "cost": format_amount(int(v["cost_micros"]))}
                                        for country, v in as_dict(estimate.get("by_country", {})).items()}},
            "created_by": item.created_by, "created_at": iso(item.created_at), "sent_at": iso(item.started_at),
            "completed_at": iso(item.completed_at), "version": int(item.version)}
    if counters is not None:
        body["counters"] = {"total": int(item.total), **{k: v for k, v in counters.items() if k != "cost_micros"},
                            "cost": format_amount(counters["cost_micros"])}
    return body


def export(item) -> dict:
    """An export of the download center; ``download_url`` only while its file can be fetched."""
    body = {"export_id": item.export_id, "type": item.type, "format": item.format, "lang": item.lang,
            "filters": downloads.shown_filters(item), "status": item.status, "rows": int(item.rows or 0),
            "bytes": int(item.bytes or 0), "progress": downloads.progress(item), "filename": item.filename,
            "created_by": item.created_by, "created_at": iso(item.created_at), "finished_at": iso(item.finished_at),
            "expires_at": iso(item.expires_at), "error": item.error}
    url = downloads.download_url(item)
    if url:
        body["download_url"] = url
    return body


def held_number(item, currency: str, *, with_account: bool = False) -> dict:
    body = {"msisdn": item.msisdn, "country": item.country, "type": item.type, "features": list(item.features),
            "status": item.status, "monthly_price": format_amount(int(item.monthly_price_micros)),
            "currency": currency, "bought_at": iso(item.bought_at), "next_renewal_at": iso(item.paid_until),
            "suspended_at": iso(item.suspended_at), "release_at": iso(item.release_at)}
    if with_account:
        body["account_id"] = item.account_id
    return body


def number_offer(offer, currency: str) -> dict:
    return {"msisdn": offer.msisdn, "country": offer.number.country, "type": offer.number.type,
            "features": list(offer.number.features), "monthly_price": format_amount(offer.monthly_price_micros),
            "currency": currency}


def number_application(item, currency: str, *, with_account: bool = False) -> dict:
    body = {"id": item.application_id, "country": item.country, "msisdn": item.msisdn, "type": item.type,
            "features": list(item.features), "monthly_price": format_amount(int(item.monthly_price_micros)),
            "currency": currency,
            "status": item.status, "reason": item.reason, "created_at": iso(item.created_at),
            "decided_at": iso(item.decided_at)}
    if with_account:
        body["account_id"] = item.account_id
    return body


def number_rule(item) -> dict:
    return {"country": item.country, "purchase": item.purchase,
            "monthly_prices": {kind: format_amount(int(micros)) for kind, micros in as_dict(item.prices).items()},
            "updated_at": iso(item.updated_at), "updated_by": item.updated_by}


def call(item) -> dict:
    """A call of the voice call log (``store.calls.Call``)."""
    return {"id": item.uuid, "number": item.number, "from": item.from_number, "to": item.to_number,
            "direction": item.direction, "status": item.status, "start_time": iso(item.start_time),
            "end_time": iso(item.end_time), "duration": None if item.duration is None else int(item.duration),
            "rate": item.rate, "price": item.price, "currency": CALL_CURRENCY}

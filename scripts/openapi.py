"""Write chalicelib/openapi.json, the OpenAPI 3 description the API serves at /openapi.json.

    .venv/bin/python scripts/openapi.py

Run it after adding or changing a route, a parameter or a shape, and commit the file it writes.
The operations come from the Chalice app's routes (operation id: the view's name; summary: the
first line of its docstring; tag: its module); what each one takes and answers is declared here.

What keeps it honest: tests/unit/test_openapi.py fails while the committed file and the routes
disagree (either way), a $ref does not resolve or the file is not valid OpenAPI 3; and
tests/e2e/test_openapi_fuzz.py (marker ``fuzz``) has schemathesis send what the served
description allows to a local stack and check that every answer is one it describes.
"""
from __future__ import annotations

import inspect
import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import phonenumbers

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update({"JMC_STAGE": "local", "AWS_DEFAULT_REGION": "us-east-1", "AWS_XRAY_SDK_ENABLED": "false"})

# These imports need the repository root on sys.path and the local stage's environment, both
# set just above: the app and its store read their stage and region when they are imported.
from app import app  # noqa: E402
from chalicelib.api.payload import FREE_TEXT_FIELDS  # noqa: E402
from chalicelib.domain import call_events, message_status, task_states  # noqa: E402
from chalicelib.domain import exports as export_states  # noqa: E402
from chalicelib.domain import numbers as number_rules  # noqa: E402
from chalicelib.domain.identity import EMAIL_PATTERN  # noqa: E402
from chalicelib.domain.phone import TYPED_NUMBER_PATTERN  # noqa: E402
from chalicelib.domain.text import CONTROL_CHARACTERS, CONTROL_CHARACTERS_BUT_LINE_BREAKS  # noqa: E402
from chalicelib.services import directory, downloads, message_log, sending  # noqa: E402
from chalicelib.services import reports as report_service  # noqa: E402
from chalicelib.store.webhooks import DELIVERY_STATUSES  # noqa: E402

Schema = dict[str, Any]
OUTPUT = ROOT / "chalicelib" / "openapi.json"
JSON = "application/json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- schema builders ----------------------------------------------------------------------------
# Keyword arguments become schema keywords in the order given, after "type" (and "properties",
# "required"): the order the committed file has them in.

def string(**keywords: Any) -> Schema:
    return {"type": "string", **keywords}


def strings(*names: str) -> Schema:
    """Properties that are plain strings."""
    return {name: string() for name in names}


def integer(**keywords: Any) -> Schema:
    return {"type": "integer", **keywords}


def integers(*names: str) -> Schema:
    """Properties that are plain integers."""
    return {name: integer() for name in names}


def boolean(**keywords: Any) -> Schema:
    return {"type": "boolean", **keywords}


def date_time(**keywords: Any) -> Schema:
    return string(format="date-time", **keywords)


def object_with(properties: Schema, required: tuple[str, ...] | list[str] = (), **keywords: Any) -> Schema:
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return {**schema, **keywords}


def array_of(items: Schema, **keywords: Any) -> Schema:
    return {"type": "array", "items": items, **keywords}


def map_of(values: Schema, **keywords: Any) -> Schema:
    """An object whose keys are data (country codes, say), each mapped to a `values`."""
    return {"type": "object", "additionalProperties": values, **keywords}


def ref(component: str) -> Schema:
    return {"$ref": f"#/components/schemas/{component}"}


def extended(component: str, properties: Schema) -> Schema:
    """A component with a few more properties."""
    return {"allOf": [ref(component), object_with(properties)]}


def page_of(key: str, items: Schema) -> Schema:
    """One page of a paged list: the items under `key`, and the cursor of the next page."""
    return object_with({key: array_of(items), "next_cursor": string(nullable=True)})


def matching_none_of(schema: Schema, *patterns: str) -> Schema:
    return {**schema, "not": {"anyOf": [{"pattern": pattern} for pattern in patterns]}}


def or_empty(schema: Schema, description: str = "empty: no filter") -> Schema:
    """A query filter that reads "" as left out."""
    return {"anyOf": [schema, string(maxLength=0)], "description": description}


def null_as_absent(schema: Schema) -> Schema:
    """A body field where null is read as the field left out (an enum lists null too: OpenAPI
    3.0 allows null in an enum only when it is one of the values)."""
    if "enum" in schema:
        return {**schema, "nullable": True, "enum": [*schema["enum"], None]}
    return {**schema, "nullable": True}


def escaped(characters: str) -> str:
    """A regex character-class body (``\x00-\x1f...``) written with escapes, as a pattern."""
    return "".join(ch if ch == "-" else f"\\u{ord(ch):04x}" for ch in characters)


# Every string the API reads holds no control character (domain/text.py), free text no control
# character but tab, LF and CR (api/payload.py): these patterns say so.
CONTROL = escaped(CONTROL_CHARACTERS)
CONTROL_IN_FREE_TEXT = escaped(CONTROL_CHARACTERS_BUT_LINE_BREAKS)
CLEAN = f"^[^{CONTROL}]*$"
CLEAN_FREE_TEXT = f"^[^{CONTROL_IN_FREE_TEXT}]*$"


def text(**keywords: Any) -> Schema:
    """Required text: the API trims it, so it must hold something besides white space."""
    return string(pattern=f"^[^{CONTROL}]*[^\\s{CONTROL}][^{CONTROL}]*$", **keywords)


def free_text(**keywords: Any) -> Schema:
    """Required free text (an SMS, a template): text, where tab, LF and CR may stand too."""
    return string(pattern=f"^[^{CONTROL_IN_FREE_TEXT}]*[^\\s{CONTROL}][^{CONTROL_IN_FREE_TEXT}]*$", **keywords)


def filled(**keywords: Any) -> Schema:
    """Any string but the empty one (the API reads "" as missing)."""
    return string(minLength=1, pattern=CLEAN, **keywords)


# --- values the API reads and writes ------------------------------------------------------------
# Custom formats: "phone" is a valid E.164 number of a country; "login-phone" one of the countries
# whose numbers may log in; "time-zone" an IANA time zone name; "country-code" (Country) a region.

MONEY = string(pattern=r"^-?[0-9]+\.[0-9]+$", example="100.00")  # as the API writes money
# Money as the API reads it: one plain format, greater than zero and below 10^12.
MONEY_IN = matching_none_of(
    string(pattern=r"^[0-9]+(\.[0-9]{1,6})?$", example="100.00",
           description="a plain decimal: ASCII digits with at most 6 decimal places, no sign, exponent or spaces; "
                       "greater than zero and below 1000000000000"),
    r"^0*(\.0*)?$",  # zero
    r"^0*[1-9]\d{12}",  # 10^12 or more
)
COUNTRY = ref("Country")
COUNTRIES = array_of(COUNTRY, minItems=1)
PHONE = string(format="phone", pattern=TYPED_NUMBER_PATTERN,
               description="international format: +447400123456, 00447400123456 or 447400123456 (read as E.164); "
                           "spaces, dots, hyphens or parentheses may separate the digits",
               example="+447400123456")
LOGIN_PHONE = string(format="login-phone", pattern=TYPED_NUMBER_PATTERN,
                     description="international format (read as E.164): a mainland China, Hong Kong, Macau, Taiwan "
                                 "or Singapore number",
                     example="+8613800138000")
EMAIL = string(pattern=EMAIL_PATTERN, maxLength=254, example="ann@example.com",
               description="an address mail can be sent to (an internationalised domain in its xn-- form)")
SENDER_ID = string(pattern=r"^[A-Za-z0-9 ]*[A-Za-z][A-Za-z0-9 ]*$", maxLength=11,
                   description="1-11 letters, digits or spaces with at least one letter", example="JMCDemo")
NUMERIC_FROM = string(pattern=rf"^\+?[0-9]{{3,{sending.NUMERIC_FROM_MAX}}}$")
SERVICE_CODE = string(pattern=r"^106[0-9]{1,17}$", description="a mainland China service code: to CN only")
FROM = string(anyOf=[NUMERIC_FROM, SERVICE_CODE, SENDER_ID],
              description="a number (3-15 ASCII digits), a China service code (106 and up to 17 more digits, "
                          "to CN only) or a Sender ID (1-11 letters, digits or spaces with at least one letter)")
HOST_LABEL = r"[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
PORT = r"(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})"
URL = string(pattern=rf"^ *[Hh][Tt][Tt][Pp][Ss]?://{HOST_LABEL}(\.{HOST_LABEL}){{0,2}}\.?(:{PORT})?"
                     rf"([/?#][^\s{CONTROL}]*)? *$",
             maxLength=2048,
             description="an absolute http(s) URL: a host name in ASCII (an internationalised one in its xn-- "
                         "form) or an IP address, no user:password@, no spaces or control characters (https "
                         "and a public host on cloud stages)")
FILENAME = string(pattern=rf"^[^{CONTROL}]*\.([Xx][Ll][Ss][Xx]|[Cc][Ss][Vv]) *$", example="numbers.xlsx",
                  maxLength=200,
                  description="ends in .xlsx or .csv; at most 200 characters")
KIND = string(enum=["international", "domestic"])
ENCODING = string(enum=["GSM-7", "UCS-2"])
NEW_PASSWORD = matching_none_of(
    string(minLength=10, maxLength=256, description="10-256 characters, not only letters and not only digits"),
    "^[A-Za-z]+$", "^[0-9]+$",
)
SIGNATURE_TEXT = string(pattern=rf"^ *【? *[^【】\s{CONTROL}][^【】{CONTROL}]{{0,18}}[^【】\s{CONTROL}] *】? *$",
                        example="【锦木科技】",
                        description="2-20 characters, optionally inside 【】 (added when missing); no 【 or 】 inside")
RECEIPT_STATUS = string(enum=sorted(message_status.RECEIPT_STATUSES))
BLACKLIST_APP = string(description="required for a portal user; "
                                   "optional for an app calling with its own key (its own id or left out)")
CURSOR = string(maxLength=2048,
                description="opaque: pass back a next_cursor this list returned to this caller (anything else is "
                            "a 400 on cursor); empty or left out: the first page")
LIMIT = integer(minimum=1, maximum=200)


# --- component schemas --------------------------------------------------------------------------
# Grouped by what they describe; COMPONENTS joins the groups in the order the file lists them.

BASIC_COMPONENTS = {
    "Country": string(format="country-code", example="GB",
                      description=f"ISO-3166 alpha-2, any case: one of the {len(phonenumbers.SUPPORTED_REGIONS)} "
                                  "regions the phonenumbers library knows (AC, AD, AE, ... ZW)"),
    "Error": object_with({"error": object_with(strings("code", "message", "field"), ["code", "message"])},
                         ["error"]),
}

ACCOUNT_COMPONENTS = {
    "Tokens": object_with({**strings("access_token", "refresh_token"), "token_type": string(enum=["Bearer"]),
                           "expires_in": integer()}),
    "Account": object_with({**strings("id", "name", "timezone", "currency", "status"),
                            "created_at": date_time(), "balance": MONEY}),
    "OpsAccount": extended("Account", {"number_markup": string(
        nullable=True, description="the carrier's cost × this is the account's monthly number price "
                                   "(where operators set no price); null: the stage's default")}),
    "User": object_with({**strings("id", "account_id", "email"), "phone": string(nullable=True), "name": string(),
                         "role": string(enum=["owner", "member", "operator"]), "status": string(),
                         "created_at": date_time()}),
    "App": object_with({**strings("id", "name", "app_key"), "status": string(enum=["active", "disabled"]),
                        "created_at": date_time()}),
    "LedgerEntry": object_with({**strings("id", "kind"), "amount": MONEY, "reference": string(nullable=True),
                                "actor": string(), "created_at": date_time()}),
}

SENDING_SETUP_COMPONENTS = {
    "Sender": object_with({"id": string(), "type": string(enum=["number", "sender_id"]), "value": string(),
                           "countries": array_of(string()), "created_at": date_time()}),
    "Signature": object_with({"id": string(), "text": string(example="【锦木科技】"), "created_at": date_time()}),
    "CountryRule": object_with({"country": string(), "sender_preapproval_required": boolean(),
                                "sender_id_allowed": boolean()}),
    "Price": object_with({"country": string(), "price": MONEY, "source": string(enum=["default", "account"])}),
}

MESSAGE_COMPONENTS = {
    "Message": object_with({
        **strings("id", "account_id"),
        **{name: string(nullable=True) for name in ("app_id", "user_id", "task_id", "task_name")},
        "type": string(enum=["transactional", "marketing"]),
        "source": string(enum=["api", "vonage", "task"]),
        **strings("to", "country"),
        "country_name": object_with(strings("en", "zh")),
        **strings("from", "text"),
        "segments": integer(),
        "encoding": ENCODING,
        "price": MONEY,
        "status": string(enum=["queued", "submitted", "delivered", "failed", "expired", "rejected", "blocked"]),
        "err_code": string(nullable=True),
        "client_ref": string(nullable=True),
        "carrier_ids": array_of(string()),
        "created_at": date_time(),
        "submitted_at": date_time(nullable=True),
        "delivered_at": date_time(nullable=True),
    }),
}

TEMPLATE_AND_WEBHOOK_COMPONENTS = {
    "Template": object_with({**strings("id", "name", "content"), "kind": KIND,
                             "status": string(enum=["active", "pending", "approved", "rejected"]),
                             "reason": string(nullable=True), "created_at": date_time(), "updated_at": date_time()}),
    "Webhook": object_with({"url": string(description="as set"), "secret_hint": string(), "created_at": date_time(),
                            "updated_at": date_time()}),
    "WebhookDelivery": object_with({
        **strings("event_id", "message_id", "url"),
        "status": string(enum=["pending", "delivered", "retrying", "dead_lettered"]),
        "attempts": integer(),
        "last_status_code": integer(nullable=True),
        "last_error": string(nullable=True),
        "next_attempt_at": date_time(nullable=True),
        "created_at": date_time(),
        "updated_at": date_time(),
    }),
}

UPLOAD_PROGRESS = object_with(
    integers("parts", "parts_parsed", "buckets", "buckets_merged"), nullable=True,
    description="a csv over 16 MB is parsed in parallel byte-range parts, then deduplicated in hash buckets: "
                "how far it has got (null when parsed in one go)",
    example={"parts": 94, "parts_parsed": 94, "buckets": 256, "buckets_merged": 120},
)
ESTIMATE_FIGURES = {"numbers": integer(), "segments": integer(), "cost": MONEY}
TASK_COUNTERS = object_with(
    integers("total", "blocked", "unsent", "submitted", "delivered", "failed", "segments", "pending") | {"cost": MONEY},
    description="live; when every message has ended: total = blocked + unsent + delivered + failed",
)
TASK_COMPONENTS = {
    "Upload": object_with({
        "upload_id": string(),
        "kind": KIND,
        "filename": string(),
        "status": string(enum=["uploading", "parsing", "ready", "failed"]),
        "error": string(nullable=True),
        **integers("total_rows", "valid", "invalid", "duplicates"),
        "countries": map_of(integer(), example={"GB": 9000, "US": 1000}),
        "message": string(nullable=True, example="检测到异常数据12条"),
        "invalid_report_url": string(nullable=True,
                                     description="presigned download of 异常数据.xlsx (row, value, reason; a formula "
                                                 "cell saved without its result is a bad row)"),
        "unpriced_countries": map_of(integer(), example={"FR": 3},
                                     description="valid numbers in countries this account has no price for: a task "
                                                 "with the list is refused until they are priced ({} when none)"),
        "unpriced_message": object_with(strings("en", "zh"), nullable=True,
                                        description="the same, said in words (null when none)"),
        "progress": UPLOAD_PROGRESS,
        "created_at": date_time(),
        "parsed_at": date_time(nullable=True),
    }),
    "Task": object_with({
        **strings("task_id", "name"),
        "kind": KIND,
        "status": string(enum=["scheduled", "sending", "completed", "paused", "cancelled", "failed"]),
        "reason": string(nullable=True, description="why a task failed, e.g. insufficient_balance"),
        "warning": string(nullable=True, description="domestic content that differs substantially from its template"),
        **strings("app_id", "upload_id"),
        "from": map_of(string(), description="the sender per country"),
        "signature_id": string(nullable=True),
        "template_id": string(nullable=True),
        "content": string(),
        "text": string(description="what is sent (signature + content)"),
        "blacklist_check": boolean(),
        "send_at": date_time(nullable=True),
        "scheduled": boolean(),
        "countries": map_of(integer()),
        "estimate": object_with({**ESTIMATE_FIGURES, "by_country": map_of(object_with(ESTIMATE_FIGURES))}),
        "created_by": string(),
        "created_at": date_time(),
        "sent_at": date_time(nullable=True),
        "completed_at": date_time(nullable=True),
        "version": integer(),
        "counters": TASK_COUNTERS,
    }),
}

EXPORT_COMPONENTS = {
    "Export": object_with({
        "export_id": string(),
        "type": string(enum=list(export_states.TYPES)),
        "format": string(enum=list(export_states.FORMATS)),
        "lang": string(enum=list(export_states.LANGS)),
        "filters": {"type": "object", "description": "the filters applied, with the time range fixed when asked"},
        "status": string(enum=list(export_states.STATUSES)),
        "rows": integer(description="rows written (the header not counted)"),
        "bytes": integer(),
        "progress": integer(minimum=0, maximum=100, description="percent done"),
        "filename": string(description="the name the download is saved under, e.g. 日志查询_20261201_1530.csv"),
        "created_by": string(description="the user (or app) that asked"),
        "created_at": date_time(),
        "finished_at": date_time(nullable=True),
        "expires_at": date_time(description="the file is deleted then"),
        "error": string(nullable=True, description="why it failed"),
        "download_url": string(format="uri", description="once succeeded and until expires_at: a presigned link "
                                                          "(valid an hour) whose response names the file"),
    }, ["export_id", "type", "format", "lang", "filters", "status", "rows", "bytes", "progress", "created_at",
        "expires_at"]),
}

BLACKLIST_COMPONENTS = {
    "BlacklistEntry": object_with({**strings("id", "app_id", "number", "country"), "created_at": date_time(),
                                   "created_by": string()}),
}

CALL_TIME = date_time(nullable=True)
VOICE_COMPONENTS = {
    "Call": object_with({
        "id": string(description="the carrier's call uuid"),
        "number": string(description="ours: the called number inbound, the caller outbound"),
        "from": string(nullable=True, description="E.164, or as the carrier wrote a withheld caller"),
        "to": string(nullable=True),
        "direction": string(enum=list(call_events.DIRECTIONS)),
        "status": string(enum=list(call_events.STATUSES)),
        "start_time": CALL_TIME,
        "end_time": CALL_TIME,
        "duration": integer(nullable=True, description="seconds talked, once completed"),
        "rate": string(nullable=True, pattern=MONEY["pattern"], description="per minute, the carrier's"),
        "price": string(nullable=True, pattern=MONEY["pattern"], description="the carrier's, once completed"),
        "currency": string(enum=[call_events.CURRENCY]),
    }),
}

# What a body may carry in a field its route does not read (it is ignored): any JSON value
# whose strings hold no control character, as every string of a body.
CLEAN_VALUE = "CleanValue"
UNREAD_COMPONENTS = {
    CLEAN_VALUE: {"nullable": True, "description": "any JSON value whose strings hold no control character",
                  "anyOf": [string(pattern=CLEAN), {"type": "number"}, boolean(), array_of(ref(CLEAN_VALUE)),
                            {"type": "object", "additionalProperties": ref(CLEAN_VALUE)}]},
}

NUMBER_TYPE = string(enum=list(number_rules.TYPES))
NUMBER_FEATURE_LIST = or_empty(string(pattern=r"^(SMS|VOICE|MMS)(,(SMS|VOICE|MMS))*$", description="comma-separated"))
DIGITS_PATTERN = rf"^\+?[0-9]{{1,{number_rules.MAX_PATTERN}}}$"
NUMBER_PATTERN = or_empty(string(pattern=DIGITS_PATTERN, description="digits the number holds"))
# App keys are hex and secrets URL-safe base64 (services/apps.py): anything else cannot be one.
APP_CREDENTIAL = r"^[A-Za-z0-9_-]*$"
NUMBER_FEATURES = array_of(string(enum=list(number_rules.FEATURES)))
PURCHASE = string(enum=list(number_rules.PURCHASE_MODES),
                  description="direct; application: the service team approves a request first; "
                              "registration: bought at once, sends once an operator registers it")
NUMBER_TIME = date_time(nullable=True)
NUMBER_FIELDS = {"msisdn": string(description="E.164"), "country": COUNTRY, "type": NUMBER_TYPE,
                 "features": NUMBER_FEATURES, "monthly_price": MONEY, "currency": string()}
NUMBER_COMPONENTS = {
    "Number": object_with({
        **NUMBER_FIELDS,
        "status": string(enum=list(number_rules.STATUSES)),
        "bought_at": date_time(), "next_renewal_at": date_time(description="the paid month ends; renewed then"),
        "suspended_at": NUMBER_TIME, "release_at": NUMBER_TIME,
        "account_id": string(description="operators' lists only"),
    }),
    "NumberOffer": object_with(NUMBER_FIELDS),
    "NumberApplication": object_with({
        "id": string(), **NUMBER_FIELDS,
        "status": string(enum=list(number_rules.APPLICATION_STATUSES)),
        "reason": string(nullable=True, description="why it was rejected"),
        "created_at": date_time(), "decided_at": NUMBER_TIME,
        "account_id": string(description="operators' lists only"),
    }),
    "NumberRule": object_with({"country": COUNTRY, "purchase": PURCHASE,
                               "monthly_prices": map_of(MONEY, description="number type -> monthly price"),
                               "updated_at": date_time(), "updated_by": string()}),
    "VonageNumbersStatus": object_with({"error-code": string(), "error-code-label": string()}),
}

COMPONENTS = {**BASIC_COMPONENTS, **ACCOUNT_COMPONENTS, **SENDING_SETUP_COMPONENTS, **MESSAGE_COMPONENTS,
              **TEMPLATE_AND_WEBHOOK_COMPONENTS, **TASK_COMPONENTS, **EXPORT_COMPONENTS, **BLACKLIST_COMPONENTS,
              **VOICE_COMPONENTS, **NUMBER_COMPONENTS, **UNREAD_COMPONENTS}


# --- request bodies, by view --------------------------------------------------------------------

OWNER = object_with({
    "email": {**EMAIL, "description": "required: the initial password is emailed to it"},
    "name": text(maxLength=100),
    "phone": {"anyOf": [LOGIN_PHONE, string(maxLength=0)], "nullable": True,
              "description": LOGIN_PHONE["description"] + "; optional (empty or null: none)"},
}, ["email", "name"])
NEW_USER = {**OWNER, "properties": {**OWNER["properties"],
                                    "role": null_as_absent(string(enum=sorted(directory.ROLES),
                                                                  description="default member"))}}
WEBHOOK_URL = object_with({"url": URL}, ["url"])
# The sender of an SMS: where a country requires it, one bound to the account.
SMS_FROM = {**FROM, "description": FROM["description"] + " bound to the account where the country requires it; "
                                                         "default: the bound one"}

AUTH_BODIES = {
    "request_code": object_with({"login": string(anyOf=[EMAIL, LOGIN_PHONE],
                                                 description="email or phone (CN, HK, MO, TW or SG)"),
                                 "purpose": string(enum=["login", "reset_password"])}, ["login"]),
    "login": object_with({"login": filled(), "password": filled(), "code": string(pattern=r"^[0-9]{6}$")},
                         ["login", "password", "code"]),
    "refresh": object_with({"refresh_token": filled()}, ["refresh_token"]),
    "password_reset": object_with({"login": filled(), "code": filled(), "new_password": NEW_PASSWORD},
                                  ["login", "code", "new_password"]),
    "change_password": object_with({"current_password": filled(), "new_password": NEW_PASSWORD},
                                   ["current_password", "new_password"]),
}

OPERATOR_BODIES = {
    "create_account": object_with({
        "name": text(maxLength=100),
        "timezone": null_as_absent(string(format="time-zone", example="Asia/Shanghai",
                                          description="IANA time zone; default Asia/Shanghai")),
        "currency": null_as_absent(string(enum=sorted(directory.CURRENCIES), description="default USD")),
        "owner": OWNER,
    }, ["name", "owner"]),
    "add_user": NEW_USER,
    "update_account": object_with({
        "status": string(enum=list(directory.STATUSES),
                         description="suspended: its users cannot log in, its app keys are refused and it cannot send"),
        "number_markup": string(nullable=True, pattern=number_rules.MARKUP_PATTERN,
                                description="0.5 to 10, up to 4 decimals; null: the stage's default"),
    }, minProperties=1, additionalProperties=False, description="status, number_markup or both"),
    "add_operator": OWNER,
    "top_up": object_with({"amount": MONEY_IN,
                           "reference": text(maxLength=100,
                                             description="the bank transfer's reference; once per account")},
                          ["amount", "reference"]),
    "set_price": object_with({"price": {**MONEY_IN, "example": "0.0450"},
                              "account_id": null_as_absent(
                                  filled(description="override for one account (an existing account id)"))},
                             ["price"]),
    "set_country_rule": object_with({"sender_preapproval_required": boolean(),
                                     "sender_id_allowed": boolean(
                                         description="never true for CN and US (numeric senders only)")},
                                    description="the country is the path's; a field left out keeps its value"),
    "add_sender": {"oneOf": [
        object_with({"type": string(enum=["number"]),
                     "value": string(anyOf=[PHONE, SERVICE_CODE],
                                     description="a phone number, or a China service code with countries [CN]"),
                     "countries": COUNTRIES},
                    ["type", "value", "countries"]),
        object_with({"type": string(enum=["sender_id"]), "value": SENDER_ID,
                     "countries": {**COUNTRIES, "description": "countries whose rule allows Sender IDs"}},
                    ["type", "value", "countries"]),
    ]},
    "add_signature": object_with({"text": SIGNATURE_TEXT}, ["text"]),
    "reject_template": object_with({"reason": free_text(description="shown to the customer")}, ["reason"]),
    "ops_set_webhook": WEBHOOK_URL,
}

CUSTOMER_BODIES = {
    "create_app": object_with({"name": text(maxLength=64, description="1-64 characters, no control characters")},
                              ["name"]),
    "create_template": object_with(
        {"name": text(maxLength=64), "content": free_text(maxLength=1000),
         "kind": {**KIND, "description": "default international"}},
        ["name", "content"],
        anyOf=[object_with({"kind": string(enum=["international"])}),
               object_with({"kind": string(enum=["domestic"]),
                            "content": string(pattern=f"^[^【】{CONTROL_IN_FREE_TEXT}]*$",
                                              description="domestic: no 【】, the signature is chosen separately")},
                           ["kind"])],
    ),
    "update_template": object_with({"name": text(maxLength=64),
                                    "content": free_text(maxLength=1000,
                                                    description="a domestic template's content has no 【】")}),
    "update_webhook": WEBHOOK_URL,
    "add_blacklisted_numbers": object_with({
        "app_id": null_as_absent(BLACKLIST_APP),
        "numbers": array_of(string(), minItems=1, maxItems=1000,
                            description="phone numbers as typed; those that are not one are reported in invalid"),
    }, ["numbers"]),
    "add_blacklisted_country": object_with({"app_id": null_as_absent(BLACKLIST_APP), "country": COUNTRY},
                                           ["country"]),
    "create_export": object_with({
        "type": string(enum=list(export_states.TYPES)),
        "format": string(enum=list(export_states.FORMATS)),
        "lang": string(enum=list(export_states.LANGS), description="default zh"),
        "filters": null_as_absent(object_with(
            {name: string(pattern=CLEAN) for name in sorted({f for fs in downloads.FILTERS.values() for f in fs})
             if name != "countries"}
            | {"countries": {"anyOf": [string(pattern=CLEAN), array_of(string(pattern=CLEAN))],
                             "description": "report: country codes, comma-separated or a list"}},
            additionalProperties=False,
            description="those of the list the type exports (tasks: GET /v1/tasks; messages: GET /v1/messages; "
                        "report: GET /v1/reports; task_cost and task_failures: task_id, required); a filter the "
                        "type does not take is a 422; a time range left out is fixed when the export is asked")),
    }, ["type", "format"]),
    "create_task": object_with({
        "name": text(maxLength=100),
        "kind": KIND,
        "app_id": string(),
        "upload_id": string(description="a ready upload of the same kind"),
        "from": string(description="a bound number or Sender ID; default: the bound one per country"),
        "signature_id": string(description="domestic: a bound signature (required)"),
        "template_id": string(description="domestic: an approved template (required)"),
        "content": free_text(description="required unless a template_id gives it"),
        "blacklist_check": boolean(),
        "send_at": date_time(description="ISO 8601; without an offset the account's time zone applies; "
                                         "absent = now; at most 90 days ahead"),
    }, ["name", "kind", "app_id", "upload_id"]),
    "edit_task": object_with(
        {**strings("name", "from", "signature_id", "template_id", "content", "upload_id", "send_at"),
         "blacklist_check": boolean()},
        description="any of create_task's fields except kind and app_id; the task is priced and checked again; "
                    "any other field is a 400",
        additionalProperties=False,
    ),
    "presign_upload": object_with({"kind": KIND, "filename": FILENAME}, ["kind", "filename"]),
}

SMS_BODIES = {
    "send_sms": object_with({
        "to": PHONE,
        "text": free_text(maxLength=1530, description="GSM-7 or Unicode; at most 10 segments; "
                                                 "to mainland China it starts with a bound 【signature】"),
        "from": null_as_absent(SMS_FROM),
        "type": string(enum=list(sending.MESSAGE_TYPES)),
        "client_ref": null_as_absent(text(maxLength=sending.MAX_CLIENT_REF)),
        "callback_url": null_as_absent(URL),
    }, ["to", "text"]),
    "vonage_send": object_with({
        "api_key": string(description="the app key (or HTTP Basic)"),
        "api_secret": string(),
        "from": string(),
        "to": string(description="digits, international format, no +"),
        "text": string(),
        "type": string(enum=["text", "unicode"]),
        "client-ref": string(maxLength=100),
        "callback": string(format="uri"),
        "status-report-req": string(),
    }, ["from", "to", "text"]),
    "vonage_dlr_post": object_with({
        "messageId": filled(), **strings("msisdn", "to"), "status": RECEIPT_STATUS,
        **strings("err-code", "client-ref", "price", "network-code", "scts", "message-timestamp", "timestamp", "sig"),
    }, ["messageId", "status"]),
}

VOICE_BODIES = {
    "vonage_voice_event": object_with({
        **strings("uuid", "conversation_uuid", "status", "direction", "from", "to", "timestamp", "start_time",
                  "end_time", "duration", "rate", "price", "network"),
    }, ["uuid", "status"], description="a Vonage Voice event; one that is not a call status is acknowledged"),
}

VONAGE_CREDENTIALS = {"api_key": string(pattern=APP_CREDENTIAL, description="the app key (or HTTP Basic)"),
                      "api_secret": string(pattern=APP_CREDENTIAL)}
VONAGE_NUMBER = object_with({**VONAGE_CREDENTIALS, "country": COUNTRY,
                             "msisdn": string(pattern=DIGITS_PATTERN, description="digits, international format")},
                            ["country", "msisdn"])
MONTHLY_PRICES_IN = object_with(dict.fromkeys(number_rules.TYPES, MONEY_IN), additionalProperties=False,
                                nullable=True, description="number type -> monthly price; a type left out costs the "
                                                           "carrier's price x the markup; null: no prices of our own")
NUMBER_BODIES = {
    "buy_number": object_with({"country": COUNTRY, "msisdn": PHONE}, ["country", "msisdn"]),
    "set_number_rule": object_with({"purchase": PURCHASE, "monthly_prices": MONTHLY_PRICES_IN}),
    "reject_application": object_with({"reason": free_text(maxLength=500)}, ["reason"]),
    "vonage_buy_number": VONAGE_NUMBER,
    "vonage_cancel_number": VONAGE_NUMBER,
}

REQUEST_BODIES = {**AUTH_BODIES, **OPERATOR_BODIES, **CUSTOMER_BODIES, **SMS_BODIES, **VOICE_BODIES, **NUMBER_BODIES}
# Vonage's own API: form-encoded or JSON
FORM_BODIES = {"vonage_send", "vonage_dlr_post", "vonage_buy_number", "vonage_cancel_number"}


# --- success responses, by view -----------------------------------------------------------------

AUDIT_EVENT = object_with({**strings("id", "action", "actor"), "target": string(nullable=True),
                           "created_at": date_time()})
OUTBOX_MESSAGE = object_with({"channel": string(enum=["email", "sms"]), **strings("id", "to", "from"),
                              "subject": string(description="emails only"), "body": string(),
                              "sent_at": date_time(description="when SES or the carrier took it")})
PRESIGNED_POST = object_with({"url": string(), "fields": map_of(string()), "expires_in": integer(),
                              "max_bytes": integer()},
                             description="POST multipart/form-data to url with fields, then the file as 'file'")
VONAGE_STATUS = string(description="Vonage status code: 0 ok, 1 throttled, 2 missing params, 3 invalid params (a body "
                                   "over 1 MiB, nested over 32 levels, or a bad string in a parameter), 4 bad "
                                   "credentials, 5 internal error, 6 invalid message (a lone surrogate or a control "
                                   "character in text), 7 barred (blacklisted), 8 account barred, 9 no credit, "
                                   "12 too long, 15 invalid sender, 23 invalid callback URL")
VONAGE_MESSAGE = object_with({"to": string(), "message-id": string(), "status": VONAGE_STATUS,
                              **strings("error-text", "remaining-balance", "message-price", "network", "client-ref")})
BLACKLIST_REFUSAL = object_with({"value": {"description": "the item as sent (any JSON value)"}, "reason": string()})

REPORT_COUNTS = integers("total", "delivered", "failed") | {
    "success_rate": string(nullable=True, pattern=r"^[0-9]{1,3}\.[0-9]{2}%$", example="66.67%",
                           description="delivered / total, 2 decimals; null when total is 0")}
REPORT_ROW = object_with({
    "country": string(), "country_name": object_with(strings("en", "zh"), nullable=True),
    "user": string(description="the portal user (usr_...) who made a task, or the app (app_...) that sent"),
    "user_name": string(nullable=True), **REPORT_COUNTS,
}, ["country", "user", "total", "delivered", "failed", "success_rate"])
REPORT_TOTALS = object_with({
    "country": string(nullable=True), "country_name": object_with(strings("en", "zh"), nullable=True),
    "user": string(nullable=True), "user_name": string(nullable=True), **REPORT_COUNTS,
}, ["total", "delivered", "failed", "success_rate"], description="the rows summed (country and user null)")

RESPONSE_SCHEMAS = {
    # health, auth, the caller
    "health": object_with({"status": string()}),
    "request_code": object_with(strings("status", "message")),
    **dict.fromkeys(("login", "refresh"), ref("Tokens")),
    "me": object_with({"user": ref("User"), "role": string(), "account": ref("Account"), "balance": MONEY,
                       "currency": string(), "timezone": string()}),
    # apps and the account's own records
    **dict.fromkeys(("create_app", "get_app"), ref("App")),
    "list_apps": {**page_of("apps", ref("App")),
                  "description": "the account's apps in id order, disabled ones too"},
    "reveal_secret": object_with({"app_secret": string()}),
    "audit_events": page_of("events", AUDIT_EVENT),
    "balance": object_with({"balance": MONEY, "currency": string()}),
    **dict.fromkeys(("ledger", "account_ledger"), page_of("entries", ref("LedgerEntry"))),
    **dict.fromkeys(("prices", "list_prices"), page_of("prices", ref("Price"))),
    # operators
    "create_account": extended("OpsAccount", {"owner": ref("User")}),
    "list_accounts": page_of("accounts", ref("OpsAccount")),
    "get_account": extended("OpsAccount", {"users": array_of(ref("User"))}),
    "update_account": ref("OpsAccount"),
    "add_user": ref("User"),
    "add_operator": ref("User"),
    "list_operators": object_with({"operators": array_of(ref("User"))}),
    "top_up": extended("LedgerEntry", {"balance": MONEY}),
    "set_price": object_with({"country": string(), "price": MONEY, "account_id": string(nullable=True)}),
    "set_country_rule": ref("CountryRule"),
    "list_country_rules": object_with({"countries": array_of(ref("CountryRule"))}),
    "add_sender": ref("Sender"),
    **dict.fromkeys(("senders", "list_senders"), page_of("senders", ref("Sender"))),
    "add_signature": ref("Signature"),
    **dict.fromkeys(("signatures", "list_signatures"), page_of("signatures", ref("Signature"))),
    # the local stage and the description itself
    "info": object_with(strings("api_url", "aws_endpoint_url", "carrier_url")),
    "outbox": object_with({"to": string(), "messages": array_of(OUTBOX_MESSAGE, description="newest first")}),
    "openapi": {"type": "object"},
    # templates
    **dict.fromkeys(("create_template", "get_template", "update_template", "approve_template", "reject_template"),
                    ref("Template")),
    "list_templates": {**page_of("templates", ref("Template")), "description": "in id order"},
    "ops_pending_templates": object_with({"templates": array_of(extended("Template", {"account_id": string()}))}),
    # webhooks
    **dict.fromkeys(("ops_set_webhook", "get_webhook", "update_webhook"), ref("Webhook")),
    "rotate_webhook_secret": object_with({"secret": string(
        description="shown once; sign check: v1=hex(HMAC-SHA256(secret, timestamp + '.' + body))")}),
    "list_webhook_deliveries": page_of("deliveries", ref("WebhookDelivery")),
    # messages and the blacklist
    "get_message": ref("Message"),
    "list_messages": page_of("messages", ref("Message")),
    "add_blacklisted_numbers": object_with({"added": array_of(ref("BlacklistEntry")), "already_listed": integer(),
                                            "invalid": array_of(BLACKLIST_REFUSAL)}),
    "list_blacklisted_numbers": page_of("numbers", ref("BlacklistEntry")),
    "add_blacklisted_country": ref("BlacklistEntry"),
    "list_blacklisted_countries": page_of("countries", ref("BlacklistEntry")),
    # tasks and uploads
    **dict.fromkeys(("create_task", "get_task", "edit_task", "pause_task", "resume_task", "cancel_task"),
                    ref("Task")),
    "list_tasks": page_of("tasks", ref("Task")),
    **dict.fromkeys(("create_export", "get_export", "delete_export"), ref("Export")),
    "list_exports": page_of("exports", ref("Export")),
    "get_report": object_with({"start": string(format="date"), "end": string(format="date"),
                               "rows": array_of(REPORT_ROW, description="sorted by country, then user"),
                               "totals": REPORT_TOTALS}, ["start", "end", "rows", "totals"]),
    **dict.fromkeys(("upload_numbers", "get_upload"), ref("Upload")),
    "presign_upload": extended("Upload", {"upload": PRESIGNED_POST}),
    "number_template": string(format="binary"),
    # sending
    "send_sms": object_with({**strings("message_id", "to", "country"), "segments": integer(),
                             "encoding": ENCODING, "price": MONEY, "status": string(enum=["queued"])}),
    "vonage_send": object_with({"message-count": string(), "messages": array_of(VONAGE_MESSAGE)}),
    # the voice call log
    "list_calls": page_of("calls", ref("Call")),
    "get_call": ref("Call"),
    "vonage_voice_event": object_with({"status": string(enum=["received"])}),
    # numbers
    **dict.fromkeys(("list_numbers", "list_pending_registrations"), page_of("numbers", ref("Number"))),
    "available_numbers": object_with({"country": COUNTRY, "purchase": PURCHASE,
                                      "count": integer(description="every match, for paging by index"),
                                      "numbers": array_of(ref("NumberOffer"))}),
    **dict.fromkeys(("buy_number", "mark_registered"), ref("Number")),
    "release_number": object_with({"msisdn": string(), "status": string(enum=["released"])}),
    **dict.fromkeys(("list_applications", "list_pending_applications"),
                    page_of("applications", ref("NumberApplication"))),
    **dict.fromkeys(("approve_application", "reject_application"), ref("NumberApplication")),
    "list_number_rules": object_with({"rules": array_of(ref("NumberRule"))}),
    "set_number_rule": ref("NumberRule"),
    "vonage_owned_numbers": object_with({"count": integer(), "numbers": array_of(object_with({
        **strings("country", "msisdn", "type"), "features": array_of(string())}))}),
    "vonage_search_numbers": object_with({"count": integer(), "numbers": array_of(object_with({
        **strings("country", "msisdn", "type"), "cost": MONEY, "features": array_of(string())}))}),
    **dict.fromkeys(("vonage_buy_number", "vonage_cancel_number"), ref("VonageNumbersStatus")),
}
# A buy in a country that needs the service team answers 202 with the application instead.
NUMBER_APPLIED = object_with({"application": ref("NumberApplication")})



# --- success statuses and error answers ---------------------------------------------------------

SUCCESS_STATUS = {  # a view not listed answers 200
    **dict.fromkeys(("create_account", "add_user", "add_operator", "top_up", "add_sender", "add_signature",
                     "create_app", "create_template", "rotate_webhook_secret", "add_blacklisted_numbers",
                     "add_blacklisted_country", "create_task", "upload_numbers", "presign_upload", "buy_number"),
                    201),
    **dict.fromkeys(("request_code", "send_sms", "create_export"), 202),  # the code or the message is on its way
    **dict.fromkeys(("password_reset", "logout", "change_password", "disable_app", "delete_price", "remove_sender",
                     "remove_signature", "delete_template", "remove_blacklisted_number", "remove_blacklisted_country",
                     "vonage_dlr_get", "vonage_dlr_post"), 204),
}
# Adds that are idempotent: adding again answers 200 (described here) instead of 201, and the
# view's docstring, which says so, becomes the operation's description.
IDEMPOTENT_ADDS = {
    "add_blacklisted_numbers": "Nothing new was added (already listed, or no valid number)",
    "add_blacklisted_country": "Already listed: the existing entry",
}

ERROR_DESCRIPTIONS = {
    "400": "Malformed JSON, a missing field, a body nested deeper than 32 levels or a string holding a lone "
           "UTF-16 surrogate (the field is named)",
    "401": "Missing or invalid credentials",
    "402": "Balance too low (insufficient_balance)",
    "403": "Not allowed for this caller",
    "404": "Not found (or another account's)",
    "409": "Conflict",
    "413": "Body too large (payload_too_large): over 1 MiB of JSON",
    "415": "Unsupported Content-Type: a JSON body is sent as application/json or without a Content-Type",
    "422": "A field has an invalid value (a control character counts; tab, CR and LF only in the free-text "
           "fields text, content and reason)",
    "429": "Too many attempts; see Retry-After",
    "502": "The carrier did not answer (upstream_unavailable); try again",
}
# The errors an operation lists, besides those every operation of its kind has (see error_codes).
ACCOUNT_SCOPED_ERRORS = ("403", "404", "422")
ERRORS_BY_MODULE = {
    "apps": ("403",),
    "ops": ("403",),
    "uploads": ("400", "403", "422"),
    **dict.fromkeys(("tasks", "messages", "blacklist", "webhook", "templates", "exports", "voice"),
                    ACCOUNT_SCOPED_ERRORS),
    "reports": ("403",),
    "numbers": ACCOUNT_SCOPED_ERRORS,
}
ERRORS_BY_VIEW = {
    # auth is public: a 401 where a password, a code or a refresh token is checked; 429: attempts are limited
    "request_code": ("429",),
    "login": ("401", "403", "429"),  # 403 account_inactive: a suspended account's user (password and code right)
    "refresh": ("401", "403"),
    "balance": ("403",),  # an app key of a suspended account (account_inactive)
    "prices": ("403",),
    "password_reset": ("401",),
    "change_password": ("403",),
    "create_account": ("409",),
    "add_user": ("409",),
    "add_operator": ("409",),
    "top_up": ("409",),  # a bank transfer's reference is taken once per account
    "reveal_secret": ("409",),  # a disabled app's secret
    "create_task": ("402",),  # priced against the balance
    "edit_task": ("402",),
    "send_sms": ("402", "403", "409"),  # 409: an Idempotency-Key sent again with another body
    "upload_numbers": ("413",),  # more than 5 MB in the request itself
    "list_templates": ("400",),  # a kind that is neither international nor domestic
    "outbox": ("400",),  # to left out
    "create_export": ("400",),  # type or format left out
    "list_exports": ("400",),  # a cursor this list did not hand out
    "buy_number": ("402", "409", "502"),  # 409 number_not_available; 502: the carrier's numbers API is down
    "available_numbers": ("409", "502"),
    "approve_application": ("402", "409", "502"),
    "release_number": ("502",),
}
# A delivery receipt that cannot be read, or holds a control character; a signature that does not verify.
CARRIER_ERRORS = ("400", "401", "422")
CARRIER_MODULES = {"carrier_webhooks", "voice_webhooks"}  # called by the carrier: no credentials of ours
PUBLIC_MODULES = {"health", "docs", "auth", "local"}  # no credentials asked
SIGNED_IN_AUTH_VIEWS = {"logout"}  # the auth module's one call that needs the session it closes


# --- parameters ---------------------------------------------------------------------------------

PAGE = {"limit": LIMIT, "cursor": CURSOR}
DATE_OR_DATE_TIME = string(anyOf=[date_time(), string(format="date")])
QUERY_PARAMETERS = {  # view → its query parameters, in the order listed, and their schemas
    "list_accounts": PAGE,
    "ledger": PAGE,
    "account_ledger": PAGE,
    "audit_events": PAGE,
    "list_prices": {"account_id": or_empty(string(description="an existing account: its overrides"))},
    "delete_price": {"account_id": or_empty(string(description="an existing account: its override"))},
    "list_templates": {"kind": KIND, **PAGE},
    "list_apps": PAGE,
    "list_webhook_deliveries": {"message_id": string(), "status": string(enum=list(DELIVERY_STATUSES)), **PAGE},
    "list_messages": {
        "type": or_empty(string(enum=list(sending.MESSAGE_TYPES))),
        "to": or_empty(PHONE),
        "task_name": string(),
        "country": or_empty(COUNTRY),
        **strings("message_id", "task_id"),
        "status": or_empty(string(enum=list(message_log.STATUSES))),
        "start": or_empty(DATE_OR_DATE_TIME, "inclusive; default 7 days before end; a date is its whole day; "
                                             "empty: the default"),
        "end": or_empty(DATE_OR_DATE_TIME, "exclusive; after start (422 otherwise); default now; at most 92 days "
                                           "after start; empty: the default"),
        **PAGE,
    },
    "list_blacklisted_numbers": {
        "app_id": BLACKLIST_APP,
        "number": {**PHONE, "description": "an exact lookup (normalised like an added number)"},
        **PAGE,
    },
    "list_blacklisted_countries": {"app_id": BLACKLIST_APP, **PAGE},
    "list_tasks": {"status": string(enum=list(task_states.ALL)), **strings("task_id", "name", "user"),
                   "country": or_empty(COUNTRY),
                   **PAGE},
    "list_exports": {"type": or_empty(string(enum=list(export_states.TYPES))),
                     "start": or_empty(DATE_OR_DATE_TIME, "created at or after; a date is its first instant"),
                     "end": or_empty(DATE_OR_DATE_TIME, "created before; a date is its whole day; after start"),
                     **PAGE},
    "upload_numbers": {
        "kind": KIND,
        "filename": {**FILENAME,
                     "description": "ends in .xlsx or .csv; without it the Content-Type decides (text/csv, else xlsx)"},
    },
    "get_report": {
        "type": or_empty(string(enum=list(sending.MESSAGE_TYPES)), "empty: both"),
        "start": or_empty(string(format="date", pattern=report_service.DATE_PATTERN),
                          "a day in the account's time zone, inclusive (a time of day is a 422: reports are daily); "
                          "default 6 days before end; empty: the default"),
        "end": or_empty(string(format="date", pattern=report_service.DATE_PATTERN),
                        "a day in the account's time zone, inclusive; not before start and at most 365 days after "
                        "it (422 otherwise); default today; empty: the default"),
        "countries": array_of(COUNTRY, maxItems=report_service.MAX_COUNTRIES,
                              description="comma-separated (CN,US); empty: every country"),
        "user": or_empty(string(pattern=report_service.USER_PATTERN,
                                description="a portal user id (a task's maker) or an app id (its API sends); "
                                            "one without messages gives no rows")),
    },
    "number_template": {"kind": {**KIND, "description": "default international"}},
    "outbox": {"to": string(pattern=r"\S", description="an email address or phone number")},
    "vonage_dlr_get": {"messageId": filled(), "msisdn": string(), "status": RECEIPT_STATUS,
                       **strings("err-code", "client-ref", "timestamp", "sig")},
    "list_numbers": {"country": or_empty(COUNTRY), "status": or_empty(string(enum=list(number_rules.STATUSES))),
                     "limit": integer(minimum=1, maximum=100, description="default 20"), "cursor": CURSOR},
    "available_numbers": {
        "country": COUNTRY, "type": or_empty(NUMBER_TYPE), "features": NUMBER_FEATURE_LIST, "pattern": NUMBER_PATTERN,
        "search_pattern": integer(minimum=0, maximum=2, description="0 starts with, 1 anywhere (default), 2 ends with"),
        "limit": integer(minimum=1, maximum=100, description="default 20"),
        "index": integer(minimum=1, maximum=10000, description="the page, from 1 (Vonage's paging)"),
    },
    "list_applications": {"status": or_empty(string(enum=list(number_rules.APPLICATION_STATUSES))),
                          "limit": integer(minimum=1, maximum=100), "cursor": CURSOR},
    "list_pending_applications": {"limit": integer(minimum=1, maximum=100), "cursor": CURSOR},
    "list_pending_registrations": {"status": string(enum=["pending_registration"]),
                                   "limit": integer(minimum=1, maximum=100), "cursor": CURSOR},
    "vonage_owned_numbers": {**VONAGE_CREDENTIALS, "country": or_empty(COUNTRY), "pattern": NUMBER_PATTERN,
                             "search_pattern": integer(minimum=0, maximum=2),
                             "size": integer(minimum=1, maximum=100), "index": integer(minimum=1)},
    "vonage_search_numbers": {**VONAGE_CREDENTIALS, "country": COUNTRY, "type": or_empty(NUMBER_TYPE),
                              "features": NUMBER_FEATURE_LIST, "pattern": NUMBER_PATTERN,
                              "search_pattern": integer(minimum=0, maximum=2),
                              "size": integer(minimum=1, maximum=100), "index": integer(minimum=1, maximum=10000)},
    "list_calls": {
        "number": or_empty(string(pattern=TYPED_NUMBER_PATTERN, description="one of ours, international format")),
        "direction": or_empty(string(enum=list(call_events.DIRECTIONS))),
        "status": or_empty(string(enum=list(call_events.STATUSES))),
        "start": or_empty(DATE_OR_DATE_TIME, "inclusive; default 7 days before end; a date is its whole day; "
                                             "empty: the default"),
        "end": or_empty(DATE_OR_DATE_TIME, "exclusive; after start (422 otherwise); default now; at most 92 days "
                                           "after start; empty: the default"),
        "limit": integer(minimum=1, maximum=100, description="default 20"),
        "cursor": CURSOR,
    },
}
# Where the query string is data the route takes in, it follows the body's string rules
# (api/request.py parameters); elsewhere a query value is a filter or an id, and only Unicode.
QUERY_AS_DATA = {"vonage_dlr_get", "vonage_owned_numbers", "vonage_search_numbers"}
REQUIRED_QUERY = {("upload_numbers", "kind"), ("outbox", "to"), ("vonage_dlr_get", "messageId"),
                  ("vonage_dlr_get", "status"), ("available_numbers", "country"), ("vonage_search_numbers", "country")}
# How a list in the query is written, where it is not repeated names (style form, explode).
QUERY_STYLES = {("get_report", "countries"): {"style": "form", "explode": False}}
HEADER_PARAMETERS = {
    "send_sms": [{"name": "Idempotency-Key", "in": "header", "required": False,
                  "schema": string(maxLength=sending.MAX_IDEMPOTENCY_KEY),
                  "description": "same key + same body replays the first answer; another body is a 409; "
                                 "empty: none"}],
}
PATH_PARAMETER = re.compile(r"{(\w+)}")
PATH_SCHEMAS = {"country": COUNTRY, "msisdn": PHONE}  # other path parameters are ids


# --- bodies that are not JSON schemas above -----------------------------------------------------

FORM = "application/x-www-form-urlencoded"
UPLOAD_BODY = {  # upload_numbers takes the file itself
    "required": True,
    "content": {media: {"schema": string(format="binary", minLength=1)}
                for media in (XLSX, "text/csv", "application/octet-stream")},
    "description": "the file itself, at most 5 MB; larger lists use /v1/uploads/presign",
}


# --- security and descriptions ------------------------------------------------------------------

# A portal user's token, or an app's key and secret:
BEARER_OR_APP: list[Schema] = [{"bearerAuth": []}, {"appBasic": []}]
BEARER_OR_APP_PATHS = {"/v1/balance", "/v1/prices"}
BEARER_OR_APP_MODULES = {"messages", "blacklist", "exports", "reports", "voice"}
SECURITY_BY_VIEW: dict[str, list[Schema]] = {
    "send_sms": [{"appBasic": []}],
    "vonage_send": [{"appBasic": []}, {}],  # or api_key/api_secret in the body
}
VONAGE_NUMBERS_MODULE = "vonage_numbers"  # Vonage's numbers API: app key and secret, Vonage's answers
DESCRIPTIONS_BY_MODULE = {
    "carrier_webhooks": "Called by the carrier. When a signature secret is configured, "
                        "Vonage's sig/timestamp parameters must verify.",
    "voice_webhooks": "Called by the carrier. Vonage's signed-webhook JWT (Authorization: Bearer, HS256 with the "
                      "signature secret, payload_hash of the body) must verify; 200 for any verified event.",
    "local": "Local stage only; 404 on every cloud stage.",
    "vonage_numbers": "Vonage's numbers API on ours, for the official SDK: an app's key and secret (HTTP Basic, "
                      "or api_key/api_secret); answers {error-code, error-code-label}: 401 for credentials, 400 for "
                      "a bad parameter, 420 method failed for a refusal (not for sale, not the account's, balance, "
                      "a country that needs an application).",
}
DESCRIPTIONS_BY_VIEW = {
    "get_app": "A disabled app is still found: 200 with status disabled.",
    "disable_app": "The app stays visible as disabled (GET answers 200 with status disabled); its key and secret "
                   "stop working and its secret can no longer be revealed (409). "
                   "Disabling a disabled app is a 204 too.",
}
DESCRIBED_BY_DOCSTRING = {"list_messages",  # the paging contract (short pages with a cursor) is worth reading
                          "list_calls",  # the same contract
                          "get_report"}  # the filters' rules and who counts for whom
SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
    "appBasic": {"type": "http", "scheme": "basic", "description": "app_key:app_secret"},
}


# --- operations ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    path: str
    method: str
    name: str
    module: str
    view: Callable[..., Any]

    @property
    def public(self) -> bool:
        return self.module in PUBLIC_MODULES and self.name not in SIGNED_IN_AUTH_VIEWS

    @property
    def takes_json(self) -> bool:
        return self.name in REQUEST_BODIES

    @property
    def takes_body(self) -> bool:
        return self.takes_json or self.name == "upload_numbers"


def routes() -> list[Route]:
    """The app's routes, by path and then method."""
    return [Route(path=path, method=method, name=entry.view_name,
                  module=entry.view_function.__module__.rsplit(".", 1)[-1], view=entry.view_function)
            for path, methods in sorted(app.routes.items()) for method, entry in sorted(methods.items())]


def summary(route: Route) -> str:
    docstring = inspect.getdoc(route.view) or route.name.replace("_", " ").capitalize()
    return docstring.splitlines()[0]


def docstring_details(route: Route) -> str:
    """The view's docstring after its first line."""
    return (inspect.getdoc(route.view) or "").split("\n", 1)[1].strip()


def security(route: Route) -> list[Schema] | None:
    """The operation's security requirement; None: the document's default, a bearer token."""
    if route.path in BEARER_OR_APP_PATHS or route.module in BEARER_OR_APP_MODULES:
        return BEARER_OR_APP
    if route.name in SECURITY_BY_VIEW:
        return SECURITY_BY_VIEW[route.name]
    if route.module == VONAGE_NUMBERS_MODULE:
        return [{"appBasic": []}, {}]  # or api_key/api_secret in the query or body
    if route.public or route.module in CARRIER_MODULES:
        return []
    return None


def description(route: Route) -> str | None:
    if route.name in DESCRIBED_BY_DOCSTRING:
        return docstring_details(route)
    return DESCRIPTIONS_BY_VIEW.get(route.name) or DESCRIPTIONS_BY_MODULE.get(route.module)


def parameters(route: Route) -> list[Schema]:
    """Path parameters, then query parameters (header parameters are added after the body)."""
    in_path = [{"name": name, "in": "path", "required": True, "schema": PATH_SCHEMAS.get(name, string())}
               for name in PATH_PARAMETER.findall(route.path)]
    in_query = [{"name": name, "in": "query", "required": (route.name, name) in REQUIRED_QUERY,
                 "schema": with_string_rules(schema, top=False) if route.name in QUERY_AS_DATA else schema,
                 **QUERY_STYLES.get((route.name, name), {})}
                for name, schema in QUERY_PARAMETERS.get(route.name, {}).items()]
    return in_path + in_query


def with_string_rules(schema: Schema, *, free_text: bool = False, top: bool = True) -> Schema:
    """``schema`` as the request reader holds it (api/payload.py): every string without a
    pattern, format or enum of its own takes the no-control-character pattern (the free-text
    one for a top-level text, content or reason), and an object's properties it does not name
    may be any JSON value whose strings follow the same rule."""
    if "$ref" in schema:
        return schema
    ruled = dict(schema)
    if ruled.get("type") == "string" and not {"enum", "format", "pattern"} & ruled.keys():
        ruled["pattern"] = CLEAN_FREE_TEXT if free_text else CLEAN
    if "properties" in ruled:
        ruled["properties"] = {name: with_string_rules(value, free_text=top and name in FREE_TEXT_FIELDS, top=False)
                               for name, value in ruled["properties"].items()}
        ruled.setdefault("additionalProperties", ref(CLEAN_VALUE))
    if "items" in ruled:
        ruled["items"] = with_string_rules(ruled["items"], top=False)
    for combined in ("anyOf", "oneOf", "allOf"):
        if combined in ruled:
            ruled[combined] = [with_string_rules(part, free_text=free_text, top=top) for part in ruled[combined]]
    return ruled


def request_body(route: Route) -> Schema | None:
    if route.name == "upload_numbers":
        return UPLOAD_BODY
    if not route.takes_json:
        return None
    schema = with_string_rules(REQUEST_BODIES[route.name])
    content = {JSON: {"schema": schema}}
    if route.name in FORM_BODIES:
        # A form is flat: a field's value is text (an object or array sent there arrives as
        # its keys or items, which are held to the string rules as any value is).
        content = {FORM: {"schema": {**schema, "additionalProperties": string(pattern=CLEAN)}}, **content}
    return {"required": True, "content": content}


def error_codes(route: Route) -> list[str]:
    if route.module in CARRIER_MODULES:
        codes = set(CARRIER_ERRORS) | ({"413"} if route.method == "POST" else set())
    elif route.name == "vonage_send":
        codes = set()  # always HTTP 200 with a Vonage status, once the body could be read
    elif route.module == VONAGE_NUMBERS_MODULE:
        return sorted(VONAGE_NUMBERS_ERRORS | ({"413", "415"} if route.takes_body else set()))
    else:
        codes = api_error_codes(route)
    if route.takes_body:
        codes.add("415")  # Chalice refuses any other Content-Type
    return sorted(codes)


def api_error_codes(route: Route) -> set[str]:
    """The errors of the API's own operations (not those Vonage's clients and the carrier call)."""
    codes = set(ERRORS_BY_MODULE.get(route.module, ())) | set(ERRORS_BY_VIEW.get(route.name, ()))
    if route.takes_json:
        codes |= {"400", "413", "422"}  # a body that cannot be read or is too large, a field with an invalid value
    if QUERY_PARAMETERS.get(route.name):
        codes |= {"400", "422"}  # a parameter that is not Unicode, or of a wrong value
    if not route.public:
        codes.add("401")
    if PATH_PARAMETER.search(route.path) or route.module == "local":
        codes.add("404")  # nothing (or another account's) at that id; every local route on a cloud stage
    if "cursor" in QUERY_PARAMETERS.get(route.name, {}):
        codes.add("400")  # a cursor this API did not hand out
    if route.module == "tasks" and "{task_id}" in route.path and route.method != "GET":
        codes.add("409")  # a task whose state does not allow the change
    return codes


VONAGE_NUMBERS_ERRORS = {"400", "401", "420", "502"}
VONAGE_ERROR_DESCRIPTIONS = {"400": "A bad parameter (its name opens the label)", "401": "authentication failed",
                             "420": "method failed: the label says why", "502": "The carrier did not answer"}


def error_response(code: str, route: Route | None = None) -> Schema:
    if route is not None and route.module == VONAGE_NUMBERS_MODULE and code in VONAGE_ERROR_DESCRIPTIONS:
        return {"description": VONAGE_ERROR_DESCRIPTIONS[code],
                "content": {JSON: {"schema": ref("VonageNumbersStatus")}}}
    return {"description": ERROR_DESCRIPTIONS[code], "content": {JSON: {"schema": ref("Error")}}}


def responses(route: Route) -> Schema:
    status = SUCCESS_STATUS.get(route.name, 200)
    success: Schema = {"description": "Success"}
    if status != 204:
        media = XLSX if route.name == "number_template" else JSON
        success["content"] = {media: {"schema": RESPONSE_SCHEMAS[route.name]}}
    answers = {str(status): success}
    if route.name in IDEMPOTENT_ADDS:
        answers["200"] = {"description": IDEMPOTENT_ADDS[route.name],
                          "content": {JSON: {"schema": RESPONSE_SCHEMAS[route.name]}}}
    if route.name == "buy_number":
        answers["202"] = {"description": "A country that needs the service team: an application was recorded",
                          "content": {JSON: {"schema": NUMBER_APPLIED}}}
    for code in error_codes(route):
        answers[code] = error_response(code, route)
    return answers


def operation(route: Route) -> Schema:
    # The keys are added in the order the committed file has them in (header parameters and an
    # idempotent add's description after the body), so that regenerating it changes only what
    # a change here meant to change.
    described: Schema = {"operationId": route.name, "summary": summary(route), "tags": [route.module]}
    if (requirement := security(route)) is not None:
        described["security"] = requirement
    if details := description(route):
        described["description"] = details
    if path_and_query := parameters(route):
        described["parameters"] = path_and_query
    if body := request_body(route):
        described["requestBody"] = body
    if route.name in HEADER_PARAMETERS:
        described["parameters"] = [*described.get("parameters", []), *HEADER_PARAMETERS[route.name]]
    if route.name in IDEMPOTENT_ADDS:
        described["description"] = docstring_details(route)
    described["responses"] = responses(route)
    return described


# --- the document -------------------------------------------------------------------------------

INFO = (
    "JMC serverless SMS platform. Errors are always {\"error\": {code, message, field?}}. Money is a decimal "
    "string. A JSON body is read as JSON with Content-Type application/json or none; it is at most 1 MiB (413) "
    "and nests at most 32 levels (400). In every string of a body, a query or /sms/json, a lone UTF-16 surrogate "
    "is a 400 and a control character a 422 naming the field (tab, CR and LF only in the free-text fields text, "
    "content and reason). An unknown path is a 404 not_found, a method the path does not declare a 405 "
    "method_not_allowed with Allow (on AWS, a 404 like an unknown path); a request over 10 MB is a 413; the "
    "gateway's throttling a 429 with Retry-After."
)


def openapi_document(app_routes: list[Route]) -> Schema:
    paths: Schema = {}
    for route in app_routes:
        paths.setdefault(route.path, {})[route.method.lower()] = operation(route)
    return {
        "openapi": "3.0.3",
        "info": {"title": "JMC API", "version": "0.4.1", "description": INFO},
        "servers": [{"url": "/"}],
        "tags": [{"name": module} for module in sorted({route.module for route in app_routes})],
        "paths": paths,
        "components": {"schemas": COMPONENTS, "securitySchemes": SECURITY_SCHEMES},
        "security": [{"bearerAuth": []}],
    }


def main() -> None:
    document = openapi_document(routes())
    OUTPUT.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    operations = sum(len(methods) for methods in document["paths"].values())
    print(f"{OUTPUT.relative_to(ROOT)}: {len(document['paths'])} paths, {operations} operations")


if __name__ == "__main__":
    main()

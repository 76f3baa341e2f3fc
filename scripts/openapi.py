"""Write chalicelib/openapi.json from the app's routes plus the shapes declared here.

    .venv/bin/python scripts/openapi.py

Run it after adding or changing a route; tests/unit/test_openapi.py fails while the
committed spec and the routes disagree."""
import json, os, sys, inspect, re
ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update({"JMC_STAGE": "local", "AWS_DEFAULT_REGION": "us-east-1", "AWS_XRAY_SDK_ENABLED": "false"})
from app import app
import phonenumbers
from chalicelib.domain import message_status, task_states
from chalicelib.services import directory, message_log, sending
from chalicelib.store.webhooks import DELIVERY_STATUSES

S = lambda **kw: {"type": "string", **kw}
OBJ = lambda props, req=(), **kw: {"type": "object", "properties": props, **({"required": list(req)} if req else {}), **kw}
MONEY = S(pattern=r"^-?\d+\.\d+$", example="100.00")  # as the API writes money
# Money as the API reads it: one plain format, greater than zero and below 10^12.
MONEY_IN = {**S(pattern=r"^\d+(\.\d{1,6})?$", example="100.00",
                description="a plain decimal: ASCII digits with at most 6 decimal places, no sign, exponent or spaces; "
                            "greater than zero and below 1000000000000"),
            "not": {"anyOf": [{"pattern": r"^0*(\.0*)?$"}, {"pattern": r"^0*[1-9]\d{12}"}]}}  # zero; 10^12 or more
NONBLANK = r"\S"  # the API trims text: it must hold something besides white space
TEXT = lambda **kw: S(pattern=NONBLANK, **kw)  # required text, trimmed: not empty or only spaces
FILLED = lambda **kw: S(minLength=1, **kw)  # any string but the empty one (the API reads "" as missing)
COUNTRY = {"$ref": "#/components/schemas/Country"}
COUNTRIES = {"type": "array", "items": COUNTRY, "minItems": 1}
# Custom formats: "phone" is a valid E.164 number of a country; "login-phone" one of the countries
# whose numbers may log in; "time-zone" an IANA time zone name; "country-code" (Country) a region.
PHONE = S(format="phone", pattern=r"^\+[1-9]\d{6,14}$", description="E.164, e.g. +447400123456", example="+447400123456")
LOGIN_PHONE = S(format="login-phone", pattern=r"^\+(86|852|853|886|65)\d{7,11}$", description="E.164; a mainland China, Hong Kong, Macau, Taiwan or Singapore number",
                example="+8613800138000")
EMAIL = S(format="email", maxLength=254)
SENDER_ID = S(pattern=r"^[A-Za-z0-9 ]*[A-Za-z][A-Za-z0-9 ]*$", maxLength=11, description="1-11 letters, digits or spaces with at least one letter",
              example="JMCDemo")
FROM = S(anyOf=[S(pattern=r"^\+?\d{3,%d}$" % sending.NUMERIC_FROM_MAX), SENDER_ID],
         description="a number (3-15 digits) or a Sender ID (1-11 letters, digits or spaces with at least one letter)")
URL = S(format="uri", pattern=r"^\s*[Hh][Tt][Tt][Pp][Ss]?://[^/?#@\s]", maxLength=2048,
        description="an absolute http(s) URL (https and a public host on cloud stages)")
FILENAME = S(pattern=r"\.([Xx][Ll][Ss][Xx]|[Cc][Ss][Vv])\s*$", example="numbers.xlsx", description="ends in .xlsx or .csv")
KIND = S(enum=["international", "domestic"])
NEW_PASSWORD = {**S(minLength=10, maxLength=256, description="10-256 characters, not only letters and not only digits"),
                "not": {"anyOf": [{"pattern": "^[A-Za-z]+$"}, {"pattern": "^[0-9]+$"}]}}
CURSOR = S(description="opaque: pass back a next_cursor this API returned (anything else is a 400); empty or left out: the first page")
OR_EMPTY = lambda schema: {"anyOf": [schema, S(maxLength=0)], "description": "empty: no filter"}  # filters that read "" as left out
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REF = lambda n: {"$ref": f"#/components/schemas/{n}"}
components = {
 "Country": S(format="country-code", example="GB",
              description=f"ISO-3166 alpha-2, any case: one of the {len(phonenumbers.SUPPORTED_REGIONS)} regions the phonenumbers library knows "
                          "(AC, AD, AE, ... ZW)"),
 "Error": OBJ({"error": OBJ({"code": S(), "message": S(), "field": S()}, ["code", "message"])}, ["error"]),
 "Tokens": OBJ({"access_token": S(), "refresh_token": S(), "token_type": S(enum=["Bearer"]), "expires_in": {"type": "integer"}}),
 "Account": OBJ({"id": S(), "name": S(), "timezone": S(), "currency": S(), "status": S(), "created_at": S(format="date-time"), "balance": MONEY}),
 "User": OBJ({"id": S(), "account_id": S(), "email": S(), "phone": S(nullable=True), "name": S(), "role": S(enum=["owner", "member", "operator"]), "status": S(), "created_at": S(format="date-time")}),
 "App": OBJ({"id": S(), "name": S(), "app_key": S(), "status": S(enum=["active", "disabled"]), "created_at": S(format="date-time")}),
 "LedgerEntry": OBJ({"id": S(), "kind": S(), "amount": MONEY, "reference": S(nullable=True), "actor": S(), "created_at": S(format="date-time")}),
 "Sender": OBJ({"id": S(), "type": S(enum=["number", "sender_id"]), "value": S(), "countries": {"type": "array", "items": S()}, "created_at": S(format="date-time")}),
 "Signature": OBJ({"id": S(), "text": S(example="【锦木科技】"), "created_at": S(format="date-time")}),
 "CountryRule": OBJ({"country": S(), "sender_preapproval_required": {"type": "boolean"}, "sender_id_allowed": {"type": "boolean"}}),
 "Price": OBJ({"country": S(), "price": MONEY, "source": S(enum=["default", "account"])}),
 "Message": OBJ({"id": S(), "account_id": S(), "app_id": S(nullable=True), "user_id": S(nullable=True), "task_id": S(nullable=True), "task_name": S(nullable=True),
                 "type": S(enum=["transactional", "marketing"]), "source": S(enum=["api", "vonage", "task"]), "to": S(), "country": S(), "country_name": OBJ({"en": S(), "zh": S()}), "from": S(), "text": S(),
                 "segments": {"type": "integer"}, "encoding": S(enum=["GSM-7", "UCS-2"]), "price": MONEY,
                 "status": S(enum=["queued", "submitted", "delivered", "failed", "expired", "rejected", "blocked"]), "err_code": S(nullable=True),
                 "client_ref": S(nullable=True), "carrier_ids": {"type": "array", "items": S()}, "created_at": S(format="date-time"),
                 "submitted_at": S(format="date-time", nullable=True), "delivered_at": S(format="date-time", nullable=True)}),
 "Template": OBJ({"id": S(), "name": S(), "content": S(), "kind": S(enum=["international", "domestic"]),
                  "status": S(enum=["active", "pending", "approved", "rejected"]), "reason": S(nullable=True),
                  "created_at": S(format="date-time"), "updated_at": S(format="date-time")}),
 "Webhook": OBJ({"url": S(format="uri"), "secret_hint": S(), "created_at": S(format="date-time"), "updated_at": S(format="date-time")}),
 "WebhookDelivery": OBJ({"event_id": S(), "message_id": S(), "url": S(), "status": S(enum=["pending", "delivered", "retrying", "dead_lettered"]),
                         "attempts": {"type": "integer"}, "last_status_code": {"type": "integer", "nullable": True}, "last_error": S(nullable=True),
                         "next_attempt_at": S(format="date-time", nullable=True), "created_at": S(format="date-time"), "updated_at": S(format="date-time")}),
 "Upload": OBJ({"upload_id": S(), "kind": S(enum=["international", "domestic"]), "filename": S(), "status": S(enum=["uploading", "parsing", "ready", "failed"]),
                "error": S(nullable=True), "total_rows": {"type": "integer"}, "valid": {"type": "integer"}, "invalid": {"type": "integer"}, "duplicates": {"type": "integer"},
                "countries": {"type": "object", "additionalProperties": {"type": "integer"}, "example": {"GB": 9000, "US": 1000}},
                "message": S(nullable=True, example="检测到异常数据12条"), "invalid_report_url": S(nullable=True, description="presigned download of 异常数据.xlsx (row, value, reason)"),
                "progress": OBJ({k: {"type": "integer"} for k in ("parts", "parts_parsed", "buckets", "buckets_merged")}, nullable=True,
                                description="a csv over 16 MB is parsed in parallel byte-range parts, then deduplicated in hash buckets: how far it has got (null when parsed in one go)",
                                example={"parts": 94, "parts_parsed": 94, "buckets": 256, "buckets_merged": 120}),
                "created_at": S(format="date-time"), "parsed_at": S(format="date-time", nullable=True)}),
 "Task": OBJ({"task_id": S(), "name": S(), "kind": S(enum=["international", "domestic"]), "status": S(enum=["scheduled", "sending", "completed", "paused", "cancelled", "failed"]),
              "reason": S(nullable=True, description="why a task failed, e.g. insufficient_balance"), "warning": S(nullable=True, description="domestic content that differs substantially from its template"),
              "app_id": S(), "upload_id": S(), "from": {"type": "object", "additionalProperties": S(), "description": "the sender per country"},
              "signature_id": S(nullable=True), "template_id": S(nullable=True), "content": S(), "text": S(description="what is sent (signature + content)"), "blacklist_check": {"type": "boolean"},
              "send_at": S(format="date-time", nullable=True), "scheduled": {"type": "boolean"}, "countries": {"type": "object", "additionalProperties": {"type": "integer"}},
              "estimate": OBJ({"numbers": {"type": "integer"}, "segments": {"type": "integer"}, "cost": MONEY,
                               "by_country": {"type": "object", "additionalProperties": OBJ({"numbers": {"type": "integer"}, "segments": {"type": "integer"}, "cost": MONEY})}}),
              "created_by": S(), "created_at": S(format="date-time"), "sent_at": S(format="date-time", nullable=True), "completed_at": S(format="date-time", nullable=True),
              "version": {"type": "integer"},
              "counters": OBJ({k: {"type": "integer"} for k in ("total", "blocked", "unsent", "submitted", "delivered", "failed", "segments", "pending")} | {"cost": MONEY},
                              description="live; when every message has ended: total = blocked + unsent + delivered + failed")}),
 "BlacklistEntry": OBJ({"id": S(), "app_id": S(), "number": S(), "country": S(), "created_at": S(format="date-time"), "created_by": S()}),
}
OWNER = OBJ({"email": EMAIL, "name": TEXT(maxLength=100),
             "phone": {"anyOf": [LOGIN_PHONE, S(maxLength=0)], "nullable": True, "description": LOGIN_PHONE["description"] + "; optional (empty or null: none)"}},
            ["email", "name"])
NEW_USER = {**OWNER, "properties": {**OWNER["properties"], "role": S(enum=sorted(directory.ROLES), description="default member")}}
SIGNATURE_TEXT = S(pattern=r"^\s*【?\s*[^【】\s][^【】]{0,18}[^【】\s]\s*】?\s*$",
                   example="【锦木科技】", description="2-20 characters, optionally inside 【】 (added when missing); no 【 or 】 inside")
NULL_AS_ABSENT = lambda schema: {**schema, "nullable": True}  # null is read as the field left out
BODIES = {
 "request_code": OBJ({"login": S(anyOf=[EMAIL, LOGIN_PHONE], description="email or phone (CN, HK, MO, TW or SG)"), "purpose": S(enum=["login", "reset_password"])}, ["login"]),
 "login": OBJ({"login": FILLED(), "password": FILLED(), "code": S(pattern=r"^\d{6}$")}, ["login", "password", "code"]),
 "refresh": OBJ({"refresh_token": FILLED()}, ["refresh_token"]),
 "password_reset": OBJ({"login": FILLED(), "code": FILLED(), "new_password": NEW_PASSWORD}, ["login", "code", "new_password"]),
 "change_password": OBJ({"current_password": FILLED(), "new_password": NEW_PASSWORD}, ["current_password", "new_password"]),
 "create_app": OBJ({"name": TEXT(maxLength=64)}, ["name"]),
 "create_account": OBJ({"name": TEXT(maxLength=100), "timezone": S(format="time-zone", example="Asia/Shanghai", description="IANA time zone; default Asia/Shanghai"),
                        "currency": S(enum=sorted(directory.CURRENCIES), description="default USD"), "owner": OWNER}, ["name", "owner"]),
 "add_user": NEW_USER,
 "top_up": OBJ({"amount": MONEY_IN, "reference": TEXT(maxLength=100, description="the bank transfer's reference; once per account")}, ["amount", "reference"]),
 "set_price": OBJ({"price": {**MONEY_IN, "example": "0.0450"}, "account_id": NULL_AS_ABSENT(S(description="override for one account (an existing account id)"))}, ["price"]),
 "set_country_rule": OBJ({"sender_preapproval_required": {"type": "boolean"},
                          "sender_id_allowed": {"type": "boolean", "description": "never true for CN and US (numeric senders only)"}},
                         description="the country is the path's; a field left out keeps its value"),
 "add_sender": {"oneOf": [OBJ({"type": S(enum=["number"]), "value": PHONE, "countries": COUNTRIES}, ["type", "value", "countries"]),
                          OBJ({"type": S(enum=["sender_id"]), "value": SENDER_ID, "countries": {**COUNTRIES, "description": "countries whose rule allows Sender IDs"}},
                              ["type", "value", "countries"])]},
 "add_signature": OBJ({"text": SIGNATURE_TEXT}, ["text"]),
 "create_template": {**OBJ({"name": TEXT(maxLength=64), "content": TEXT(maxLength=1000), "kind": {**KIND, "description": "default international"}}, ["name", "content"]),
                     "anyOf": [OBJ({"kind": S(enum=["international"])}),
                               OBJ({"kind": S(enum=["domestic"]), "content": S(pattern="^[^【】]*$", description="domestic: no 【】, the signature is chosen separately")}, ["kind"])]},
 "update_template": OBJ({"name": TEXT(maxLength=64), "content": TEXT(maxLength=1000, description="a domestic template's content has no 【】")}),
 "reject_template": OBJ({"reason": TEXT(description="shown to the customer")}, ["reason"]),
 "ops_set_webhook": OBJ({"url": URL}, ["url"]), "update_webhook": OBJ({"url": URL}, ["url"]),
 "add_blacklisted_numbers": OBJ({"app_id": NULL_AS_ABSENT(S(description="required for a portal user; optional for an app calling with its own key (its own id or left out)")),
                                 "numbers": {"type": "array", "items": S(), "minItems": 1, "maxItems": 1000,
                                             "description": "phone numbers as typed; those that are not one are reported in invalid"}}, ["numbers"]),
 "add_blacklisted_country": OBJ({"app_id": NULL_AS_ABSENT(S(description="required for a portal user; optional for an app calling with its own key (its own id or left out)")),
                                 "country": COUNTRY}, ["country"]),
 "create_task": OBJ({"name": TEXT(maxLength=100), "kind": KIND, "app_id": S(), "upload_id": S(description="a ready upload of the same kind"),
                     "from": S(description="a bound number or Sender ID; default: the bound one per country"), "signature_id": S(description="domestic: a bound signature (required)"),
                     "template_id": S(description="domestic: an approved template (required)"), "content": S(description="required unless a template_id gives it"), "blacklist_check": {"type": "boolean"},
                     "send_at": S(format="date-time", description="ISO 8601; without an offset the account's time zone applies; absent = now; at most 90 days ahead")},
                    ["name", "kind", "app_id", "upload_id"]),
 "edit_task": OBJ({k: S() for k in ("name", "from", "signature_id", "template_id", "content", "upload_id", "send_at")} | {"blacklist_check": {"type": "boolean"}},
                  description="any of create_task's fields except kind and app_id; the task is priced and checked again; any other field is a 400",
                  additionalProperties=False),
 "presign_upload": OBJ({"kind": KIND, "filename": FILENAME}, ["kind", "filename"]),
 "send_sms": OBJ({"to": PHONE, "text": TEXT(maxLength=1530, description="GSM-7 or Unicode; at most 10 segments; to mainland China it starts with a bound 【signature】"),
                  "from": {**FROM, "description": FROM["description"] + " bound to the account where the country requires it; default: the bound one"},
                  "type": S(enum=list(sending.MESSAGE_TYPES)), "client_ref": TEXT(maxLength=sending.MAX_CLIENT_REF), "callback_url": URL}, ["to", "text"]),
 "vonage_dlr_post": OBJ({"messageId": FILLED(), "msisdn": S(), "to": S(), "status": S(enum=sorted(message_status.RECEIPT_STATUSES)),
                         "err-code": S(), "client-ref": S(), "price": S(), "network-code": S(), "scts": S(), "message-timestamp": S(), "timestamp": S(), "sig": S()}, ["messageId", "status"]),
 "vonage_send": OBJ({"api_key": S(description="the app key (or HTTP Basic)"), "api_secret": S(), "from": S(), "to": S(description="digits, international format, no +"),
                     "text": S(), "type": S(enum=["text", "unicode"]), "client-ref": S(maxLength=100), "callback": S(format="uri"), "status-report-req": S()}, ["from", "to", "text"]),
}
FORM_BODIES = {"vonage_send", "vonage_dlr_post"}
LIST = lambda key, item: OBJ({key: {"type": "array", "items": REF(item)}, "next_cursor": S(nullable=True)})
OK = {
 "health": OBJ({"status": S()}), "request_code": OBJ({"status": S(), "message": S()}),
 "login": REF("Tokens"), "refresh": REF("Tokens"), "me": OBJ({"user": REF("User"), "role": S(), "account": REF("Account"), "balance": MONEY, "currency": S(), "timezone": S()}),
 "create_app": REF("App"), "list_apps": OBJ({"apps": {"type": "array", "items": REF("App")}}, description="every app of the account, disabled ones too (not paged)"), "get_app": REF("App"), "reveal_secret": OBJ({"app_secret": S()}),
 "audit_events": OBJ({"events": {"type": "array", "items": OBJ({"id": S(), "action": S(), "actor": S(), "target": S(nullable=True), "created_at": S(format="date-time")})}, "next_cursor": S(nullable=True)}),
 "balance": OBJ({"balance": MONEY, "currency": S()}), "ledger": LIST("entries", "LedgerEntry"), "account_ledger": LIST("entries", "LedgerEntry"),
 "prices": LIST("prices", "Price"), "list_prices": LIST("prices", "Price"),
 "create_account": {"allOf": [REF("Account"), OBJ({"owner": REF("User")})]}, "list_accounts": LIST("accounts", "Account"),
 "get_account": {"allOf": [REF("Account"), OBJ({"users": {"type": "array", "items": REF("User")}})]}, "add_user": REF("User"),
 "top_up": {"allOf": [REF("LedgerEntry"), OBJ({"balance": MONEY})]}, "set_price": OBJ({"country": S(), "price": MONEY, "account_id": S(nullable=True)}),
 "set_country_rule": REF("CountryRule"), "list_country_rules": OBJ({"countries": {"type": "array", "items": REF("CountryRule")}}),
 "add_sender": REF("Sender"), "list_senders": LIST("senders", "Sender"), "add_signature": REF("Signature"), "list_signatures": LIST("signatures", "Signature"),
 "info": OBJ({"api_url": S(), "aws_endpoint_url": S(), "carrier_url": S()}),
 "outbox": OBJ({"to": S(), "messages": {"type": "array", "items": OBJ({"channel": S(enum=["email", "sms"]), "id": S(), "to": S(), "from": S(), "subject": S(), "body": S(), "sent_at": S()})}}),
 "openapi": {"type": "object"},
 "create_template": REF("Template"), "get_template": REF("Template"), "update_template": REF("Template"),
 "list_templates": OBJ({"templates": {"type": "array", "items": REF("Template")}}),
 "ops_pending_templates": OBJ({"templates": {"type": "array", "items": {"allOf": [REF("Template"), OBJ({"account_id": S()})]}}}),
 "approve_template": REF("Template"), "reject_template": REF("Template"),
 "ops_set_webhook": REF("Webhook"), "get_webhook": REF("Webhook"), "update_webhook": REF("Webhook"),
 "rotate_webhook_secret": OBJ({"secret": S(description="shown once; sign check: v1=hex(HMAC-SHA256(secret, timestamp + '.' + body))")}),
 "list_webhook_deliveries": LIST("deliveries", "WebhookDelivery"),
 "get_message": REF("Message"), "list_messages": LIST("messages", "Message"),
 "add_blacklisted_numbers": OBJ({"added": {"type": "array", "items": REF("BlacklistEntry")}, "already_listed": {"type": "integer"},
                                 "invalid": {"type": "array", "items": OBJ({"value": {"description": "the item as sent (any JSON value)"}, "reason": S()})}}),
 "list_blacklisted_numbers": LIST("numbers", "BlacklistEntry"), "add_blacklisted_country": REF("BlacklistEntry"),
 "list_blacklisted_countries": LIST("countries", "BlacklistEntry"),
 "create_task": REF("Task"), "get_task": REF("Task"), "edit_task": REF("Task"), "pause_task": REF("Task"), "resume_task": REF("Task"), "cancel_task": REF("Task"),
 "list_tasks": LIST("tasks", "Task"), "upload_numbers": REF("Upload"), "get_upload": REF("Upload"),
 "presign_upload": {"allOf": [REF("Upload"), OBJ({"upload": OBJ({"url": S(), "fields": {"type": "object", "additionalProperties": S()}, "expires_in": {"type": "integer"}, "max_bytes": {"type": "integer"}},
                                                              description="POST multipart/form-data to url with fields, then the file as 'file'")})]},
 "number_template": {"type": "string", "format": "binary"},
 "send_sms": OBJ({"message_id": S(), "to": S(), "country": S(), "segments": {"type": "integer"}, "encoding": S(enum=["GSM-7", "UCS-2"]), "price": MONEY, "status": S(enum=["queued"])}),
 "vonage_send": OBJ({"message-count": S(), "messages": {"type": "array", "items": OBJ({"to": S(), "message-id": S(), "status": S(description="Vonage status code: 0 ok, 2 missing params, 3 invalid params, 4 bad credentials, 7 barred (blacklisted), 9 no credit, 12 too long, 15 invalid sender"),
                                                                                         "error-text": S(), "remaining-balance": S(), "message-price": S(), "network": S(), "client-ref": S()})}}),
}
STATUS = {"create_task": 201, "upload_numbers": 201, "presign_upload": 201, "create_template": 201, "delete_template": 204, "rotate_webhook_secret": 201, "add_blacklisted_numbers": 201, "add_blacklisted_country": 201, "remove_blacklisted_number": 204, "remove_blacklisted_country": 204, "send_sms": 202, "vonage_dlr_get": 204, "vonage_dlr_post": 204, "create_account": 201, "add_user": 201, "create_app": 201, "top_up": 201, "add_sender": 201, "add_signature": 201, "request_code": 202,
          "password_reset": 204, "change_password": 204, "disable_app": 204, "delete_price": 204, "remove_sender": 204, "remove_signature": 204}
ERR = {"400": "Malformed JSON or a missing field", "401": "Missing or invalid credentials", "402": "Balance too low (insufficient_balance)", "403": "Not allowed for this caller",
       "404": "Not found (or another account's)", "409": "Conflict", "413": "Body too large (payload_too_large)", "415": "Unsupported Content-Type (JSON bodies need application/json)",
       "422": "A field has an invalid value", "429": "Too many attempts; see Retry-After"}
def err(code): return {"description": ERR[code], "content": {"application/json": {"schema": REF("Error")}}}
BLACKLIST_APP = S(description="required for a portal user; optional for an app calling with its own key (its own id or left out)")
QUERY_SCHEMAS = {  # (view, parameter) → schema; a parameter not listed is any string
 ("list_templates", "kind"): KIND, ("number_template", "kind"): {**KIND, "description": "default international"}, ("upload_numbers", "kind"): KIND,
 ("upload_numbers", "filename"): {**FILENAME, "description": "ends in .xlsx or .csv; without it the Content-Type decides (text/csv, else xlsx)"},
 ("list_tasks", "status"): S(enum=list(task_states.ALL)), ("list_webhook_deliveries", "status"): S(enum=list(DELIVERY_STATUSES)),
 ("list_messages", "status"): OR_EMPTY(S(enum=list(message_log.STATUSES))), ("list_messages", "type"): OR_EMPTY(S(enum=list(sending.MESSAGE_TYPES))),
 ("list_messages", "country"): OR_EMPTY(COUNTRY), ("list_messages", "to"): OR_EMPTY(PHONE),
 ("list_messages", "start"): {**OR_EMPTY(S(anyOf=[S(format="date-time"), S(format="date")])),
                              "description": "inclusive; default 7 days before end; a date is its whole day; empty: the default"},
 ("list_messages", "end"): {**OR_EMPTY(S(anyOf=[S(format="date-time"), S(format="date")])),
                            "description": "exclusive; default now; at most 92 days after start; empty: the default"},
 ("list_blacklisted_numbers", "number"): {**PHONE, "description": "an exact lookup (normalised like an added number)"},
 ("list_blacklisted_numbers", "app_id"): BLACKLIST_APP, ("list_blacklisted_countries", "app_id"): BLACKLIST_APP,
 ("vonage_dlr_get", "messageId"): FILLED(), ("vonage_dlr_get", "status"): S(enum=sorted(message_status.RECEIPT_STATUSES)),
 ("outbox", "to"): TEXT(description="an email address or phone number"),
}
REQUIRED_QUERY = {("upload_numbers", "kind"), ("outbox", "to"), ("vonage_dlr_get", "messageId"), ("vonage_dlr_get", "status")}
QUERY = {"list_templates": ["kind"], "list_webhook_deliveries": ["message_id", "status", "limit", "cursor"], "list_messages": ["type", "to", "task_name", "country", "message_id", "task_id", "status", "start", "end", "limit", "cursor"],
         "list_blacklisted_numbers": ["app_id", "number", "limit", "cursor"], "list_blacklisted_countries": ["app_id", "limit", "cursor"],
         "vonage_dlr_get": ["messageId", "msisdn", "status", "err-code", "client-ref", "timestamp", "sig"], "list_accounts": ["limit", "cursor"], "ledger": ["limit", "cursor"], "account_ledger": ["limit", "cursor"], "audit_events": ["limit", "cursor"],
         "list_prices": ["account_id"], "list_tasks": ["status", "task_id", "name", "country", "user", "limit", "cursor"],
         "upload_numbers": ["kind", "filename"], "number_template": ["kind"], "delete_price": ["account_id"], "outbox": ["to"]}
def _query_schema(view: str, param: str) -> dict:
    if param == "limit":
        return {"type": "integer", "minimum": 1, "maximum": 200}
    if param == "cursor":
        return CURSOR
    return QUERY_SCHEMAS.get((view, param), S())


paths = {}
for path, methods in sorted(app.routes.items()):
    for method, entry in sorted(methods.items()):
        name = entry.view_name
        module = entry.view_function.__module__.rsplit(".", 1)[-1]
        doc = (inspect.getdoc(entry.view_function) or name.replace("_", " ").capitalize()).splitlines()[0]
        op = {"operationId": name, "summary": doc, "tags": [module]}
        public = module in ("health", "docs", "auth", "local")
        if path in ("/v1/balance", "/v1/prices") or module in ("messages", "blacklist"):
            op["security"] = [{"bearerAuth": []}, {"appBasic": []}]
        elif name in ("send_sms", "vonage_send"):
            op["security"] = [{"appBasic": []}] + ([{}] if name == "vonage_send" else [])  # or api_key/api_secret in the body
        elif module == "carrier_webhooks":
            op["security"] = []
            op["description"] = "Called by the carrier. When a signature secret is configured, Vonage's sig/timestamp parameters must verify."
        elif public:
            op["security"] = []
        if module == "local":
            op["description"] = "Local stage only; 404 on every cloud stage."
        if name == "get_app":
            op["description"] = "A disabled app is still found: 200 with status disabled."
        if name == "disable_app":
            op["description"] = ("The app stays visible as disabled (GET answers 200 with status disabled); its key and secret stop "
                                 "working and its secret can no longer be revealed (409). Disabling a disabled app is a 204 too.")
        if name == "list_messages":  # the paging contract (short pages with a cursor) is worth reading
            op["description"] = inspect.getdoc(entry.view_function).split("\n", 1)[1].strip()
        params = [{"name": p, "in": "path", "required": True, "schema": COUNTRY if p == "country" else S()} for p in re.findall(r"{(\w+)}", path)]
        params += [{"name": q, "in": "query", "required": (name, q) in REQUIRED_QUERY, "schema": _query_schema(name, q)} for q in QUERY.get(name, [])]
        if params: op["parameters"] = params
        if name in BODIES:
            media = ("application/x-www-form-urlencoded", "application/json") if name in FORM_BODIES else ("application/json",)
            op["requestBody"] = {"required": True, "content": {m: {"schema": BODIES[name]} for m in media}}
        if name == "upload_numbers":
            op["requestBody"] = {"required": True, "content": {m: {"schema": {"type": "string", "format": "binary", "minLength": 1}} for m in (XLSX, "text/csv", "application/octet-stream")},
                                 "description": "the file itself, at most 5 MB; larger lists use /v1/uploads/presign"}
        if name == "send_sms":
            params.append({"name": "Idempotency-Key", "in": "header", "required": False, "schema": S(minLength=1, maxLength=sending.MAX_IDEMPOTENCY_KEY),
                           "description": "same key + same body replays the first answer; another body is a 409"})
            op["parameters"] = params
        status = STATUS.get(name, 200)
        media = XLSX if name == "number_template" else "application/json"
        responses = {str(status): {"description": "Success", **({"content": {media: {"schema": OK[name]}}} if status != 204 else {})}}
        codes = []
        if name in BODIES: codes += ["400", "422"]
        if not public or path in ("/v1/balance",): codes += ["401"]
        if module in ("ops", "apps") or name in ("change_password",): codes += ["403"]
        if "{" in path or module == "local": codes += ["404"]
        if name in ("create_account", "add_user", "top_up", "reveal_secret", "send_sms"): codes += ["409"]
        if module == "tasks": codes += ["403", "404", "422"] + (["409"] if "{task_id}" in path and method != "GET" else []) + (["402"] if name in ("create_task", "edit_task") else [])
        if module == "uploads": codes += ["400", "403", "422"] + (["413"] if name == "upload_numbers" else [])
        if name == "send_sms": codes += ["402", "403"]
        if name == "vonage_send": codes = []  # always HTTP 200 with a Vonage status, once the body could be read
        if module == "carrier_webhooks": codes = ["400", "401"]
        if name in BODIES or name == "upload_numbers": codes += ["415"]  # Chalice refuses any other Content-Type
        if name in ("outbox", "list_templates", "list_tasks"): codes += ["400"]
        if name in ("request_code", "login"): codes += ["429"]
        if name in ("login", "refresh", "password_reset"): codes += ["401"]
        if name in ("list_accounts", "ledger", "account_ledger", "audit_events", "list_messages", "list_blacklisted_numbers", "list_blacklisted_countries"): codes += ["400"]
        if module in ("messages", "blacklist", "webhook", "templates"): codes += ["403", "404", "422"]
        if name == "list_webhook_deliveries": codes += ["400"]
        if name in ("add_blacklisted_numbers", "add_blacklisted_country"):  # idempotent re-adds
            responses["200"] = {"description": "Nothing new was added (already listed, or no valid number)" if name == "add_blacklisted_numbers" else "Already listed: the existing entry", "content": {"application/json": {"schema": OK[name]}}}
            op["description"] = inspect.getdoc(entry.view_function).split("\n", 1)[1].strip()
        for c in sorted(set(codes)): responses[c] = err(c)
        op["responses"] = responses
        paths.setdefault(path, {})[method.lower()] = op
spec = {"openapi": "3.0.3",
        "info": {"title": "JMC API", "version": "0.3.1", "description": "JMC serverless SMS platform. Errors are always {\"error\": {code, message, field?}}. Money is a decimal string."},
        "servers": [{"url": "/"}],
        "tags": [{"name": t} for t in sorted({e.view_function.__module__.rsplit(".", 1)[-1] for m in app.routes.values() for e in m.values()})],
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}, "appBasic": {"type": "http", "scheme": "basic", "description": "app_key:app_secret"}}},
        "security": [{"bearerAuth": []}]}
open(ROOT / "chalicelib" / "openapi.json", "w", encoding="utf-8").write(json.dumps(spec, indent=1, ensure_ascii=False) + "\n")
print(len(paths), sum(len(v) for v in paths.values()))

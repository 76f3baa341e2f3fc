"""The OpenAPI description is true: schemathesis drives every operation of the served
``/openapi.json`` against the local stack, with the credentials each operation's security
requirement names, and checks that no request is a server error, that every status code,
content type and body is the documented one, that valid data is accepted and invalid data
refused.

The fuzzer works in an account of its own, made through the operator API like any other,
and cannot reach what the other end-to-end tests rely on: operator routes that take an
account are pinned to its account, the global price list and country rules to a country no
other test uses, template reviews to its own template, and the route that disables an app
to a spare app of its own.

Run it alone: ``.venv/bin/python -m pytest -q tests/e2e/test_openapi_fuzz.py`` (a few
minutes; ``-m "not fuzz"`` leaves it out). A failure prints the request as a curl line: it
replays against ``make run`` once the credentials and ids are your own."""
from __future__ import annotations

import base64
import os
import zoneinfo
from dataclasses import dataclass

import phonenumbers
import pytest
import requests
import schemathesis
from hypothesis import strategies as st

from chalicelib.domain.phone import LOGIN_PHONE_REGIONS
from devstack.seed import COUNTRY_RULES, DEFAULT_PRICES, OPERATOR

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.fuzz]

# Fixed, so a failure replays; JMC_FUZZ_SEED=<n> probes with other requests.
SEED = int(os.environ.get("JMC_FUZZ_SEED", "20261213"))
FUZZ_EXAMPLES = 10  # fuzzing-phase examples per operation; the coverage phase adds its boundary cases
FUZZ_COUNTRY = "NZ"  # no seeded price or rule, used by no other test
FUZZ_OWNER = "owner@fuzz.example"
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "positive_data_acceptance", "negative_data_rejection")

assert FUZZ_COUNTRY not in DEFAULT_PRICES and FUZZ_COUNTRY not in COUNTRY_RULES


# --- the spec's custom string formats ---------------------------------------------------------

def _valid_numbers(regions) -> list[str]:
    """A few valid mobile numbers per region (E.164): the example number with other endings."""
    found = []
    for region in sorted(regions):
        example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
        national = str(example.national_number)
        for ending in range(0, 100, 7):
            number = phonenumbers.parse(f"+{example.country_code}{national[:-2]}{ending:02d}")
            if phonenumbers.is_valid_number(number):
                found.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return found


# "phone": numbers the fuzzer's account can send to as it is (priced, and no sender to bind
# first); which countries those are is account data, not something the schema can say.
schemathesis.openapi.format("phone", st.sampled_from(_valid_numbers(set(DEFAULT_PRICES) - set(COUNTRY_RULES))))
schemathesis.openapi.format("login-phone", st.sampled_from(_valid_numbers(LOGIN_PHONE_REGIONS)))
schemathesis.openapi.format("time-zone", st.sampled_from(sorted(zoneinfo.available_timezones())))
schemathesis.openapi.format("country-code", st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)))


# --- the fuzzer's own customer ----------------------------------------------------------------

@dataclass(frozen=True)
class FuzzCustomer:
    account_id: str
    owner_token: str
    ops_token: str
    app: tuple[str, str]  # key, secret of the app that sends and reads
    blacklist_app: tuple[str, str]  # the app whose blacklist is fuzzed (so sends are never blocked)
    spare_app_id: str  # the one app the fuzzer may disable
    template_id: str  # an international template: customer template routes read and edit it
    spare_template_id: str  # the one the fuzzer may delete
    pending_template_id: str  # a domestic template waiting for review: operators' reviews touch only it
    other_accounts: frozenset[str]  # every account before the fuzzer's: it never names one of them

    def header_for(self, operation) -> str | None:
        """The Authorization header from the operation's security requirement: nothing for
        a public one, an app's Basic credentials where an app may call, otherwise the
        operator's token on /v1/ops/* and the owner's elsewhere."""
        security = operation.definition.raw.get("security", operation.schema.raw_schema.get("security", []))
        schemes = {name for requirement in security for name in requirement}
        if not schemes:
            return None
        if "appBasic" in schemes:
            key, secret = self.blacklist_app if operation.path.startswith("/v1/blacklist/") else self.app
            return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
        if operation.path.startswith("/v1/ops/"):
            return f"Bearer {self.ops_token}"
        return f"Bearer {self.owner_token}"


def onboard(stack, ops_token: str) -> FuzzCustomer:
    """An account as an operator makes one: the owner (initial password from the outbox), a
    top-up larger than anything the run spends, three apps and three templates."""
    others, cursor = set(), None
    while True:
        page = stack.call("GET", "/v1/ops/accounts", token=ops_token, params={"limit": 200, "cursor": cursor}).json()
        others |= {a["id"] for a in page["accounts"]}
        if not (cursor := page["next_cursor"]):
            break
    created = stack.call("POST", "/v1/ops/accounts",
                         {"name": "Fuzz Co", "owner": {"email": FUZZ_OWNER, "name": "Fuzz"}}, token=ops_token)
    assert created.status_code == 201, created.text
    account_id = created.json()["id"]
    topped = stack.call("POST", f"/v1/ops/accounts/{account_id}/topups", {"amount": "100000.00", "reference": "FUZZ-1"},
                        token=ops_token)
    assert topped.status_code == 201, topped.text
    owner = stack.login(FUZZ_OWNER, stack.outbox(FUZZ_OWNER, r"Initial password: (\S+)"))

    def app(name: str) -> tuple[str, str, str]:
        made = stack.call("POST", "/v1/apps", {"name": name}, token=owner).json()
        secret = stack.call("GET", f"/v1/apps/{made['id']}/secret", token=owner)
        assert secret.status_code == 200, secret.text
        return made["id"], made["app_key"], secret.json()["app_secret"]

    def template(kind: str) -> str:
        made = stack.call("POST", "/v1/templates", {"name": "验证码", "content": "您的验证码是1234", "kind": kind},
                          token=owner)
        assert made.status_code == 201, made.text
        return made.json()["id"]

    _, *sender = app("Fuzzer")
    _, *blacklist = app("Fuzzer blacklist")
    spare_id, _, _ = app("Fuzzer spare")
    return FuzzCustomer(account_id=account_id, owner_token=owner, ops_token=ops_token, app=tuple(sender),
                        blacklist_app=tuple(blacklist), spare_app_id=spare_id, template_id=template("international"),
                        spare_template_id=template("international"), pending_template_id=template("domestic"),
                        other_accounts=frozenset(others))


# --- configuration ----------------------------------------------------------------------------

def pinned_parameters(customer: FuzzCustomer) -> list[dict]:
    """Path parameters the fuzzer does not choose: shared data other tests use, and the
    fuzzer's own things it would otherwise destroy before it has tested them."""
    return [
        {"include-path-regex": r"^/v1/ops/accounts/\{account_id\}",
         "parameters": {"path.account_id": customer.account_id}},
        {"include-path-regex": r"^/v1/ops/(prices|countries)/\{country\}$",
         "parameters": {"path.country": FUZZ_COUNTRY}},
        {"include-name": "DELETE /v1/ops/prices/{country}", "parameters": {"query.account_id": customer.account_id}},
        {"include-path-regex": r"^/v1/ops/templates/\{template_id\}/",
         "parameters": {"path.template_id": customer.pending_template_id}},
        {"include-name": ["GET /v1/templates/{template_id}", "PUT /v1/templates/{template_id}"],
         "parameters": {"path.template_id": customer.template_id}},
        {"include-name": "DELETE /v1/templates/{template_id}",
         "parameters": {"path.template_id": customer.spare_template_id}},
        {"include-name": "DELETE /v1/apps/{app_id}", "parameters": {"path.app_id": customer.spare_app_id}},
    ]


ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]  # positive_data_acceptance's default
# Operations where schema-valid requests are refused for reasons no schema can carry, and what
# they may answer then (besides ACCEPTED, and besides the 400 of a cursor: paged_operations):
ALSO_ACCEPTED = {
    # A message or call list's start and end may be at most 92 days apart, start first, relative to now.
    "GET /v1/messages": ["422"], "GET /v1/voice/calls": ["422"],
    # A report's days are at most 366 apart, start first, between 1970 and 9998, and a start
    # left alone with end defaulting to today must not be after it.
    "GET /v1/reports": ["422"],
    # An account override names an account that exists: data, not something a schema can say
    # (the coverage phase sends values of its own even where a parameter is pinned).
    **dict.fromkeys(["PUT /v1/ops/prices/{country}", "GET /v1/ops/prices", "DELETE /v1/ops/prices/{country}"],
                    ["422"]),
    # Which countries take Sender IDs is operator data (PUT /v1/ops/countries/{country}).
    "POST /v1/ops/accounts/{account_id}/senders": ["422"],
    # The referenced app, upload, template and signature must exist, be ready and match the kind.
    "POST /v1/tasks": ["422"], "PATCH /v1/tasks/{task_id}": ["422"],
    # The bytes must be a readable workbook or csv (422); schemathesis sends binary bodies empty
    # at times, although the schema says minLength 1 (400).
    "POST /v1/uploads": ["400", "422"],
    # An export's filters follow the rules of the list it exports (a range start first and at
    # most 92 days long, a task id of the account's).
    "POST /v1/exports": ["422"], "GET /v1/exports": ["422"],
    # Whether the digits are a number of the country named, for sale, or the account's is data.
    **dict.fromkeys(["POST /number/buy", "POST /number/cancel"], ["400", "420"]),
}


def paged_operations(served: dict) -> list[str]:
    """Operations that take a cursor: a string the API never handed out is a 400 by contract."""
    return [f"{method.upper()} {path}" for path, operations in served["paths"].items()
            for method, operation in operations.items()
            if any(p.get("name") == "cursor" for p in operation.get("parameters", []))]


def also_accepted(served: dict) -> dict[str, list[str]]:
    accepted = {name: ["400"] for name in paged_operations(served)}
    for name, extra in ALSO_ACCEPTED.items():
        accepted[name] = sorted(set(accepted.get(name, [])) | set(extra))
    return accepted


def narrowed_checks(served: dict) -> list[dict]:
    """Checks narrowed for single operations, each for a reason the schema cannot carry."""
    return [
        *({"include-name": name, "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED + extra}}}
          for name, extra in also_accepted(served).items()),
        # Vonage's SMS API answers HTTP 200 with a Vonage status code in the body, whatever the
        # request; the official SDK relies on it (status codes are described in the schema).
        {"include-name": "POST /sms/json", "checks": {"negative_data_rejection": {"enabled": False}}},
        # The carrier's receipt callback answers the same 204 whatever it is sent (once it names
        # a message id and a status), so a prober learns nothing from it.
        {"include-path": "/webhooks/vonage/dlr", "checks": {"negative_data_rejection": {"enabled": False}}},
    ]


def fuzz_settings(base_url: str, customer: FuzzCustomer, served: dict) -> dict:
    """What a schemathesis.toml would hold (the CLI takes the same keys)."""
    return {
        "seed": SEED,
        "base-url": base_url,
        "request-timeout": 15,
        "generation": {"mode": "all", "max-examples": FUZZ_EXAMPLES, "unique-inputs": True, "database": "none"},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        "phases": {"examples": {"enabled": True}, "fuzzing": {"enabled": True},
                   # Every method a path does not declare, TRACE included: a 405 in our shape.
                   "coverage": {"enabled": True,
                                "unexpected-methods": ["get", "put", "post", "delete", "options", "patch",
                                                       "trace"]}},
        "operations": pinned_parameters(customer) + narrowed_checks(served),
    }


def load_schema(base_url: str, customer: FuzzCustomer):
    # The served description, read here rather than by from_url, which leaves out the operation
    # that serves it (GET /openapi.json is one of the API's operations too).
    served = requests.get(f"{base_url}/openapi.json", timeout=15)
    assert served.status_code == 200, served.text
    config = schemathesis.Config.from_dict(fuzz_settings(base_url, customer, served.json()))
    schema = schemathesis.openapi.from_dict(served.json(), config=config)

    @schema.auth(refresh_interval=None)
    class PerOperation:
        def get(self, case, context):
            return customer.header_for(context.operation)

        def set(self, case, header, context):
            if header:
                case.headers = {**(case.headers or {}), "Authorization": header}

    return schema


# --- the test ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fuzz_customer(stack, ops_token) -> FuzzCustomer:
    # A renewed operator token: the session's first one may be close to its 15 minutes.
    return onboard(stack, stack.refreshed(OPERATOR[0]))


@pytest.fixture(scope="module")
def fuzz_schema(stack, fuzz_customer):
    return load_schema(stack.base, fuzz_customer)


schema = schemathesis.pytest.from_fixture("fuzz_schema")


@schema.parametrize()
def test_every_operation_answers_as_documented(case, fuzz_customer):
    confine(case, fuzz_customer)
    case.call_and_validate()


def confine(case, customer: FuzzCustomer) -> None:
    """Keep a request to the fuzzer's own data. Schemathesis reuses values it read in earlier
    responses (the operators' account list among them), so another account's id that lands in a
    body field (an account's price override) is swapped for the fuzzer's, which the schema takes
    alike; and should a pin ever not apply, the request is refused rather than sent."""
    if isinstance(case.body, dict) and any(v in customer.other_accounts
                                           for v in case.body.values() if isinstance(v, str)):
        case.body = {k: customer.account_id if isinstance(v, str) and v in customer.other_accounts else v
                     for k, v in case.body.items()}
    path, params = case.operation.path, case.path_parameters or {}
    if path.startswith("/v1/ops/accounts/{account_id}"):
        assert params["account_id"] == customer.account_id, case.as_curl_command()
    if path in ("/v1/ops/prices/{country}", "/v1/ops/countries/{country}"):
        assert params["country"] == FUZZ_COUNTRY, case.as_curl_command()
    if path.startswith("/v1/ops/templates/{template_id}"):
        assert params["template_id"] == customer.pending_template_id, case.as_curl_command()

"""infra/gateway-responses.json: every answer API Gateway gives by itself is our error shape,
and none can echo the request (API Gateway's default template, ``$context.error.messageString``,
repeats the Authorization header for an unknown path)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cfnlint.api import lint_file

from chalicelib.api.errors import STATUS_CODES

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "gateway-responses.json"

#: Every gateway response type of a REST API (API Gateway's GatewayResponseType).
RESPONSE_TYPES = {
    "DEFAULT_4XX", "DEFAULT_5XX", "RESOURCE_NOT_FOUND", "UNAUTHORIZED", "INVALID_API_KEY", "ACCESS_DENIED",
    "AUTHORIZER_FAILURE", "AUTHORIZER_CONFIGURATION_ERROR", "INVALID_SIGNATURE", "EXPIRED_TOKEN",
    "MISSING_AUTHENTICATION_TOKEN", "INTEGRATION_FAILURE", "INTEGRATION_TIMEOUT", "API_CONFIGURATION_ERROR",
    "UNSUPPORTED_MEDIA_TYPE", "BAD_REQUEST_PARAMETERS", "BAD_REQUEST_BODY", "REQUEST_TOO_LARGE", "THROTTLED",
    "QUOTA_EXCEEDED", "WAF_FILTERED",
}


def _responses() -> dict[str, dict]:
    template = json.loads(TEMPLATE.read_text())
    responses = [r["Properties"] for r in template["Resources"].values()]
    assert all(r["Type"] == "AWS::ApiGateway::GatewayResponse" for r in template["Resources"].values())
    by_type = {r["ResponseType"]: r for r in responses}
    assert len(by_type) == len(responses), "a response type is defined twice"
    return by_type


def test_template_lints_clean():
    problems = [f"{m.rule.id} {m.message} ({m.linenumber})" for m in lint_file(TEMPLATE)]
    assert problems == []


def test_every_response_type_is_overridden_on_the_api_given():
    responses = _responses()
    assert set(responses) == RESPONSE_TYPES
    assert all(r["RestApiId"] == {"Ref": "RestApiId"} for r in responses.values())


@pytest.mark.parametrize("response_type", sorted(RESPONSE_TYPES))
def test_each_body_is_our_error_shape_and_echoes_nothing(response_type):
    response = _responses()[response_type]
    templates = response["ResponseTemplates"]
    assert set(templates) == {"application/json"}
    text = templates["application/json"]
    # No mapping-template variable at all: $context.error.messageString, $input, $util,
    # method.request.header.* are all ways to repeat what the caller sent.
    assert "$" not in text and "#" not in text
    assert not re.search(r"messageString|input|header|context|method\.request", text, re.IGNORECASE)
    body = json.loads(text)
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"].isidentifier() and body["error"]["message"]
    for name, value in response.get("ResponseParameters", {}).items():
        assert name.startswith("gatewayresponse.header.")
        assert re.fullmatch(r"'[^'$]*'", value), f"{name} must be a static value, not a mapping of the request"


@pytest.mark.parametrize("response_type", sorted(RESPONSE_TYPES))
def test_status_and_code_agree_with_the_api(response_type):
    response = _responses()[response_type]
    code = json.loads(response["ResponseTemplates"]["application/json"])["error"]["code"]
    status = response.get("StatusCode")
    if status is None:  # keeps the status API Gateway chose: only the catch-alls and the 5xx do
        assert response_type.startswith("DEFAULT_") or code == "internal_error"
        assert code == ("invalid_request" if response_type == "DEFAULT_4XX" else "internal_error")
    else:
        assert 400 <= int(status) < 500 and STATUS_CODES[int(status)] == code


def test_the_answers_a_client_can_trigger_have_their_statuses():
    statuses = {t: r.get("StatusCode") for t, r in _responses().items()}
    assert statuses["MISSING_AUTHENTICATION_TOKEN"] == "404"  # an unknown path or method, with or without credentials
    assert statuses["REQUEST_TOO_LARGE"] == "413"
    assert statuses["THROTTLED"] == statuses["QUOTA_EXCEEDED"] == "429"
    assert statuses["UNAUTHORIZED"] == "401" and statuses["ACCESS_DENIED"] == "403"
    assert statuses["BAD_REQUEST_BODY"] == statuses["BAD_REQUEST_PARAMETERS"] == "400"

"""Callbacks from the carrier: Vonage-format delivery receipts at ``/webhooks/vonage/dlr``.

No caller identity exists here (Vonage calls us), so: when a signature secret is
configured every receipt must carry a valid, fresh ``sig``; receipts only ever apply to the
message their ``client-ref`` and ``msisdn`` both match; and the answer is the same 204
whatever happened, so the endpoint tells a prober nothing.
"""
from __future__ import annotations

from chalice import Response

from ..carrier import platform_credentials
from ..domain import vonage_signature
from ..errors import AuthFailed, InvalidRequest
from ..services import receipts
from .blueprint import Blueprint
from .payload import parse_form, parse_json
from .request import header, parameters, raw_body

bp = Blueprint(__name__)


class InvalidSignature(AuthFailed):
    code = "invalid_signature"

    def __init__(self) -> None:
        super().__init__("the receipt's signature is missing, stale or wrong")

    def headers(self) -> dict[str, str]:
        return {}  # the carrier signs in the body; there is no HTTP scheme to offer

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@bp.route("/webhooks/vonage/dlr", methods=["GET"])
def vonage_dlr_get():
    """A delivery receipt in the query string (Vonage's GET callback method)."""
    return _receive(bp.current_request)


@bp.route("/webhooks/vonage/dlr", methods=["POST"], content_types=[JSON, FORM])
def vonage_dlr_post():
    """A delivery receipt as a JSON (Vonage's default) or form body."""
    return _receive(bp.current_request)


def _receive(request) -> Response:
    params = receipt_params(request)
    secret = platform_credentials().get("signature_secret")
    if secret and not vonage_signature.verify(params, secret):
        raise InvalidSignature()
    receipts.apply(receipts.parse(params))
    return Response(body="", status_code=204)


def receipt_params(request) -> dict:
    """GET receipts come in the query string; POST ones as JSON (Vonage's default) or a form.
    Both are read with the same caps and string rules as every other route (``api.payload``)."""
    params: dict = parameters(request)
    raw = raw_body(request)
    if request.method == "POST" and raw:
        if (header(request, "content-type") or "").startswith(FORM):
            params.update(parse_form(raw))
        else:
            params.update(_json_receipt(raw))
    return params


def _json_receipt(raw: bytes) -> dict:
    body = parse_json(raw)
    if not isinstance(body, dict):
        raise InvalidRequest("body", "is not a JSON object or form data")
    return body

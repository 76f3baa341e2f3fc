"""Callbacks from the carrier: Vonage Voice call events at ``/webhooks/vonage/voice/events``.

No caller identity exists here (Vonage calls us), so every event must carry Vonage's signed
``Authorization: Bearer`` JWT (HS256 with the account's signature secret, the body's sha256
in ``payload_hash``); without a configured secret nothing verifies and every event is
refused. A verified event is answered 200 whatever became of it (a call on a number nobody
holds is dropped), so Vonage does not retry what cannot succeed and a prober learns nothing.
"""
from __future__ import annotations

from ..carrier import platform_credentials
from ..domain import voice_signature
from ..errors import AuthFailed, InvalidRequest
from ..services import voice
from .blueprint import Blueprint
from .payload import parse_json
from .request import header, raw_body

bp = Blueprint(__name__)

JSON = "application/json"


class InvalidEventSignature(AuthFailed):
    code = "invalid_signature"

    def __init__(self) -> None:
        super().__init__("the event's signature is missing, stale or wrong")

    def headers(self) -> dict[str, str]:
        return {}  # Vonage signs with its own JWT; there is no scheme to offer a caller


@bp.route("/webhooks/vonage/voice/events", methods=["POST"], content_types=[JSON])
def vonage_voice_event():
    """A call event (started, ringing, answered, completed, busy, ...) as Vonage posts it."""
    request = bp.current_request
    body = raw_body(request)
    secret = platform_credentials().get("signature_secret")
    if not secret or not voice_signature.verify_event(header(request, "authorization"), body, secret):
        raise InvalidEventSignature()
    event = parse_json(body) if body else None
    if not isinstance(event, dict):
        raise InvalidRequest("body", "is not a JSON object")
    voice.record_event(event)
    return {"status": "received"}

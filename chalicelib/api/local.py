"""Local-stage-only endpoints: what the platform sent to users, and where things run.

On every cloud stage these answer 404, as if absent. The outbox reads the real emulators:
emails from moto's SES (its ``/moto-api/data.json``, each email stamped with ``sent_at`` by
the local stack's moto process: devstack/moto_fixes.py), SMS from the carrier simulator.
"""
from __future__ import annotations

import os

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from ..config import settings
from ..errors import InvalidRequest, NotFound, UpstreamUnavailable
from .blueprint import Blueprint
from .request import query

bp = Blueprint(__name__)


def _local_only() -> None:
    if not settings().is_local:
        raise NotFound("Resource")


@bp.route("/local/info", methods=["GET"])
def info():
    _local_only()
    cfg = settings()
    body = {"api_url": os.environ.get("JMC_API_URL"), "aws_endpoint_url": cfg.aws_endpoint_url,
            "carrier_url": cfg.carrier_url}
    for env_name, key in (("JMC_API_TLS_URL", "api_tls_url"), ("JMC_CA_BUNDLE", "ca_bundle")):
        if os.environ.get(env_name):
            body[key] = os.environ[env_name]
    return body


@bp.route("/local/outbox", methods=["GET"])
def outbox():
    """What the platform sent to one email address or phone number, newest first.

    ``to`` an email address lists emails, a phone number SMS; each entry has ``sent_at``
    (UTC, when SES or the carrier took it)."""
    _local_only()
    to = query(bp.current_request).get("to", "").strip()
    if not to:
        raise InvalidRequest("to", "is required (an email address or phone number)")
    messages = _emails_to(to) if "@" in to else _sms_to(to)
    return {"to": to, "messages": _newest_first(messages)}


def _newest_first(messages: list[dict]) -> list[dict]:
    # Both sources list in the order sent; reversed first, so entries sent within the same
    # millisecond stay newest first through the (stable) sort.
    return sorted(reversed(messages), key=lambda m: m["sent_at"] or "", reverse=True)


def _emails_to(address: str) -> list[dict]:
    data = _get_json(f"{settings().aws_endpoint_url}/moto-api/data.json")
    sent = data.get("ses", {}).get("Message", [])
    wanted = address.lower()
    mine = [m for m in sent if wanted in [a.lower() for a in m.get("destinations", {}).get("ToAddresses", [])]]
    return [{"channel": "email", "id": m.get("id"), "to": address, "from": m.get("source"),
             "subject": m.get("subject"), "body": m.get("body"), "sent_at": m.get("sent_at")} for m in mine]


def _sms_to(phone: str) -> list[dict]:
    """One entry per message: the simulator lists one row per segment, each with the whole
    text, so only first parts are kept (``id`` is the first part's id)."""
    digits = phone.lstrip("+").replace(" ", "")
    data = _get_json(f"{settings().carrier_url}/_sim/messages", params={"to": digits})
    return [{"channel": "sms", "id": m.get("message-id"), "to": "+" + m.get("to", "").lstrip("+"),
             "from": m.get("from"), "body": m.get("text"), "sent_at": m.get("received_at")}
            for m in data.get("messages", []) if m.get("part", 1) == 1]


def _emulator_session() -> requests.Session:
    """moto builds ``/moto-api/data.json`` by walking every backend while requests change
    them, and now and then answers 500 for it: a GET is retried a few times before the
    outbox reports the emulator unavailable."""
    session = requests.Session()
    retries = Retry(total=4, backoff_factor=0.2, status_forcelist=(500, 502, 503), allowed_methods=("GET",))
    session.mount("http://", HTTPAdapter(max_retries=retries))
    return session


_EMULATORS = _emulator_session()


def _get_json(url: str, params: dict | None = None) -> dict:
    try:
        response = _EMULATORS.get(url, params=params, timeout=5)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as exc:
        raise UpstreamUnavailable(f"could not read the local emulator: {exc}") from None

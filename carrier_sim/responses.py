"""The simulator's HTTP plumbing, shared by every carrier API it serves.

``CarrierRequestHandler`` drains the body, looks the route up in its server's ``routes``,
calls it and renders the ``Reply`` as JSON. A path is looked up as it is, else against
templates with ``{name}`` segments (``/v1/calls/{uuid}``), whose values reach the route in
``Request.path_params``. A route is a function ``(state, request) ->
Reply`` in its API's ``*_responses`` module (``sms_responses.SMS_ROUTES``); the server
chooses which APIs it serves. ``SIM_ROUTES`` are the endpoints that belong to no one API.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from .models import CarrierState


@dataclass(frozen=True)
class Request:
    query: str  # the raw query string
    body: bytes
    headers: Message  # looked up case-insensitively, as HTTP headers are
    path_params: Mapping[str, str] = field(default_factory=dict)  # a template route's {name} segments


@dataclass(frozen=True)
class Reply:
    status: int
    payload: dict


Route = Callable[["CarrierState", Request], Reply]
Routes = Mapping[tuple[str, str], Route]  # (method, path) -> route


def health(state: CarrierState, request: Request) -> Reply:
    return Reply(200, {"status": "ok"})


def get_config(state: CarrierState, request: Request) -> Reply:
    return Reply(200, state.account.config())


def put_config(state: CarrierState, request: Request) -> Reply:
    """A shallow merge, all or nothing: 400 names the first bad key and applies nothing."""
    try:
        patch = json.loads(request.body or b"{}")
        if not isinstance(patch, dict):
            raise ValueError("config must be a JSON object")
        return Reply(200, state.configure(patch))
    except ValueError as exc:  # JSONDecodeError is a ValueError too
        return Reply(400, {"error": str(exc)})


def find_route(routes: Routes, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for ``method`` and ``path`` and its path parameters: an exact path first,
    else the first template (``/v1/calls/{uuid}``) whose segments match; None if none does."""
    route = routes.get((method, path))
    if route is not None:
        return route, {}
    segments = path.split("/")
    for (route_method, template), candidate in routes.items():
        if route_method == method and "{" in template:
            params = _template_match(template.split("/"), segments)
            if params is not None:
                return candidate, params
    return None


def _template_match(template: list[str], segments: list[str]) -> dict[str, str] | None:
    if len(template) != len(segments):
        return None
    params = {}
    for part, segment in zip(template, segments, strict=True):
        if part.startswith("{") and part.endswith("}"):
            if not segment:
                return None
            params[part[1:-1]] = segment
        elif part != segment:
            return None
    return params


SIM_ROUTES: Routes = {
    ("GET", "/health"): health,
    ("GET", "/_sim/config"): get_config,
    ("PUT", "/_sim/config"): put_config,
}


class ServesRoutes(Protocol):
    """What the handler needs from its server."""
    state: CarrierState
    routes: Routes


class CarrierRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real API: the client reuses connections
    timeout = 30  # drop idle keep-alive connections instead of holding a thread forever
    server: ServesRoutes  # type: ignore[assignment]  # narrower than the base class's

    def do_GET(self):
        self._route("GET")

    def do_POST(self):
        self._route("POST")

    def do_PUT(self):
        self._route("PUT")

    def do_DELETE(self):
        self._route("DELETE")

    def log_message(self, format, *args):
        pass  # quiet: tests and the local stack would drown in access logs

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        body = self._read_body()  # always drain it, or the next request on this connection breaks
        found = find_route(self.server.routes, method, url.path)
        if found is None:
            self._send_json(404, {"error": f"no route {method} {url.path}"})
            return
        route, path_params = found
        reply = route(self.server.state, Request(url.query, body, self.headers, path_params))
        self._send_json(reply.status, reply.payload)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send_json(self, code: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

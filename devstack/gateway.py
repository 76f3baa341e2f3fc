"""The local API gateway: what API Gateway answers by itself (no such path, no such method,
a request too large or malformed), answered in our error shape and echoing nothing.

chalice's ``LocalGateway`` imitates API Gateway's REST APIs faithfully, including the answer
to an unknown path: a 403, which for a request carrying an ``Authorization`` header repeats
the header (``Authorization=Basic <key:secret>``, or the caller's JWT). Its request handler is
``http.server``'s, which answers a request it cannot parse, and any method it has no ``do_``
for (``TRACE``), with an HTML page. Here both give our ``{"error": {code, message}}`` instead;
on AWS, ``infra/gateway-responses.json`` does the same for API Gateway's own answers (where
an undeclared method is a 404 like an unknown path: one gateway response serves both).

- an unknown path: 404 ``not_found``;
- a method no route declares (``TRACE``, ``HEAD``, ``FOO``), on any path, or a method the path
  does not declare: 405 ``method_not_allowed``, with ``Allow`` where the path exists;
- a request line over http.server's 64 KiB: 414 ``uri_too_long``; a body over API Gateway's
  10 MB: 413; a Content-Length that is no number: 400; every other refusal of http.server's
  in our shape too, with its reason phrase, never its message (which quotes the request).
"""
from __future__ import annotations

import json
import os
from typing import Any

from chalice.local import ChaliceRequestHandler, LocalGateway, RouteMatcher

from chalicelib.api.errors import status_response
from devstack import portal
from devstack.access_log import AccessLogHandler

#: API Gateway's payload limit for REST APIs; the local server refuses larger bodies unread.
MAX_REQUEST_BYTES = 10 * 1024 * 1024
#: What http.server refuses, in words that quote nothing of the request (others: the reason phrase).
SERVER_REFUSALS = {400: "The request is malformed", 414: "The request line is too long",
                   431: "The request headers are too long or too many"}
#: Methods the gateway answers for any path that exists (chalice's CORS preflight).
GATEWAY_METHODS = frozenset({"OPTIONS"})


class ApiGateway(LocalGateway):
    """chalice's LocalGateway, answering unknown paths and undeclared methods itself, in our
    error shape, before any view (or authorizer) runs."""

    def __init__(self, app_object: Any, config: Any) -> None:
        super().__init__(app_object, config)
        self._routes = app_object.routes
        self._matcher = RouteMatcher(list(app_object.routes))
        self._declared = GATEWAY_METHODS.union(*(methods.keys() for methods in app_object.routes.values()))

    def handle_request(self, method: str, path: str, headers: Any, body: bytes | None) -> Any:
        route = self._route(path)
        allowed = GATEWAY_METHODS.union(self._routes[route]) if route else frozenset()
        if method not in self._declared or (route and method not in allowed):
            allow = {"Allow": ", ".join(sorted(allowed))} if route else None
            return status_response(405, "This method is not allowed here", allow).to_dict()
        if route is None:
            return status_response(404, "Nothing is at this path").to_dict()
        return super().handle_request(method, path, headers, body)

    def _route(self, path: str) -> str | None:
        try:
            return self._matcher.match_route(path).route
        except ValueError:  # chalice's way of saying no route matches
            return None


class RequestHandler(AccessLogHandler):
    """chalice's request handler (logging as ``AccessLogHandler`` does) with ``ApiGateway``
    behind it, and every refusal of its own (http.server's) in our error shape."""

    # http.server answers a request line it cannot parse as HTTP/0.9 would be answered: a
    # body without a status line. Nobody speaks 0.9; a status line lets the client read the 400.
    default_request_version = "HTTP/1.0"

    def __init__(self, request: Any, client_address: Any, server: Any, app_object: Any, config: Any) -> None:
        # As ChaliceRequestHandler.__init__, with our gateway: the base class serves the
        # connection inside its __init__, so the gateway must be there first.
        self.local_gateway = ApiGateway(app_object, config)
        super(ChaliceRequestHandler, self).__init__(request, client_address, server)

    def __getattr__(self, name: str) -> Any:
        """Every method http.server has no ``do_`` for goes to the gateway (which answers 405),
        not to http.server's HTML 501."""
        if name.startswith("do_"):
            return self._generic_handle
        raise AttributeError(name)

    def _generic_handle(self) -> None:
        length = self.headers.get("content-length", "0")
        if portal.handles(self.command, self.path):
            self._send_portal()
        elif not (length.isascii() and length.isdigit()):
            self._send_refusal(400, "Content-Length must be a number of bytes")
        elif int(length) > MAX_REQUEST_BYTES:
            self._send_refusal(413, f"The request body must be at most {MAX_REQUEST_BYTES:,} bytes")
        else:
            super()._generic_handle()

    def _send_portal(self) -> None:
        # Presigned uploads go from the browser to S3 (locally moto, at AWS_ENDPOINT_URL).
        response = portal.respond(self.path, tls=self.server_tls, upload_from=os.environ.get("AWS_ENDPOINT_URL"))
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if "Content-Length" not in response.headers:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    @property
    def server_tls(self) -> bool:
        return hasattr(self.connection, "getpeercert")

    # ChaliceRequestHandler binds these to its own _generic_handle.
    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def _send_http_response_with_body(self, code: int, headers: Any, body: Any) -> None:
        # A HEAD answer has no body; chalice writes one, which a kept-alive client would read
        # as the start of its next answer.
        if self.command == "HEAD":
            self._send_http_response_no_body(code, headers)
        else:
            super()._send_http_response_with_body(code, headers, body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's refusals (a request line too long or malformed, too many headers) in
        our shape. Its ``message`` is logged, not sent: it quotes the request."""
        self.log_error("code %d, message %s", code, message)
        self._send_refusal(code, SERVER_REFUSALS.get(code))

    def _send_refusal(self, status: int, message: str | None = None) -> None:
        """Answer ``status`` in our shape and close the connection: whatever of the request was
        not read must not be taken for the next one."""
        response = status_response(status, message)
        body = json.dumps(response.body).encode()
        self.send_response(status)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

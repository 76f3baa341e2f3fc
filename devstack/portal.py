"""The portal on the API's own origin: the built SPA (``web/dist``) under ``/portal/``, and
``/`` redirecting there. On AWS CloudFront does the same from S3 (infra/portal.json); here
the local gateway asks this module first, so API paths never reach it.

The headers are the ones CloudFront adds (see ``SECURITY_HEADERS``): a strict CSP with no
inline script, frames refused, no sniffing. Hashed assets are immutable; ``index.html`` is
never cached, so a rebuild is seen on the next reload.
"""
from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "web" / "dist"
PREFIX = "/portal/"

#: Kept in step with infra/portal.json's response headers policy (a test compares them).
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
                                "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
#: Sent over TLS only (browsers ignore it on plain http).
HSTS = "max-age=63072000; includeSubDomains"


@dataclass(frozen=True)
class StaticResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def handles(method: str, path: str) -> bool:
    """Whether a request is the portal's (not the API's)."""
    path = path.split("?", 1)[0]
    return method in ("GET", "HEAD") and (path in ("/", "/portal") or path.startswith(PREFIX))


def respond(path: str, tls: bool = False, dist: Path = DIST) -> StaticResponse:
    path = path.split("?", 1)[0]
    headers = dict(SECURITY_HEADERS)
    if tls:
        headers["Strict-Transport-Security"] = HSTS
    if path in ("/", "/portal"):
        return StaticResponse(302, {**headers, "Location": PREFIX, "Content-Length": "0"}, b"")
    file = _file(path[len(PREFIX):], dist)
    if file is None:
        if not (dist / "index.html").is_file():
            body = b"The portal is not built: run `make run` (it builds web/) or `npm --prefix web run build`.\n"
            return StaticResponse(503, {**headers, "Content-Type": "text/plain; charset=utf-8"}, body)
        body = b"Not found\n"
        return StaticResponse(404, {**headers, "Content-Type": "text/plain; charset=utf-8"}, body)
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type in ("application/javascript", "image/svg+xml"):
        content_type += "; charset=utf-8"
    immutable = file.parent.name == "assets"
    headers.update({"Content-Type": content_type,
                    "Cache-Control": "public, max-age=31536000, immutable" if immutable else "no-cache"})
    return StaticResponse(200, headers, file.read_bytes())


def _file(relative: str, dist: Path) -> Path | None:
    """The file under ``dist`` for a request path (``index.html`` for the root), never outside it."""
    relative = relative or "index.html"
    candidate = (dist / relative).resolve()
    if dist.resolve() not in candidate.parents or not candidate.is_file():
        return None
    return candidate

"""The portal on the API's own origin: the built SPA (``web/dist``) under ``/portal/``, and
``/`` redirecting there. On AWS CloudFront does the same from S3 (infra/portal.json); here
the local gateway asks this module first, so API paths never reach it.

The headers are the ones CloudFront adds (see ``SECURITY_HEADERS``): a strict CSP with no
inline script, frames refused, no sniffing. Hashed assets are immutable; ``index.html`` is
never cached, so a rebuild is seen on the next reload.
"""
from __future__ import annotations

import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
#: ``JMC_PORTAL_DIST`` serves another build (a developer's or a parallel test run's).
DIST = Path(os.environ.get("JMC_PORTAL_DIST") or ROOT / "web" / "dist")
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


def upload_origin(url: str | None) -> str | None:
    """The origin (``scheme://host[:port]``) of the endpoint the browser sends large number
    lists to (the presigned S3 POST): locally moto's server (``AWS_ENDPOINT_URL``)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c in parts.netloc for c in " ;,'\"*"):
        return None
    return f"{parts.scheme}://{parts.netloc}"


def security_headers(upload_from: str | None = None) -> dict[str, str]:
    """``SECURITY_HEADERS``, with ``connect-src`` also allowing the uploads endpoint's origin
    (the browser posts a presigned upload there, with progress, through XMLHttpRequest)."""
    headers = dict(SECURITY_HEADERS)
    origin = upload_origin(upload_from)
    if origin:
        headers["Content-Security-Policy"] = headers["Content-Security-Policy"].replace(
            "connect-src 'self'", f"connect-src 'self' {origin}")
    return headers


def respond(path: str, tls: bool = False, dist: Path = DIST, upload_from: str | None = None) -> StaticResponse:
    """The portal's answer for ``path``; ``upload_from`` is the S3 endpoint presigned uploads
    go to (the gateway passes the stack's ``AWS_ENDPOINT_URL``), allowed in ``connect-src``."""
    path = path.split("?", 1)[0]
    headers = security_headers(upload_from)
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
    """The file under ``dist`` for a request path (``index.html`` for the root), never outside it
    and never a hidden one (Vite's ``.vite/manifest.json`` maps every source file)."""
    relative = relative or "index.html"
    root = dist.resolve()
    candidate = (root / relative).resolve()
    if root not in candidate.parents or not candidate.is_file():
        return None
    hidden = any(part.startswith(".") for part in candidate.relative_to(root).parts)
    return None if hidden else candidate

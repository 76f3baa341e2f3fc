"""The portal on the API's origin (devstack/portal.py): what is served, with which headers,
and that nothing outside the build is reachable."""
from __future__ import annotations

from pathlib import Path

import pytest

from devstack import portal


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>JMC</title>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path.parent / "secret.txt").write_text("not for the web")
    (tmp_path / ".vite").mkdir()
    (tmp_path / ".vite" / "manifest.json").write_text('{"not for the web": 1}')
    return tmp_path


@pytest.mark.parametrize(("method", "path", "mine"), [
    ("GET", "/", True), ("GET", "/portal", True), ("GET", "/portal/", True), ("HEAD", "/portal/assets/a.js", True),
    ("GET", "/portal/?x=1", True), ("POST", "/portal/", False), ("GET", "/v1/me", False),
    ("GET", "/portalx", False), ("GET", "/health", False),
])
def test_only_the_portal_paths_are_taken_from_the_api(method, path, mine):
    assert portal.handles(method, path) is mine


def test_the_root_redirects_to_the_portal(dist):
    response = portal.respond("/", dist=dist)
    assert response.status == 302
    assert response.headers["Location"] == "/portal/"


def test_index_is_served_uncached_with_the_security_headers(dist):
    response = portal.respond("/portal/", dist=dist)
    assert response.status == 200
    assert response.body.startswith(b"<!doctype html>")
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache"
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-eval" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_is_sent_over_tls(dist):
    assert portal.respond("/portal/", tls=True, dist=dist).headers["Strict-Transport-Security"].startswith("max-age=")


def test_hashed_assets_are_immutable(dist):
    response = portal.respond("/portal/assets/index-abc123.js", dist=dist)
    assert response.status == 200
    assert response.body == b"console.log(1)"
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers["Content-Type"].startswith(("text/javascript", "application/javascript"))


@pytest.mark.parametrize("path", ["/portal/../secret.txt", "/portal/%2e%2e/secret.txt",
                                  "/portal/assets/../../secret.txt", "/portal/nothing.js", "/portal/assets",
                                  "/portal/.vite/manifest.json", "/portal/assets/../.vite/manifest.json"])
def test_nothing_outside_the_build_or_missing_is_served(dist, path):
    response = portal.respond(path, dist=dist)
    assert response.status == 404
    assert b"not for the web" not in response.body


def test_an_unbuilt_portal_says_how_to_build_it(tmp_path):
    response = portal.respond("/portal/", dist=tmp_path / "missing")
    assert response.status == 503
    assert b"make run" in response.body


def test_the_uploads_endpoint_is_allowed_to_connect_to_and_nothing_else(dist):
    """Large number lists go from the browser to S3's presigned POST (locally moto's port)."""
    csp = portal.respond("/portal/", dist=dist, upload_from="http://127.0.0.1:5123/").headers["Content-Security-Policy"]
    assert "connect-src 'self' http://127.0.0.1:5123;" in csp
    assert csp.count("127.0.0.1:5123") == 1  # connect-src only: no script, frame or form source
    assert portal.respond("/portal/", dist=dist).headers["Content-Security-Policy"] == \
        portal.SECURITY_HEADERS["Content-Security-Policy"]


@pytest.mark.parametrize("url", ["", "ftp://x.example", "http://a.example; script-src *", "not a url", None])
def test_an_odd_uploads_endpoint_adds_nothing_to_the_policy(dist, url):
    assert portal.respond("/portal/", dist=dist, upload_from=url).headers["Content-Security-Policy"] == \
        portal.SECURITY_HEADERS["Content-Security-Policy"]

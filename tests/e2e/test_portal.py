"""The portal is served by the local stack on the API's own origin (``make test`` builds it
first): ``/`` leads to it, its assets load, the API beside it is unchanged."""
from __future__ import annotations

import re

import pytest
import requests

pytestmark = pytest.mark.e2e


def test_the_root_leads_to_the_built_portal_with_its_security_headers(stack):
    reply = requests.get(f"{stack.base}/", timeout=10)
    assert reply.history and reply.history[0].status_code == 302
    assert reply.url == f"{stack.base}/portal/"
    assert reply.status_code == 200 and "text/html" in reply.headers["Content-Type"]
    assert "frame-ancestors 'none'" in reply.headers["Content-Security-Policy"]
    scripts = re.findall(r'src="(/portal/assets/[^"]+\.js)"', reply.text)
    assert scripts, reply.text
    asset = requests.get(stack.base + scripts[0], timeout=10)
    assert asset.status_code == 200 and "immutable" in asset.headers["Cache-Control"]


def test_hsts_on_the_tls_port_and_the_api_unchanged_beside_the_portal(stack):
    reply = requests.get(f"{stack.info['api_tls_url']}/portal/", timeout=10, verify=stack.info["ca_bundle"])
    assert reply.status_code == 200 and "max-age=" in reply.headers["Strict-Transport-Security"]
    assert requests.get(f"{stack.base}/health", timeout=10).json() == {"status": "ok"}
    assert requests.post(f"{stack.base}/portal/", timeout=10).status_code == 404

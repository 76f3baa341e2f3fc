"""infra/portal.json: CloudFront serves the portal from a private bucket and the API from API
Gateway on one origin, with the same security headers the local stack sends
(devstack/portal.py), HSTS added; the API is never cached and gets the viewer's headers."""
from __future__ import annotations

import json
import re
from pathlib import Path

from cfnlint.api import lint_file

from devstack import portal

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "portal.json"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


def _template() -> dict:
    return json.loads(TEMPLATE.read_text())


def _resource(name: str) -> dict:
    return _template()["Resources"][name]["Properties"]


def test_template_lints_clean():
    assert [f"{m.rule.id} {m.message} ({m.linenumber})" for m in lint_file(TEMPLATE)] == []


def test_the_portals_headers_are_the_local_stacks_plus_hsts():
    config = _resource("PortalHeaders")["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = config["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    # connect-src adds the files bucket, where the browser posts a presigned number list
    uploads = re.search(r"connect-src 'self'((?: https://jmc-\$\{Stage\}-files\.s3\.[^ ;]+)+);", csp)
    assert uploads, csp
    assert csp.replace(uploads.group(1), "") == portal.SECURITY_HEADERS["Content-Security-Policy"]
    assert config["FrameOptions"]["FrameOption"] == portal.SECURITY_HEADERS["X-Frame-Options"]
    assert config["ReferrerPolicy"]["ReferrerPolicy"] == portal.SECURITY_HEADERS["Referrer-Policy"]
    assert "ContentTypeOptions" in config
    hsts = config["StrictTransportSecurity"]
    assert f"max-age={hsts['AccessControlMaxAgeSec']}" in portal.HSTS and hsts["IncludeSubdomains"]
    assert all(header.get("Override") for header in config.values())


def test_api_paths_go_to_api_gateway_uncached_with_the_viewers_headers():
    distribution = _resource("Distribution")["DistributionConfig"]
    api = distribution["DefaultCacheBehavior"]
    assert api["TargetOriginId"] == "api" and api["ViewerProtocolPolicy"] == "https-only"
    assert api["CachePolicyId"] == CACHING_DISABLED
    assert api["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER  # Authorization, query, body
    assert {"POST", "PUT", "PATCH", "DELETE"} <= set(api["AllowedMethods"])
    (spa,) = distribution["CacheBehaviors"]
    assert spa["PathPattern"] == "/portal*" and spa["TargetOriginId"] == "portal"
    assert spa["AllowedMethods"] == ["GET", "HEAD"]


def test_the_bucket_is_private_and_read_by_this_distribution_only():
    bucket = _resource("PortalBucket")
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    statements = _resource("PortalBucketPolicy")["PolicyDocument"]["Statement"]
    reads = [s for s in statements if s["Effect"] == "Allow"]
    assert len(reads) == 1 and reads[0]["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert "${Distribution}" in reads[0]["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]


def test_the_root_redirect_matches_the_local_stack():
    code = _resource("RootRedirect")["FunctionCode"]
    for path in ("/", "/portal"):
        assert f"uri === '{path}'" in code and portal.handles("GET", path)
    assert "'/portal/'" in code and portal.PREFIX == "/portal/"

"""The web pages in the cloud: a private bucket behind CloudFront, sharing one origin with the API.

The routing function is executed with Node.js (the cloudfront-js runtime is plain ECMAScript), so the test holds
it to the same page routing the local gateway does: a page's client-side routes get that page's index.html.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
PAGES = ("dashboard", "public", "app", "designer")


def _resources(template: dict[str, Any]) -> dict[str, Any]:
    return dict(template["Resources"])


def _distribution(template: dict[str, Any]) -> dict[str, Any]:
    return dict(_resources(template)["WebDistribution"]["Properties"]["DistributionConfig"])


def test_web_bucket_is_private_and_read_only_by_the_distribution(template: dict[str, Any]) -> None:
    """Given the web bucket, when its access is read, then no public access exists and only the distribution
    (by its own ARN, through origin access control) may read, over TLS only."""
    resources = _resources(template)
    block = resources["WebBucket"]["Properties"]["PublicAccessBlockConfiguration"]
    assert all(block[setting] is True for setting in block)
    statements = resources["WebBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allows = [statement for statement in statements if statement["Effect"] == "Allow"]
    assert len(allows) == 1
    (allow,) = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert "${WebDistribution}" in allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert any(
        statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for statement in statements
    )


def test_pages_and_api_share_one_origin(template: dict[str, Any]) -> None:
    """Given the distribution, when its behaviours are read, then pages come from the bucket and /v1/* and
    /open311/* go uncached to the API stage with every method, all over HTTPS."""
    config = _distribution(template)
    origins = {origin["Id"]: origin for origin in config["Origins"]}
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "pages"
    assert origins["pages"]["OriginAccessControlId"] == {"Fn::GetAtt": ["WebOriginAccessControl", "Id"]}
    assert "${KobanApi}" in origins["api"]["DomainName"]["Fn::Sub"]
    assert origins["api"]["OriginPath"] == {"Fn::Sub": "/${Stage}"}
    behaviours = {behaviour["PathPattern"]: behaviour for behaviour in config["CacheBehaviors"]}
    assert set(behaviours) == {"/v1/*", "/open311/*"}
    for behaviour in behaviours.values():
        assert behaviour["TargetOriginId"] == "api"
        assert behaviour["CachePolicyId"] == CACHING_DISABLED
        assert {"POST", "PATCH", "PUT", "DELETE"} <= set(behaviour["AllowedMethods"])
    for behaviour in [config["DefaultCacheBehavior"], *behaviours.values()]:
        assert behaviour["ViewerProtocolPolicy"] in {"https-only", "redirect-to-https"}


def test_pages_may_load_scripts_from_their_own_origin_only(template: dict[str, Any]) -> None:
    """Given the security headers, when the content security policy is read, then scripts come from 'self' only
    (front-end libraries are bundled at build time; nothing loads from a CDN) and only pages of the same origin may
    frame them (the designer's live preview of the citizen app)."""
    policy = _resources(template)["WebSecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    csp = policy["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert "script-src" not in directives  # falls back to default-src
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'self'"
    assert policy["SecurityHeadersConfig"]["FrameOptions"]["FrameOption"] == "SAMEORIGIN"
    assert "unsafe-eval" not in csp


def _node() -> str:
    node = shutil.which("node")
    assert node, "Node.js (Debian's nodejs) runs the CloudFront function and builds the web pages"
    return node


ROUTING_CASES = [
    # (viewer URI, the URI asked of the bucket, or a redirect location)
    ("/dashboard/", "/dashboard/index.html"),
    ("/dashboard", "redirect:/dashboard/"),
    ("/dashboard/main.js", "/dashboard/main.js"),
    ("/public/pilot-nl/", "/public/index.html"),
    ("/public/pilot-nl", "/public/index.html"),
    ("/app/pilot-pl/report/track", "/app/index.html"),
    ("/app/assets/icon-192.png", "/app/assets/icon-192.png"),
    ("/app/sw.js", "/app/sw.js"),
    ("/app/pilot-nl/manifest.webmanifest", "/app/pilot-nl/manifest.webmanifest"),
    ("/designer/", "/designer/index.html"),
    ("/designer", "redirect:/designer/"),
    ("/", "/"),
]


def test_routing_function_gives_each_page_its_index_for_client_side_routes(template: dict[str, Any]) -> None:
    """Given the viewer-request function, when it is run on page URIs, then client-side routes get their page's
    index.html, files pass through unchanged and a page root without its slash is redirected."""
    code = _resources(template)["WebPageRouting"]["Properties"]["FunctionCode"]
    script = code + (
        "const uris = JSON.parse(process.argv[1]);\n"
        "console.log(JSON.stringify(uris.map((uri) => {\n"
        "  const result = handler({request: {uri: uri, querystring: {}}});\n"
        "  return result.statusCode ? 'redirect:' + result.headers.location.value : result.uri;\n"
        "})));\n"
    )
    uris = [uri for uri, _ in ROUTING_CASES]
    completed = subprocess.run(
        [_node(), "-e", script, json.dumps(uris)], capture_output=True, text=True, check=True, timeout=30
    )
    assert json.loads(completed.stdout) == [expected for _, expected in ROUTING_CASES]

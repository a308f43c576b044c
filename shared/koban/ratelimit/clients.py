"""Who a bucket belongs to: the client's address, turned into a keyed hash at once (an address is personal data;
only the hash is stored, and without the key it cannot be brute-forced back from the 2^32 IPv4 addresses).

In the cloud the API sits behind CloudFront, so `requestContext.identity.sourceIp` is an edge server's. A CloudFront
Function on the API's behaviours writes the viewer's address into `X-Koban-Viewer-Address` (overwriting whatever
the client sent), and the API origin adds `X-Koban-Edge-Key` (a secret) to every request it forwards. The viewer
address is believed only with that key: a caller of the API's own execute-api URL could send any header it likes.
(`CloudFront-Viewer-Address` cannot be used: an origin request policy that adds it must also forward `Host`, which
API Gateway refuses, or list the headers, which cannot include `Authorization`.) `X-Forwarded-For` is never read:
any client can write it. Locally the gateway sets `sourceIp` from its socket.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Mapping
from typing import Any

VIEWER_ADDRESS_HEADER = "x-koban-viewer-address"
EDGE_KEY_HEADER = "x-koban-edge-key"
# A household or a phone gets a whole IPv6 /64 and may change address within it at will.
IPV6_CLIENT_PREFIX = 64


def _headers(event: Mapping[str, Any]) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in (event.get("headers") or {}).items()}


def _normalised(address: str) -> str | None:
    try:
        parsed = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, IPV6_CLIENT_PREFIX), strict=False))
    return str(parsed)


def client_address(event: Mapping[str, Any], edge_key: str) -> str:
    """The address a request came from: the viewer's when the request provably came through CloudFront."""
    headers = _headers(event)
    if edge_key and hmac.compare_digest(headers.get(EDGE_KEY_HEADER, "").encode(), edge_key.encode()):
        viewer = _normalised(headers.get(VIEWER_ADDRESS_HEADER, ""))
        if viewer is not None:
            return viewer
    source = ((event.get("requestContext") or {}).get("identity") or {}).get("sourceIp")
    return _normalised(str(source or "")) or "unknown"


def client_hash(address: str, key: str) -> str:
    """The bucket's owner: HMAC-SHA256 of the address, 128 bits (collisions are no concern at that length)."""
    return hmac.new(key.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]

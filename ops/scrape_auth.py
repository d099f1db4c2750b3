"""Who may read the metrics: a bearer token, or a client address in an allowed network.

Both come from settings (``METRICS_TOKEN``, ``METRICS_ALLOWED_NETWORKS``); with neither set the
metrics are not served at all. A request that came through a proxy (it carries
``X-Forwarded-For``) is never let in by its address, because the address seen is the proxy's:
behind a proxy, use the token, or keep the path off the proxy.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    status: int  # 200, or 401 (no or wrong token), 403 (address refused), 404 (disabled)
    reason: str


def _networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in settings.METRICS_ALLOWED_NETWORKS]


def judge(*, remote_addr: str | None, authorization: str | None, forwarded: bool) -> Verdict:
    token = settings.METRICS_TOKEN
    networks = _networks()
    if not token and not networks:
        return Verdict(False, 404, "metrics are disabled (set METRICS_TOKEN or networks)")
    if token and authorization:
        scheme, _, given = authorization.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token):
            return Verdict(True, 200, "token")
        return Verdict(False, 401, "wrong token")
    if networks and remote_addr and not forwarded:
        try:
            address = ipaddress.ip_address(remote_addr)
        except ValueError:
            address = None
        if address is not None and any(address in n for n in networks):
            return Verdict(True, 200, "network")
    if token:
        return Verdict(False, 401, "a bearer token is required")
    return Verdict(False, 403, "this address may not read the metrics")

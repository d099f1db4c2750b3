"""Signing deliveries (Stripe-like): ``X-Readiness-Signature: t=<unix>,v1=<hex>``.

``v1`` is the hex HMAC-SHA256, keyed with the endpoint's secret, of ``"<t>.<raw body>"``.
Receivers recompute it over the exact bytes they received and compare in constant time, and
refuse a ``t`` too far from their clock (replays). Pure functions: no ORM, no clock unless given.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Readiness-Signature"
DEFAULT_TOLERANCE = 300  # seconds


def compute(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def header_value(secret: str, body: bytes, timestamp: int | None = None) -> str:
    ts = int(time.time()) if timestamp is None else timestamp
    return f"t={ts},v1={compute(secret, ts, body)}"


def verify(
    secret: str,
    body: bytes,
    header: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: int | None = None,
) -> bool:
    """True if ``header`` signs ``body`` with ``secret`` and its timestamp is within tolerance.

    What a receiver runs; kept here so the README's recipe is tested code.
    """
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if sep:
            parts.setdefault(key, []).append(value)
    try:
        ts = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    current = int(time.time()) if now is None else now
    if abs(current - ts) > tolerance:
        return False
    expected = compute(secret, ts, body)
    return any(hmac.compare_digest(expected, sig) for sig in parts.get("v1", []))

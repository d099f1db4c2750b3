"""Signatures: HMAC-SHA256 of timestamp and body, verified with a replay window."""

from __future__ import annotations

import pytest

from webhooks import signing


def test_signature_verifies_and_detects_tampering() -> None:
    body = b'{"event":"gate.passed"}'
    header = signing.header_value("whsec_x", body, timestamp=1_700_000_000)
    assert header.startswith("t=1700000000,v1=")
    assert signing.verify("whsec_x", body, header, now=1_700_000_010)
    assert not signing.verify("whsec_x", body + b" ", header, now=1_700_000_010)
    assert not signing.verify("whsec_other", body, header, now=1_700_000_010)


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    body = b"{}"
    expected = hmac.new(b"k", b"42.{}", hashlib.sha256).hexdigest()
    assert signing.header_value("k", body, timestamp=42) == f"t=42,v1={expected}"


@pytest.mark.parametrize("header", ["", "v1=abc", "t=notanumber,v1=abc", "t=100"])
def test_malformed_signature_headers_fail(header: str) -> None:
    assert not signing.verify("k", b"{}", header, now=100)


def test_old_timestamps_are_refused_as_replays() -> None:
    header = signing.header_value("k", b"{}", timestamp=1000)
    assert signing.verify("k", b"{}", header, now=1000 + 300)
    assert not signing.verify("k", b"{}", header, now=1000 + 301)

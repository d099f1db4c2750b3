"""The pure parts: signatures, backoff, and the message formats."""

from __future__ import annotations

import json

import pytest

from webhooks import formats, signing
from webhooks.services import MAX_ATTEMPTS, backoff_seconds


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


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    lows = [backoff_seconds(n, rand=0.0) for n in range(1, MAX_ATTEMPTS)]
    highs = [backoff_seconds(n, rand=1.0) for n in range(1, MAX_ATTEMPTS)]
    assert highs == [30, 120, 480, 1920, 7680]
    assert lows == [h / 2 for h in highs]
    assert backoff_seconds(20, rand=1.0) == 6 * 60 * 60


def test_backoff_respects_retry_after() -> None:
    assert backoff_seconds(1, rand=1.0, retry_after=600) == 600
    assert backoff_seconds(1, rand=1.0, retry_after=5) == 30


def _env(event: str, **data: object) -> dict[str, object]:
    return formats.envelope(
        event_id="e1",
        event=event,
        created_at="2026-01-01T00:00:00+00:00",
        organization={"slug": "acme", "name": "Acme"},
        data={
            "use_case": {"id": 1, "name": "Triage", "url": "https://r.example/o/acme/use-cases/1/"},
            "actor": "pm@acme.example",
            **data,
        },
    )


@pytest.mark.parametrize(
    ("event", "data", "text"),
    [
        (
            "gate.passed",
            {"target": "phase:2"},
            "Triage passed the gate to phase 2 (pm@acme.example).",
        ),
        (
            "gate.refused",
            {"target": "production", "blockers": ["a", "b"]},
            "Triage: the gate to production was refused with 2 blockers (pm@acme.example).",
        ),
        (
            "signoff.recorded",
            {"item": {"title": "Data classification"}, "decision": "approved"},
            "Triage: “Data classification” was approved by pm@acme.example.",
        ),
        (
            "incident.opened",
            {"incident": {"title": "Wrong queue", "severity": "high"}},
            "Triage: high incident opened by pm@acme.example: Wrong queue",
        ),
        ("scale.decided", {"outcome": "approved"}, "Triage: scale approved by pm@acme.example."),
        (
            "scale.decided",
            {"outcome": "deferred"},
            "Triage: scale decision deferred by pm@acme.example.",
        ),
    ],
)
def test_summaries_read_as_sentences(event: str, data: dict[str, object], text: str) -> None:
    assert formats.summary(_env(event, **data)) == text


def test_slack_message_has_text_blocks_escaping_and_a_link() -> None:
    msg = formats.slack_message(
        _env("gate.refused", target="phase:2", blockers=["Fix <this> & that"])
    )
    assert msg["text"].startswith("Triage: the gate to phase 2 was refused")
    texts = [b["text"]["text"] for b in msg["blocks"] if b["type"] == "section"]
    assert "• Fix &lt;this&gt; &amp; that" in texts
    assert "<https://r.example/o/acme/use-cases/1/|Open the use case in Readiness>" in texts
    assert msg["blocks"][-1]["type"] == "context"


def test_body_is_compact_json_in_the_endpoint_format() -> None:
    env = _env("gate.passed", target="phase:2")
    assert json.loads(formats.body(env, "json")) == env
    assert set(json.loads(formats.body(env, "slack"))) == {"text", "blocks"}

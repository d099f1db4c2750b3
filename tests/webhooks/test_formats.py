"""The message formats: the JSON envelope, Slack's text and blocks, the compact body."""

from __future__ import annotations

import json

import pytest

from webhooks import formats


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


def test_slack_fallback_text_is_escaped() -> None:
    name = "R&D <!channel> <https://evil.example|click>"
    env = _env("gate.refused", target="phase:2", blockers=[], use_case={"id": 1, "name": name})
    text = formats.slack_message(env)["text"]
    assert "R&amp;D &lt;!channel&gt; &lt;https://evil.example|click&gt;" in text
    assert "<" not in text and ">" not in text


def test_body_is_compact_json_in_the_endpoint_format() -> None:
    env = _env("gate.passed", target="phase:2")
    assert json.loads(formats.body(env, "json")) == env
    assert set(json.loads(formats.body(env, "slack"))) == {"text", "blocks"}

"""What a delivery says: the JSON envelope, and the Slack-compatible message built from it.

Pure functions over plain dicts (no ORM), so the wording is tested on its own.
"""

from __future__ import annotations

import json
from typing import Any

from readiness.events import EVENTS

TEST_EVENT = "webhook.test"
EVENT_LABELS = {**EVENTS, TEST_EVENT: "A test event sent from the webhooks page"}

OUTCOME_WORDS = {
    "approved": "scale approved",
    "declined": "scale declined",
    "deferred": "scale decision deferred",
}
TARGET_LABELS = {
    "phase:2": "phase 2",
    "phase:3": "phase 3",
    "production": "production",
    "scale": "scale",
}


def envelope(
    *,
    event_id: str,
    event: str,
    created_at: str,
    organization: dict[str, str],
    data: dict[str, Any],
) -> dict[str, Any]:
    """The JSON body of a ``json`` endpoint: stable keys; ``data`` is the event's payload."""
    return {
        "id": event_id,
        "event": event,
        "created_at": created_at,
        "organization": organization,
        "data": data,
    }


def summary(env: dict[str, Any]) -> str:
    """One readable sentence about the event, for chat."""
    data = env.get("data") or {}
    use_case = (data.get("use_case") or {}).get("name") or "a use case"
    actor = data.get("actor") or "someone"
    event = env.get("event")
    target = data.get("target", "")
    target_label = TARGET_LABELS.get(target, target.replace(":", " ") or "the next phase")
    if event == "gate.passed":
        return f"{use_case} passed the gate to {target_label} ({actor})."
    if event == "gate.refused":
        blockers = data.get("blockers") or []
        return (
            f"{use_case}: the gate to {target_label} was refused with "
            f"{len(blockers)} blocker{'s' if len(blockers) != 1 else ''} ({actor})."
        )
    if event == "signoff.recorded":
        item = (data.get("item") or {}).get("title") or "a checklist item"
        decision = data.get("decision", "recorded")
        return f"{use_case}: “{item}” was {decision} by {actor}."
    if event == "incident.opened":
        incident = data.get("incident") or {}
        severity = incident.get("severity", "")
        return (
            f"{use_case}: {severity + ' ' if severity else ''}incident opened by {actor}: "
            f"{incident.get('title', '')}"
        )
    if event == "scale.decided":
        outcome = data.get("outcome", "")
        words = OUTCOME_WORDS.get(outcome, f"scale decision {outcome}".strip())
        return f"{use_case}: {words} by {actor}."
    if event == TEST_EVENT:
        return f"Test event from Readiness ({env.get('organization', {}).get('name', '')})."
    return f"{EVENT_LABELS.get(str(event), event)}: {use_case}."


def slack_message(env: dict[str, Any]) -> dict[str, Any]:
    """``{"text", "blocks"}`` as Slack incoming webhooks (and compatible chats) accept it.

    ``text`` is the fallback shown in notifications; the blocks add detail and a link.
    """
    data = env.get("data") or {}
    text = summary(env)
    url = (data.get("use_case") or {}).get("url") or ""
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": _escape(text)}},
    ]
    blockers = data.get("blockers") or []
    if blockers:
        lines = "\n".join(f"• {_escape(b)}" for b in blockers[:10])
        more = f"\n…and {len(blockers) - 10} more" if len(blockers) > 10 else ""
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": lines + more}})
    if data.get("comment"):
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": f"> {_escape(data['comment'])}"}}
        )
    if url:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"<{url}|Open the use case in Readiness>"},
            }
        )
    org = (env.get("organization") or {}).get("name", "")
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": _escape(f"{env.get('event')} · {org}")}],
        }
    )
    # The fallback is mrkdwn too: &, < and > escaped, so a name cannot open a link or mention.
    return {"text": _escape(text), "blocks": blocks}


def _escape(text: str) -> str:
    """Slack mrkdwn treats &, < and > as markup."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def body(env: dict[str, Any], fmt: str) -> bytes:
    """The exact bytes sent (and signed)."""
    message = slack_message(env) if fmt == "slack" else env
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()

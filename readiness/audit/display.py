"""How an audit record reads on a page: its action in words, and its changed fields as rows of
before and after (the use case's history, the organization's activity and audit trail)."""

from __future__ import annotations

from typing import Any

from readiness.models import AuditEvent


def humanise_action(action: str) -> str:
    """``workstream_item.set_done`` -> ``Workstream item set done``."""
    words = action.replace(".", " ").replace("_", " ").split()
    return " ".join(words).capitalize()


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, list):
        return "; ".join(_value(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)}: {_value(v)}" for k, v in value.items()) or "—"
    return str(value)


def audit_changes(event: AuditEvent) -> list[dict[str, Any]]:
    """The event's changed fields as rows of label, before and after (before may be absent).

    Only real changes: a field recorded on both sides with the same value (as stored or as
    shown) is left out.
    """
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    keys = [
        k
        for k in dict.fromkeys([*after, *before])
        if not (
            k in before
            and k in after
            and (before[k] == after[k] or _value(before[k]) == _value(after[k]))
        )
    ]
    return [
        {
            "label": _label(k),
            "has_before": k in before,
            "before": _value(before.get(k)),
            "has_after": k in after,
            "after": _value(after.get(k)),
        }
        for k in keys
    ]

"""Small display helpers for governance pages: badge classes for states (always shown with text)."""

from __future__ import annotations

from django import template

register = template.Library()

_BADGES = {
    # item status
    "open": "badge",
    "submitted": "badge-info",
    "approved": "badge-ok",
    "rejected": "badge-bad",
    "not_applicable": "badge-warn",
    # incident status
    "mitigating": "badge-warn",
    "resolved": "badge-ok",
    "reviewed": "badge-ok",
    # severity
    "low": "badge-low",
    "medium": "badge-medium",
    "high": "badge-high",
    "critical": "badge-critical",
}


@register.filter
def badge(value: str) -> str:
    """The badge class for a status or severity value."""
    return _BADGES.get(str(value), "badge")

"""Display helpers shared by every app's pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def pct(value: object) -> str:
    """The class that sets ``--pct`` to a whole percentage, 0-100 (``pct-42``), for widths and
    positions computed per row. The policy (CONTENT_SECURITY_POLICY) allows no ``style=``
    attribute, so app.css has one class per percent; values are rounded and clamped."""
    try:
        number = round(float(str(value)))
    except (TypeError, ValueError, OverflowError):
        number = 0
    return f"pct-{max(0, min(100, number))}"

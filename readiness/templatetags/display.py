"""The one way pages show a person and a figure: ``{% person user %}`` and ``|quantity``.

Both are template builtins (config/settings.py), so every template has them without a load.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from readiness import display

register = template.Library()


def _name(who: Any) -> str:
    """A user (its ``display_name``), or a stored label such as an audit record's email."""
    if who is None or who == "":
        return ""
    name = getattr(who, "display_name", None)
    if isinstance(name, str):
        return name
    text = str(who)
    return display.display_name("", text) if "@" in text else text


@register.filter
def person_name(who: Any) -> str:
    """The name to show for a user or a stored email label (plain text, for attributes)."""
    return _name(who)


@register.simple_tag
def person(who: Any, default: str = "") -> str:
    """An initials avatar (hidden from screen readers) and the visible name; ``default`` when
    there is nobody (e.g. "a former member"), shown as plain text."""
    name = _name(who)
    if not name:
        return format_html("{}", default)
    return format_html(
        '<span class="person"><span class="avatar" aria-hidden="true">{}</span>'
        '<span class="person-name">{}</span></span>',
        display.initials(name),
        name,
    )


@register.filter
def quantity(value: Any, unit: str = "") -> str:
    """A figure with its unit and the unit's precision: ``{{ hours|quantity:"h" }}`` gives
    ``9.3 h``; ``quantity:"count"`` a whole number with no unit; ``quantity:"%"`` ``12.5%``.
    Text that is not a number is shown as it is."""
    if value is None or value == "":
        return display.format_quantity(None, unit)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return display.format_quantity(number, unit)

"""How people and numbers read on every page: display names, initials, figures by unit.

Pure functions, no ORM and no HTML. The template tags in ``readiness.templatetags.display``
and the metrics' scorecard texts use them, so a figure or a name reads the same everywhere.
"""

from __future__ import annotations

import math

# Units shown with two decimals (an amount of money).
CURRENCIES = frozenset({"usd", "eur", "gbp", "chf", "cad", "aud", "$", "€", "£"})
# Units of time shown with one decimal.
DURATIONS = frozenset({"h", "hours", "min", "minutes", "d", "days", "s"})
# Units counted in whole things.
COUNTS = frozenset({"count", "cases", "requests", "items", "people", "users", "tickets"})
PERCENT = frozenset({"%", "percent", "pts"})
MILLISECONDS = frozenset({"ms"})


def display_name(full_name: str, email: str) -> str:
    """The person's name; without one, the part of their email address before the @."""
    name = (full_name or "").strip()
    if name:
        return name
    local = (email or "").split("@", 1)[0].strip()
    return local or "someone"


def initials(name: str) -> str:
    """Up to two capital letters for an avatar: first and last word ("Priya Shah" -> "PS");
    dots and underscores split words ("jo.ng" -> "JN"); a single word gives one letter. Non-letters are skipped."""
    words = [w for w in (name or "").replace(".", " ").replace("_", " ").split() if w]
    letters = [next((ch for ch in w if ch.isalnum()), "") for w in words]
    letters = [ch for ch in letters if ch]
    if not letters:
        return "?"
    picked = letters[0] + (letters[-1] if len(letters) > 1 else "")
    return picked.upper()


def decimals_for(unit: str) -> int:
    """How many decimals a figure in ``unit`` keeps: money 2, time and percentages 1,
    counts and milliseconds none (an average count per something 1), anything else 2 (trimmed of trailing zeros)."""
    key = (unit or "").strip().lower()
    base = key.split("/", 1)[0]
    if base in CURRENCIES:
        return 2
    if key in PERCENT or base in DURATIONS:
        return 1
    if base in COUNTS and "/" in key:
        return 1  # a count per something (cases per person per day) is an average
    if base in COUNTS or base in MILLISECONDS:
        return 0
    return 2


def format_number(value: float | int | None, unit: str = "", *, signed: bool = False) -> str:
    """The figure without its unit: thousands separators, never scientific notation, the
    precision of its unit (:func:`decimals_for`). An amount of money under 0.01 keeps up to four
    decimals, so a real cost never reads 0.00. ``signed`` puts an explicit + or a true minus in
    front (none when it rounds to zero). None, NaN and infinities read as an em dash."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    number = float(value)
    key = (unit or "").strip().lower()
    places = decimals_for(unit)
    known = key in PERCENT or key.split("/", 1)[0] in (
        CURRENCIES | DURATIONS | COUNTS | MILLISECONDS
    )
    trim = not known  # an unknown unit drops trailing zeros: 2.5, not 2.50
    if places == 2 and 0 < abs(number) < 0.01:
        places, trim = 4, True
    text = f"{abs(number):,.{places}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    if float(text.replace(",", "")) == 0:
        return text
    if number < 0:
        return f"\u2212{text}"
    return f"+{text}" if signed else text


def format_quantity(value: float | int | None, unit: str = "", *, signed: bool = False) -> str:
    """The figure with its unit as people write it: ``12.3%``, ``9.3 h``, ``0.09 USD``,
    ``1,204 cases``; a bare count (unit ``count``) has no unit after it."""
    text = format_number(value, unit, signed=signed)
    if text == "—":
        return text
    key = (unit or "").strip()
    if not key or key.lower() == "count":
        return text
    if key == "%":
        return f"{text}%"
    return f"{text} {key}"

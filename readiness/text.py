"""Characters that users can type but that storage and files refuse, handled in one place.

* PostgreSQL's ``text`` and ``jsonb`` refuse NUL; openpyxl refuses every C0 control character
  but tab, line feed and carriage return (its ``ILLEGAL_CHARACTERS_RE``). The API and the query
  strings of every page refuse those characters with a 400 naming the field
  (:mod:`readiness.api_parsers`, :class:`readiness.middleware.ControlCharacterMiddleware`).
* Text written before that rule, or typed in a page, still reaches the exports: spreadsheets
  get it through :func:`xlsx_cell` (the characters removed) and every CSV and XLSX cell through
  :func:`spreadsheet_cell` (a cell that could start a formula gets a leading apostrophe).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# The characters refused: C0 controls except tab, line feed and carriage return (the same set
# as openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE, which is what a workbook cannot hold).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# The same rule for the OpenAPI schema (ECMA and Python regex): text without those characters.
NO_CONTROL_CHARACTERS_PATTERN = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F]*$"
CONTROL_MESSAGE = (
    "Control characters (such as NUL, \\u0000, or a vertical tab, \\u000b) are not allowed."
)
# A cell starting with one of these is a formula to a spreadsheet program (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def has_control_characters(value: str) -> bool:
    return CONTROL_CHARACTERS.search(value) is not None


def strip_control_characters(value: str) -> str:
    return CONTROL_CHARACTERS.sub("", value)


def spreadsheet_cell(value: Any) -> Any:
    """A CSV or XLSX cell shown as text: one that could start a formula gets a leading
    apostrophe. Other values, and other text, pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def xlsx_cell(value: Any) -> Any:
    """A cell openpyxl accepts: control characters removed (openpyxl raises
    ``IllegalCharacterError`` on them), then formulas neutralised by :func:`spreadsheet_cell`."""
    if isinstance(value, str):
        value = strip_control_characters(value)
    return spreadsheet_cell(value)


def control_character_paths(data: Any, prefix: str = "") -> Iterator[str]:
    """The dotted paths (``spec.inputs``, ``0.client_id``, or ``""`` for the top) of every
    string in parsed JSON or form data, key or value, that holds a refused character."""
    if isinstance(data, str):
        if has_control_characters(data):
            yield prefix
    elif isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(key, str) and has_control_characters(key):
                yield path
            else:
                yield from control_character_paths(value, path)
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            yield from control_character_paths(value, f"{prefix}.{index}" if prefix else str(index))

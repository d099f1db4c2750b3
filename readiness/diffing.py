"""Word-level differences between two texts, for showing what changed between spec versions.

Pure functions, no ORM and no HTML: the result is a list of ``(op, text)`` segments that the
template renders (and escapes) itself, so user text is never marked safe.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher

EQUAL = "equal"
DELETE = "delete"
INSERT = "insert"

# Words, runs of whitespace and single punctuation marks are separate tokens, so that the text
# rebuilt from the segments is exactly the input (line breaks included) and "claim" followed by a
# new comma shows as an added comma, not as a replaced word.
_TOKENS = re.compile("\\s+|\\w+(?:['\u2019]\\w+)*|[^\\w\\s]")


def _tokens(text: str) -> list[str]:
    return _TOKENS.findall(text)


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """The segments that turn ``old`` into ``new``: ``(op, text)`` with op one of
    ``"equal"``, ``"delete"``, ``"insert"``.

    Joining the equal and delete texts gives ``old`` back; joining equal and insert gives
    ``new``. A replaced run is given as its deletion followed by its insertion. Adjacent
    segments never share an op.
    """
    a, b = _tokens(old or ""), _tokens(new or "")
    segments: list[tuple[str, str]] = []

    def add(op: str, parts: Iterable[str]) -> None:
        text = "".join(parts)
        if not text:
            return
        if segments and segments[-1][0] == op:
            segments[-1] = (op, segments[-1][1] + text)
        else:
            segments.append((op, text))

    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            add(EQUAL, a[i1:i2])
        else:
            add(DELETE, a[i1:i2])
            add(INSERT, b[j1:j2])
    return segments


@dataclass(frozen=True)
class FieldDiff:
    field: str
    label: str
    changed: bool
    segments: list[tuple[str, str]]


def fields_diff(
    old: Mapping[str, str] | None, new: Mapping[str, str], labels: Mapping[str, str]
) -> list[FieldDiff]:
    """One :class:`FieldDiff` per field in ``labels`` (in that order); ``old`` of None means
    everything in ``new`` is inserted."""
    old = old or {}
    return [
        FieldDiff(
            field=name,
            label=label,
            changed=(old.get(name) or "") != (new.get(name) or ""),
            segments=word_diff(old.get(name) or "", new.get(name) or ""),
        )
        for name, label in labels.items()
    ]

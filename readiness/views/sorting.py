"""Sortable table headers: which ``sort`` each column header links to, and its aria-sort."""

from __future__ import annotations


def sort_links(current: str, first_click: dict[str, str]) -> dict[str, dict[str, str]]:
    """For each column of ``first_click``: the ``sort`` its header links to and its aria-sort.

    ``current`` is the sort in force (``"-key"`` for descending). The column it sorts on links
    to the other direction and carries ``aria-sort``; every other column links to its entry in
    ``first_click``, the sort it asks for first (e.g. ``"-priority"``: numbers read best first).
    """
    links = {}
    for key, first in first_click.items():
        if current.removeprefix("-") == key:
            descending = current.startswith("-")
            links[key] = {
                "sort": key if descending else f"-{key}",
                "aria": "descending" if descending else "ascending",
            }
        else:
            links[key] = {"sort": first, "aria": ""}
    return links

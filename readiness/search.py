"""Search, the part every app shares: what a hit is, and how a query matches text fields.

Each app searches its own records with :func:`matching` and returns :class:`Hit` values (its
selectors); the search page (portfolio, the top floor) asks each app and lists the hits. On
PostgreSQL a query is full-text (English stemming, every word must match, ranked); elsewhere
(SQLite on a laptop) every word must appear in one of the fields, case-insensitively.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model, Q, QuerySet

from readiness.models import ChecklistItem, Comment, Organization, UseCase

M = TypeVar("M", bound=Model)
MAX_QUERY = 200  # characters; a longer query is cut (no one types more into a search box)

# The fields each model is searched on. On PostgreSQL each list has a GIN index on exactly the
# vector :func:`matching` builds from it (migration readiness 0017): change both together.
USE_CASE_FIELDS = ["name", "team", "workflow", "target_outcome"]
CHECKLIST_ITEM_FIELDS = ["text"]
COMMENT_FIELDS = ["body"]
SEARCHED: list[tuple[type[Model], list[str]]] = [
    (UseCase, USE_CASE_FIELDS),
    (ChecklistItem, CHECKLIST_ITEM_FIELDS),
    (Comment, COMMENT_FIELDS),
]


@dataclass(frozen=True)
class Hit:
    """One search result: what it is, its title and a line of context, the use case it belongs
    to, and the page that shows it (a URL name and its arguments, without the organization)."""

    kind: str
    title: str
    snippet: str
    use_case: str
    url_name: str
    url_args: tuple[Any, ...]


def clean(query: str) -> str:
    """The query as searched: control characters removed, spaces collapsed, bounded length."""
    query = re.sub(r"[\x00-\x1f\x7f]", " ", query or "")
    return " ".join(query.split())[:MAX_QUERY]


def snippet(text: str, query: str, width: int = 160) -> str:
    """A line of ``text`` around the first word of ``query`` that appears in it."""
    text = " ".join((text or "").split())
    lowered = text.lower()
    at = min((i for w in query.lower().split() if (i := lowered.find(w)) >= 0), default=0)
    start = max(0, at - width // 3)
    cut = text[start : start + width]
    return ("…" if start else "") + cut + ("…" if start + width < len(text) else "")


def matching(queryset: QuerySet[M], fields: list[str], query: str) -> QuerySet[M]:
    """``queryset`` narrowed to the rows whose ``fields`` match ``query`` (best first on
    PostgreSQL, through the GIN index on the same vector). An empty query matches nothing."""
    words = query.split()
    if not words:
        return queryset.none()
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector(*fields, config="english")
        search = SearchQuery(query, config="english", search_type="plain")
        return (
            queryset.annotate(search_rank=SearchRank(vector, search))
            .annotate(search_vector=vector)
            .filter(search_vector=search)
            .order_by("-search_rank", "-pk")
        )
    condition = Q()
    for word in words:
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__icontains": word})
        condition &= any_field
    return queryset.filter(condition).order_by("-pk")


def search(organization: Organization, query: str, limit: int = 20) -> list[Hit]:
    """Readiness's records that match: use cases (name, team, workflow, outcome), workstream
    items and exit criteria (their text), and the comments of every discussion (their text;
    deleted ones have none)."""
    hits: list[Hit] = []
    use_cases = matching(
        UseCase.objects.filter(organization=organization),
        USE_CASE_FIELDS,
        query,
    )[:limit]
    for uc in use_cases:
        hits.append(
            Hit(
                "Use case",
                uc.name,
                snippet(f"{uc.team}. {uc.workflow} {uc.target_outcome}", query),
                uc.name,
                "usecase_detail",
                (uc.pk,),
            )
        )
    items = matching(
        ChecklistItem.objects.filter(
            Q(workstream__use_case__organization=organization)
            | Q(phase__use_case__organization=organization)
        ).select_related("workstream__use_case", "phase__use_case"),
        CHECKLIST_ITEM_FIELDS,
        query,
    )[:limit]
    for item in items:
        parent = item.workstream or item.phase
        assert parent is not None
        where = (
            f"Workstream {item.workstream.number}: {item.workstream.name}"
            if item.workstream
            else f"Phase {item.phase.number} exit criterion"  # type: ignore[union-attr]
        )
        hits.append(
            Hit(
                "Workstream item" if item.workstream else "Exit criterion",
                item.text,
                where + (" · done" if item.done else ""),
                parent.use_case.name,
                "usecase_detail",
                (parent.use_case_id,),
            )
        )
    comments = matching(
        Comment.objects.filter(organization=organization, deleted_at__isnull=True).select_related(
            "author", "use_case"
        ),
        COMMENT_FIELDS,
        query,
    )[:limit]
    for comment in comments:
        author = comment.author.display_name if comment.author else "A former member"
        hits.append(
            Hit(
                "Comment",
                f"{author} on {comment.target_label}",
                snippet(comment.body, query),
                comment.use_case.name,
                "comment_show",
                (comment.pk,),
            )
        )
    return hits

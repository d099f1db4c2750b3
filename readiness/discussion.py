"""Discussion: which records have a comment thread, how a mention is written, and reading a
thread.

**Targets.** A comment hangs off a target: a use case or a record of one. Readiness registers
its own two (``use_case``, ``checklist_item``: a workstream item or an exit criterion); the
apps above it register theirs from their ``AppConfig.ready`` with :func:`register_target`
(governance: ``governance_item``, ``incident``), because the thread's pages and API live here
and must find a target by its key without importing the app that holds it (imports point
down). Each target says how it is looked up within the caller's organizations (its app's access
function: a record of another organization is a 404), which use case it belongs to, what it is
called, and which page shows its thread.

**Mentions.** ``@`` followed by a member's handle: the part of their email address before the
@ (``@pm`` for pm@demo.example), or their whole email address when two members share that part
(``@pm@demo.example``). Only members of the comment's organization are resolved; anything else
stays plain text. See :data:`MENTION_HELP`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from readiness.models import ChecklistItem, Comment, Membership, UseCase, User

MENTION_HELP = (
    "Mention a member with @ and the part of their email address before the @ (@pm for "
    "pm@example.com), or their whole address if two members share it; they are notified."
)

# @ not glued to a word (so an email address in the text is not a mention), then a handle: an
# email local part, optionally with its domain.
_MENTION = re.compile(
    r"(?<![\w@.+%-])@([A-Za-z0-9][A-Za-z0-9._%+-]*(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)"
)


@dataclass(frozen=True)
class Target:
    """A kind of record that has a thread."""

    key: str  # in URLs and the API: ``use_case``, ``incident`` ...
    label: str  # in words: "use case", "incident"
    model: type[models.Model]
    # (request membership or user, pk) -> the record, within the caller's organizations (404)
    access: Callable[[Any, Any], models.Model]
    use_case_of: Callable[[Any], UseCase]
    title_of: Callable[[Any], str]
    # (record, org slug) -> the page that shows the thread
    url_of: Callable[[Any, str], str]


_targets: dict[str, Target] = {}


def register_target(target: Target) -> None:
    """Add a kind of target under its key; registering the key again replaces it."""
    _targets[target.key] = target


def targets() -> dict[str, Target]:
    return dict(_targets)


def target_for(key: str) -> Target | None:
    return _targets.get(key)


def target_of_model(model: type[models.Model]) -> Target:
    for target in _targets.values():
        if target.model is model or (isinstance(model, type) and issubclass(model, target.model)):
            return target
    raise LookupError(f"{model.__name__} has no comment thread")


def content_type(target: Target) -> ContentType:
    return ContentType.objects.get_for_model(target.model)  # cached by Django after the first


def key_of_content_type(content_type_id: int) -> str:
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    return target_of_model(model).key if model is not None else ""


# --- mentions (pure) ------------------------------------------------------------------------


def mention_spans(body: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, handle) of every ``@handle`` in ``body``; the span covers the ``@``. A
    sentence's full stop after a handle is not part of it."""
    for match in _MENTION.finditer(body or ""):
        handle = match.group(1).rstrip(".")
        if handle:
            yield match.start(), match.start() + 1 + len(handle), handle.lower()


def handles(body: str) -> list[str]:
    """The distinct handles mentioned in ``body``, lower case, in order."""
    seen: dict[str, None] = {}
    for _, _, handle in mention_spans(body):
        seen.setdefault(handle)
    return list(seen)


def handle_map(users: Iterable[User]) -> dict[str, User]:
    """Handle (lower case) -> user, for these users: each one's email address, and the part
    before its @ when no other of them has the same part (an ambiguous short handle resolves
    to nobody)."""
    people = list(users)
    found: dict[str, User] = {}
    short: dict[str, list[User]] = {}
    for user in people:
        email = (user.email or "").lower()
        found[email] = user
        short.setdefault(email.split("@", 1)[0], []).append(user)
    for local, owners in short.items():
        if len(owners) == 1 and local not in found:
            found[local] = owners[0]
    return found


def resolve(body: str, members: Iterable[User]) -> list[User]:
    """The members that ``body`` mentions, in order of first mention."""
    by_handle = handle_map(members)
    resolved: dict[int, User] = {}
    for handle in handles(body):
        user = by_handle.get(handle)
        if user is not None:
            resolved.setdefault(user.pk, user)
    return list(resolved.values())


def organization_members(organization_id: int) -> list[User]:
    return [
        m.user
        for m in Membership.objects.filter(organization_id=organization_id).select_related("user")
    ]


# --- reading ----------------------------------------------------------------------------------


def item_comment_count() -> Coalesce:
    """An annotation for checklist items: their comments not deleted (the Discuss link). A
    subquery joining the content type by its natural key, so it adds no query of its own."""
    comments = (
        Comment.objects.filter(
            target_type__app_label="readiness",
            target_type__model="checklistitem",
            target_id=OuterRef("pk"),
            deleted_at__isnull=True,
        )
        .order_by()
        .values("target_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(comments), 0)


def thread(target: Target, obj: models.Model) -> list[Comment]:
    """The comments on ``obj``, oldest first, with their authors and mentions (two queries)."""
    return list(
        Comment.objects.filter(target_type=content_type(target), target_id=obj.pk)
        .select_related("author", "deleted_by")
        .prefetch_related("mentions")
        .order_by("created_at", "pk")
    )


# --- readiness's own targets -------------------------------------------------------------------


def _item_use_case(item: ChecklistItem) -> UseCase:
    parent = item.workstream or item.phase
    assert parent is not None
    return parent.use_case


def _item_title(item: ChecklistItem) -> str:
    return f"“{item.text}”"


def register_builtin_targets() -> None:
    from readiness import access

    register_target(
        Target(
            key="use_case",
            label="use case",
            model=UseCase,
            access=lambda who, pk: access.access_use_case(who, pk),
            use_case_of=lambda uc: uc,
            title_of=lambda uc: uc.name,
            url_of=lambda uc, org: reverse("usecase_detail", kwargs={"org": org, "pk": uc.pk}),
        )
    )
    register_target(
        Target(
            key="checklist_item",
            label="item",
            model=ChecklistItem,
            access=lambda who, pk: access.access_checklist_item(who, pk),
            use_case_of=_item_use_case,
            title_of=_item_title,
            url_of=lambda item, org: reverse("item_detail", kwargs={"org": org, "pk": item.pk}),
        )
    )

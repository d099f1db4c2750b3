"""``{% discussion obj %}``: the comment thread of a record, on whatever page shows it; and
``|comment_body``: a comment's text, escaped, with the members it mentions highlighted."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from readiness import discussion as threads
from readiness.models import Comment

register = template.Library()


@register.inclusion_tag("readiness/partials/discussion.html", takes_context=True)
def discussion(context: template.Context, obj: models.Model) -> dict[str, Any]:
    """The thread of ``obj`` (a registered target) for the request's member (three queries:
    the comments, their mentions, and a cached content type)."""
    from readiness.views.comments import thread_context

    request = context["request"]
    target = threads.target_of_model(type(obj))
    return {"request": request, **thread_context(request.membership, target, obj)}


def _text(text: str) -> list[Any]:
    pieces: list[Any] = []
    for i, line in enumerate(text.split("\n")):
        if i:
            pieces.append(format_html("<br>"))
        pieces.append(line)
    return pieces


@register.filter
def comment_body(comment: Comment) -> SafeString:
    """The body, every character escaped; line breaks kept; each ``@handle`` that resolved to
    a member shown as their name in a highlighted span (its email in the title)."""
    body = comment.body or ""
    by_handle = threads.handle_map(comment.mentions.all())
    pieces: list[Any] = []
    at = 0
    for start, end, handle in threads.mention_spans(body):
        user = by_handle.get(handle)
        if user is None:
            continue
        pieces += _text(body[at:start])
        pieces.append(
            format_html(
                '<span class="mention" title="{}">@{}</span>', user.email, user.display_name
            )
        )
        at = end
    pieces += _text(body[at:])
    return format_html_join("", "{}", ((p,) for p in pieces))

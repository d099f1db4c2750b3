"""Discussion threads: posting, editing and deleting a comment, its permalink, and the page of a
workstream item (whose thread needs a page of its own).

The thread itself is a partial (``readiness/partials/discussion.html``) that every page with
one includes through ``{% discussion obj %}``; its forms post here. With htmx the answer is the
re-rendered thread; without JavaScript a successful post redirects back to the page at the
comment (post/redirect/get), and a refused one shows the form again on a page of its own.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from readiness import access, discussion, services
from readiness.errors import Conflict, StaleVersion
from readiness.forms import CommentForm
from readiness.models import Comment, Membership, Perm
from readiness.services.comments import MENTION_KIND
from readiness.views.common import AuthedRequest, add_errors, member_required
from readiness.views.use_cases import use_case_context


def thread_context(
    membership: Membership,
    target: discussion.Target,
    obj: models.Model,
    *,
    form: CommentForm | None = None,
    error: str = "",
) -> dict[str, Any]:
    """What the thread partial needs: the comments (with what the reader may do to each), the
    form, and where it posts."""
    org = membership.organization.slug
    can_comment = membership.allows(Perm.COMMENT)
    comments = discussion.thread(target, obj)
    for c in comments:
        own = c.author_id == membership.user_id and can_comment
        c.can_edit = own and not c.is_deleted  # type: ignore[attr-defined]
        c.can_delete = (own or membership.is_admin) and not c.is_deleted  # type: ignore[attr-defined]
    return {
        "org": org,
        "membership": membership,
        "target": target,
        "target_obj": obj,
        "comments": comments,
        "can_comment": can_comment,
        "comment_form": form or CommentForm(),
        "comment_error": error,
        "page_url": target.url_of(obj, org),
    }


def _thread(
    request: AuthedRequest, target: discussion.Target, obj: models.Model, **kw: Any
) -> HttpResponse:
    context = thread_context(request.membership, target, obj, **kw)
    return HttpResponse(render_to_string("readiness/partials/discussion.html", context, request))


def _target(membership: Membership, key: str, pk: Any) -> tuple[discussion.Target, models.Model]:
    target = discussion.target_for(key)
    if target is None:
        raise Http404("Nothing to discuss here")
    return target, target.access(membership, pk)


def _target_of(membership: Membership, comment: Comment) -> tuple[discussion.Target, models.Model]:
    return _target(
        membership, discussion.key_of_content_type(comment.target_type_id), comment.target_id
    )


@member_required(Perm.COMMENT)
@require_POST
def comment_post(request: AuthedRequest, org: str, target: str, target_id: int) -> HttpResponse:
    membership = request.membership
    kind, obj = _target(membership, target, target_id)
    form = CommentForm(request.POST)
    comment = None
    if form.is_valid():
        try:
            comment = services.comment_add(
                actor=request.user, target=obj, body=form.cleaned_data["body"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
    if request.htmx:
        # htmx does not swap 4xx answers: a refusal is the thread with the form's errors.
        return _thread(request, kind, obj, form=None if comment else form)
    if comment is not None:
        messages.success(request, "Comment posted.")
        return redirect(f"{kind.url_of(obj, org)}#{comment.anchor}")
    return _form_page(request, kind, obj, form, action="Add a comment", status=400)


def _form_page(
    request: AuthedRequest,
    kind: discussion.Target,
    obj: models.Model,
    form: CommentForm,
    *,
    action: str,
    comment: Comment | None = None,
    status: int = 200,
) -> HttpResponse:
    membership = request.membership
    context = use_case_context(membership, kind.use_case_of(obj), "overview")
    context.update(
        form=form,
        action=action,
        comment=comment,
        target=kind,
        target_title=kind.title_of(obj),
        page_url=kind.url_of(obj, membership.organization.slug),
        post_url=(
            comment_url("comment_edit", comment)
            if comment
            else reverse(
                "comment_post",
                kwargs={
                    "org": membership.organization.slug,
                    "target": kind.key,
                    "target_id": obj.pk,
                },
            )
        ),
    )
    return render(request, "readiness/comment_form.html", context, status=status)


def comment_url(name: str, comment: Comment) -> str:
    return reverse(name, kwargs={"org": comment.organization.slug, "pk": comment.pk})


@member_required()
def comment_show(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """The permalink (notifications, search): the page of its thread, at the comment. The
    reader's unread mention of it counts as read."""
    membership = request.membership
    comment = access.access_comment(membership, pk)
    kind, obj = _target_of(membership, comment)
    services.notifications_mark_read(
        user=request.user,
        organization=membership.organization,
        kind=MENTION_KIND,
        url=comment.get_absolute_url(),
    )
    return redirect(f"{kind.url_of(obj, org)}#{comment.anchor}")


@member_required(Perm.COMMENT)
def comment_edit(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    comment = access.access_comment(membership, pk)
    kind, obj = _target_of(membership, comment)
    if request.method == "POST":
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                comment = services.comment_edit(
                    actor=request.user,
                    comment=comment,
                    body=form.cleaned_data["body"],
                    expected_version=form.expected_version(),
                )
            except ValidationError as exc:
                add_errors(form, exc)
            except StaleVersion as exc:
                form.refuse_stale(exc)
            except Conflict as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Comment saved.")
                return redirect(f"{kind.url_of(obj, org)}#{comment.anchor}")
        status = 400
    else:
        if comment.is_deleted:
            messages.info(request, "This comment was deleted; it can no longer be edited.")
            return redirect(f"{kind.url_of(obj, org)}#{comment.anchor}")
        if comment.author_id != request.user.pk:
            raise PermissionDenied("Only its author can edit a comment.")
        form = CommentForm(initial={"body": comment.body}, version=comment.version)
        status = 200
    return _form_page(
        request, kind, obj, form, action="Edit your comment", comment=comment, status=status
    )


@member_required()
@require_POST
def comment_delete(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    comment = access.access_comment(membership, pk)
    kind, obj = _target_of(membership, comment)
    services.comment_delete(actor=request.user, comment=comment)
    if request.htmx:
        return _thread(request, kind, obj)
    messages.success(request, "Comment deleted.")
    return redirect(f"{kind.url_of(obj, org)}#{comment.anchor}")


@member_required()
def item_detail(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """One workstream item or exit criterion: what it asks, its state, and its discussion."""
    membership = request.membership
    item = access.access_checklist_item(membership, pk)
    parent = item.workstream or item.phase
    assert parent is not None
    if item.workstream is not None:
        where = f"Workstream {item.workstream.number}: {item.workstream.name}"
        tab = "overview"
    else:
        assert item.phase is not None
        where = f"Phase {item.phase.number} exit criterion"
        tab = "timeline"
    context = use_case_context(membership, parent.use_case, tab)
    context.update(item=item, where=where)
    return render(request, "readiness/item_detail.html", context)

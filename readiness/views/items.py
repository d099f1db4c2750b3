"""One checklist item's owner and due date (a workstream item or an exit criterion)."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from readiness import access, services
from readiness.errors import StaleVersion
from readiness.forms import ChecklistItemForm
from readiness.views.common import AuthedRequest, add_errors, member_required
from readiness.views.use_cases import safe_next, use_case_context


@member_required(access.WRITE)
def item_edit(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """Set who owns an item and when it is due; back to where the user came from."""
    membership = request.membership
    item = access.access_checklist_item(membership, pk, perm=access.WRITE)
    parent = item.workstream or item.phase
    assert parent is not None
    use_case = parent.use_case
    if item.workstream is not None:
        inherited = f"the workstream ({item.workstream.owner or 'no owner'})"
        fallback = reverse("usecase_detail", kwargs={"org": org, "pk": use_case.pk})
        where = f"Workstream {item.workstream.number}: {item.workstream.name}"
    else:
        assert item.phase is not None
        inherited = f"the use case ({use_case.owner or use_case.created_by or 'no owner'})"
        fallback = reverse("usecase_timeline", kwargs={"org": org, "pk": use_case.pk})
        where = f"Phase {item.phase.number} exit criterion"
    back = safe_next(request, f"{fallback}#item-{item.pk}")
    form = ChecklistItemForm(
        request.POST or None,
        instance=copy.copy(item),
        organization=membership.organization,
        inherited=inherited,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.checklist_item_update(
                actor=request.user,
                item=item,
                owner=form.cleaned_data["owner"],
                due_date=form.cleaned_data["due_date"],
                expected_version=form.expected_version(),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except StaleVersion as exc:
            form.refuse_stale(exc)
        else:
            messages.success(request, f"Saved the owner and due date of “{item.text}”.")
            return redirect(back)
    context = use_case_context(membership, use_case, "overview" if item.workstream else "timeline")
    context.update(item=item, where=where, form=form, back=back)
    return render(
        request, "readiness/item_edit.html", context, status=400 if form.is_bound else 200
    )

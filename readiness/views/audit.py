"""The organization's audit trail (org admins): every record, filtered by date, and its export
as CSV or JSON with the latest signed checkpoint."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from readiness import selectors
from readiness.audit import export
from readiness.audit.display import audit_changes, humanise_action
from readiness.forms import AuditRangeForm
from readiness.models import AuditChainHead, Perm
from readiness.views.common import AuthedRequest, member_required
from readiness.views.use_cases import PAGE_SIZE


def _span(form: AuditRangeForm) -> export.Range:
    """The form's valid range (a field with an error is left open)."""
    data = form.cleaned_data if form.is_valid() else {}
    return export.Range(since=data.get("since"), until=data.get("until"))


@member_required(Perm.ADMINISTER)
def audit_trail(request: AuthedRequest, org: str) -> HttpResponse:
    membership = request.membership
    organization = membership.organization
    form = AuditRangeForm(request.GET)
    span = _span(form)
    events = span.filter(selectors.organization_audit(organization))
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    for event in page:
        event.label = humanise_action(event.action)  # type: ignore[attr-defined]
        event.changes = audit_changes(event)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "readiness/audit_trail.html",
        {
            "membership": membership,
            "organization": organization,
            "form": form,
            "page": page,
            "is_filtered": bool(span.since or span.until),
            "export_query": query.urlencode(),
            "checkpoint": export.latest_checkpoint(organization),
            "head": AuditChainHead.objects.filter(pk=organization.pk).first(),
            "nav": "settings",
        },
        status=400 if form.errors else 200,
    )


@member_required(Perm.ADMINISTER)
def audit_export(request: AuthedRequest, org: str, fmt: str) -> HttpResponseBase:
    """CSV or JSON of the range; a bad range answers 400 on the page, saying what to fix."""
    form = AuditRangeForm(request.GET)
    if not form.is_valid():
        return audit_trail(request, org)
    return export.response(
        request.membership.organization, _span(form), fmt, exported_by=request.user.email
    )

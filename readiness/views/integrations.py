"""A use case's integrations with its systems of record: the list with the five concerns, and
the add, edit and delete forms (program managers and admins)."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from readiness import access, services
from readiness.forms_executive import IntegrationForm
from readiness.models import Integration, IntegrationStatus, Membership, UseCase
from readiness.services.integrations import INTEGRATION_FIELDS
from readiness.views.common import AuthedRequest, add_errors
from readiness.views.use_cases import use_case_context


def access_integration(
    user: Any, pk: Any, *, org_slug: str | None, predicate: str | None = None
) -> Integration:
    """The integration within the user's organizations (404 otherwise), role checked (403)."""
    return access._scoped_get(
        Integration.objects.select_related("use_case__organization", "use_case__owner", "owner"),
        user,
        pk,
        org_path="use_case__organization",
        org_slug=org_slug,
        predicate=predicate,
    )


def _list_context(membership: Membership, use_case: UseCase) -> dict[str, Any]:
    integrations = list(
        Integration.objects.filter(use_case=use_case).select_related("owner").order_by("name")
    )
    context = use_case_context(membership, use_case, "integrations")
    context.update(
        integrations=integrations,
        live_count=sum(1 for i in integrations if i.status == IntegrationStatus.LIVE),
    )
    return context


@login_required
def integration_list(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = access.membership_for(request.user, org)
    use_case = access.access_use_case(request.user, pk, org_slug=org)
    return render(request, "readiness/integrations.html", _list_context(membership, use_case))


def _form_page(
    request: AuthedRequest,
    membership: Membership,
    use_case: UseCase,
    integration: Integration | None,
) -> HttpResponse:
    instance = copy.copy(integration) if integration else Integration(use_case=use_case)
    form = IntegrationForm(
        request.POST or None, instance=instance, organization=membership.organization
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.integration_save(
                actor=request.user,
                use_case=use_case,
                integration=integration,
                **{f: form.cleaned_data[f] for f in INTEGRATION_FIELDS},
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Integration with {saved.name} saved.")
            return redirect("usecase_integrations", org=use_case.organization.slug, pk=use_case.pk)
    context = use_case_context(membership, use_case, "integrations")
    context.update(form=form, integration=integration)
    return render(
        request,
        "readiness/integration_form.html",
        context,
        status=400 if form.is_bound else 200,
    )


@login_required
def integration_create(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = access.membership_for(request.user, org)
    use_case = access.access_use_case(request.user, pk, org_slug=org, predicate=access.WRITE)
    return _form_page(request, membership, use_case, None)


@login_required
def integration_edit(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = access.membership_for(request.user, org)
    integration = access_integration(request.user, pk, org_slug=org, predicate=access.WRITE)
    return _form_page(request, membership, integration.use_case, integration)


@login_required
@require_POST
def integration_delete(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    access.membership_for(request.user, org)
    integration = access_integration(request.user, pk, org_slug=org, predicate=access.WRITE)
    use_case = integration.use_case
    services.integration_delete(actor=request.user, integration=integration)
    messages.success(request, f"Integration with {integration.name} removed.")
    return redirect("usecase_integrations", org=org, pk=use_case.pk)

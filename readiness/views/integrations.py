"""A use case's integrations with its systems of record: the list with the five concerns, and
the add, edit and delete forms (program managers and admins)."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from readiness import access, services
from readiness.errors import StaleVersion
from readiness.forms import IntegrationForm
from readiness.models import Integration, IntegrationStatus, Membership, UseCase
from readiness.services.integrations import INTEGRATION_FIELDS
from readiness.views.common import AuthedRequest, add_errors, member_required
from readiness.views.use_cases import use_case_context


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


@member_required()
def integration_list(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    use_case = access.access_use_case(membership, pk)
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
                expected_version=form.expected_version(),
                **{f: form.cleaned_data[f] for f in INTEGRATION_FIELDS},
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except StaleVersion as exc:
            form.refuse_stale(exc)
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


@member_required()
def integration_create(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    use_case = access.access_use_case(membership, pk, perm=access.WRITE)
    return _form_page(request, membership, use_case, None)


@member_required()
def integration_edit(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    integration = access.access_integration(membership, pk, perm=access.WRITE)
    return _form_page(request, membership, integration.use_case, integration)


@member_required()
@require_POST
def integration_delete(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    integration = access.access_integration(request.membership, pk, perm=access.WRITE)
    use_case = integration.use_case
    services.integration_delete(actor=request.user, integration=integration)
    messages.success(request, f"Integration with {integration.name} removed.")
    return redirect("usecase_integrations", org=org, pk=use_case.pk)

"""Pages for what is measured and what good looks like: the metric catalog (org admins add
their own metrics) and a use case's targets, warning thresholds and baselines (program
managers and org admins), with the on-demand roll-up recompute."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from metrics import selectors, services
from metrics.access import access_metric_definition
from metrics.checks import scorecard_url
from metrics.forms import (
    MetricDefinitionEditForm,
    MetricDefinitionForm,
    MetricsSettingsForm,
    TargetsForm,
)
from metrics.views.common import page_context
from readiness import access
from readiness.errors import StaleVersion
from readiness.models import Perm
from readiness.views.common import AuthedRequest, add_errors, error_messages, member_required
from readiness.views.use_cases import safe_next


@member_required()
def definition_list(request: AuthedRequest, org: str) -> HttpResponse:
    """Every member sees the catalog; org admins add metrics of their own."""
    membership = request.membership
    organization = membership.organization
    form = MetricDefinitionForm(request.POST or None)
    if request.method == "POST":
        access.require(membership, Perm.ADMINISTER)
        if form.is_valid():
            try:
                definition = services.metric_definition_create(
                    actor=request.user, organization=organization, **form.cleaned_data
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, f"Metric “{definition.name}” added.")
                return redirect("metric_definition_list", org=org)
    return render(
        request,
        "metrics/definitions.html",
        page_context(
            membership,
            levels=selectors.definitions_by_level(organization),
            form=form,
            can_manage=membership.is_admin,
            settings_form=MetricsSettingsForm(
                initial={"measured_statistic": organization.measured_statistic}
            ),
        ),
        status=400 if form.is_bound else 200,
    )


@member_required(Perm.ADMINISTER)
@require_POST
def metrics_settings(request: AuthedRequest, org: str) -> HttpResponse:
    """Org admins choose the figure scorecards report for measured metrics (p50 or p95)."""
    organization = request.membership.organization
    form = MetricsSettingsForm(request.POST)
    if not form.is_valid():
        for message in error_messages(ValidationError(form.errors)):
            messages.error(request, message)
        return redirect("metric_definition_list", org=org)
    services.metrics_settings_update(
        actor=request.user,
        organization=organization,
        measured_statistic=form.cleaned_data["measured_statistic"],
    )
    label = organization.get_measured_statistic_display().lower()
    messages.success(request, f"Scorecards now report the {label} of measured metrics.")
    return redirect("metric_definition_list", org=org)


@member_required(Perm.ADMINISTER)
def definition_edit(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    definition = access_metric_definition(membership, pk)
    if definition.is_builtin:
        messages.error(request, "The built-in metrics cannot be changed.")
        return redirect("metric_definition_list", org=org)
    form = MetricDefinitionEditForm(request.POST or None, instance=definition)
    if request.method == "POST" and form.is_valid():
        expected = form.expected_version()
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name != "version"}
        try:
            services.metric_definition_update(
                actor=request.user, definition=definition, expected_version=expected, **fields
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except StaleVersion as exc:
            form.refuse_stale(exc)
        else:
            messages.success(request, f"Metric “{form.cleaned_data['name']}” saved.")
            return redirect("metric_definition_list", org=org)
    return render(
        request,
        "metrics/definition_edit.html",
        page_context(membership, definition=selectors.metric_definition(definition.pk), form=form),
        status=400 if form.is_bound else 200,
    )


@member_required()
def targets(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """A use case's target, warning threshold and baseline per metric; one form saves all."""
    use_case = access.access_use_case(request.membership, pk)
    membership = request.membership
    form = TargetsForm(
        request.POST or None,
        metrics=selectors.target_metrics(use_case),
        targets=selectors.targets_of(use_case),
    )
    if request.method == "POST":
        access.access_use_case(membership, pk, perm=Perm.EDIT)
        if form.is_valid():
            try:
                changed = services.metric_targets_update(
                    actor=request.user, use_case=use_case, values=form.values()
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"Targets saved ({changed} metric{'s' if changed != 1 else ''} changed).",
                )
                return redirect("metric_targets", org=org, pk=use_case.pk)
    return render(
        request,
        "metrics/targets.html",
        page_context(
            membership,
            use_case=use_case,
            form=form,
            groups=form.groups(),
            can_edit=membership.can_edit_use_cases,
            scorecard_url=scorecard_url(use_case),
        ),
        status=400 if form.is_bound else 200,
    )


@member_required()
@require_POST
def recompute(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """Recompute the use case's roll-ups now (program managers and org admins)."""
    use_case = access.access_use_case(request.membership, pk, perm=Perm.EDIT)
    try:
        marked = services.rollup_recompute(actor=request.user, use_case=use_case)
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(
            request,
            f"Recomputing {marked:,} day and week figure{'s' if marked != 1 else ''} "
            f"of {use_case.name}.",
        )
    return redirect(safe_next(request, scorecard_url(use_case)))

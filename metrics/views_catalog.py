"""Pages for what is measured and what good looks like: the metric catalog (org admins add
their own metrics) and a use case's targets, warning thresholds and baselines (program
managers and org admins), with the on-demand roll-up recompute."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from metrics import services
from metrics.access import ADMIN, access_metric_definition
from metrics.checks import scorecard_url
from metrics.forms_ingest import MetricDefinitionEditForm, MetricDefinitionForm, TargetsForm
from metrics.models import Level, MetricDefinition, MetricTarget
from readiness import access
from readiness.views.common import AuthedRequest, add_errors, error_messages
from readiness.views.use_cases import safe_next


@login_required
def definition_list(request: AuthedRequest, org: str) -> HttpResponse:
    """Every member sees the catalog; org admins add metrics of their own."""
    membership = access.membership_for(request.user, org)
    organization = membership.organization
    form = MetricDefinitionForm(request.POST or None)
    if request.method == "POST":
        access.membership_for(request.user, org, predicate=ADMIN)
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
    definitions = MetricDefinition.objects.filter(
        Q(organization__isnull=True) | Q(organization=organization)
    ).order_by("name")
    levels = [
        {"label": label, "metrics": [d for d in definitions if d.level == value]}
        for value, label in Level.choices
    ]
    return render(
        request,
        "metrics/definitions.html",
        {
            "membership": membership,
            "organization": organization,
            "org": org,
            "nav": "metrics",
            "levels": levels,
            "form": form,
            "can_manage": membership.is_admin,
        },
        status=400 if form.is_bound else 200,
    )


@login_required
def definition_edit(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership, definition = access_metric_definition(
        request.user, pk, org_slug=org, predicate=ADMIN
    )
    if definition.is_builtin:
        messages.error(request, "The built-in metrics cannot be changed.")
        return redirect("metric_definition_list", org=org)
    form = MetricDefinitionEditForm(request.POST or None, instance=definition)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.metric_definition_update(actor=request.user, definition=definition, **fields)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Metric “{form.cleaned_data['name']}” saved.")
            return redirect("metric_definition_list", org=org)
    return render(
        request,
        "metrics/definition_edit.html",
        {
            "membership": membership,
            "organization": membership.organization,
            "org": org,
            "nav": "metrics",
            "definition": MetricDefinition.objects.get(pk=definition.pk),
            "form": form,
        },
        status=400 if form.is_bound else 200,
    )


@login_required
def targets(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """A use case's target, warning threshold and baseline per metric; one form saves all."""
    use_case = access.access_use_case(request.user, pk, org_slug=org)
    membership = access.membership_for(request.user, org)
    level_order = {value: i for i, (value, _) in enumerate(Level.choices)}
    metrics = sorted(
        MetricDefinition.objects.filter(
            Q(organization__isnull=True) | Q(organization_id=use_case.organization_id)
        ),
        key=lambda m: (level_order.get(m.level, 9), m.name),
    )
    current = {t.metric_id: t for t in MetricTarget.objects.filter(use_case=use_case)}
    form = TargetsForm(request.POST or None, metrics=metrics, targets=current)
    if request.method == "POST":
        access.access_use_case(request.user, pk, org_slug=org, predicate=access.WRITE)
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
    level_labels = dict(Level.choices)
    groups: list[dict[str, object]] = []
    for row in form.rows():
        label = level_labels[row["metric"].level]
        if not groups or groups[-1]["label"] != label:
            groups.append({"label": label, "rows": []})
        groups[-1]["rows"].append(row)  # type: ignore[attr-defined]
    return render(
        request,
        "metrics/targets.html",
        {
            "membership": membership,
            "organization": membership.organization,
            "org": org,
            "nav": "metrics",
            "use_case": use_case,
            "form": form,
            "groups": groups,
            "can_edit": membership.can_edit_use_cases,
            "scorecard_url": scorecard_url(use_case),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def recompute(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """Recompute the use case's roll-ups now (program managers and org admins)."""
    use_case = access.access_use_case(request.user, pk, org_slug=org, predicate=access.WRITE)
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

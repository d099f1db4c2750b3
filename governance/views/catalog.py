"""Checklist templates (org admins edit copies), framework tags, settings, and coverage."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from governance import access as gaccess
from governance import selectors, services
from governance.forms import (
    ControlForm,
    SettingsForm,
    TemplateCopyForm,
    TemplateForm,
    TemplateItemForm,
)
from governance.models import Framework, GovernanceSettings
from governance.views.common import page_context
from readiness import access
from readiness.views.common import AuthedRequest, add_errors


@login_required
def template_list(request: AuthedRequest, org: str) -> HttpResponse:
    membership = access.membership_for(request.user, org)
    organization = membership.organization
    settings_row = GovernanceSettings.objects.filter(organization=organization).first()
    settings_form = SettingsForm(
        request.POST or None,
        initial={"admins_may_sign_off": bool(settings_row and settings_row.admins_may_sign_off)},
    )
    if request.method == "POST":
        gaccess.require(request.user, organization.pk, gaccess.ADMIN)
        if settings_form.is_valid():
            services.governance_settings_update(
                actor=request.user,
                organization=organization,
                admins_may_sign_off=settings_form.cleaned_data["admins_may_sign_off"],
            )
            messages.success(request, "Governance settings saved.")
            return redirect("governance_templates", org=org)
    templates = list(selectors.templates_for(organization))
    return render(
        request,
        "governance/template_list.html",
        page_context(
            membership,
            nav="governance_settings",
            templates=templates,
            settings_form=settings_form,
            default_template=services.default_template_for(organization.pk),
        ),
    )


@login_required
def template_detail(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """A template's items; for an org's own template, the admin edits it here."""
    membership = access.membership_for(request.user, org)
    template = gaccess.access_template(request.user, pk, org_slug=org)
    editable = template.organization_id is not None and membership.is_admin
    form = TemplateForm(
        request.POST or None, initial={"name": template.name, "description": template.description}
    )
    if request.method == "POST":
        gaccess.access_template(request.user, pk, org_slug=org, action=gaccess.ADMIN)
        if form.is_valid():
            try:
                services.template_update(actor=request.user, template=template, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, "Template saved.")
                return redirect("governance_template", org=org, pk=template.pk)
    return render(
        request,
        "governance/template_detail.html",
        page_context(
            membership,
            nav="governance_settings",
            template=template,
            items=selectors.template_items(template),
            form=form,
            editable=editable,
            copy_form=TemplateCopyForm(initial={"name": f"{template.name} (copy)"}),
        ),
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def template_copy(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = access.membership_for(request.user, org)
    gaccess.require(request.user, membership.organization_id, gaccess.ADMIN)
    template = gaccess.access_template(request.user, pk, org_slug=org)
    form = TemplateCopyForm(request.POST)
    if form.is_valid():
        try:
            copy = services.template_copy(
                actor=request.user,
                organization=membership.organization,
                template=template,
                name=form.cleaned_data["name"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Copied to “{copy.name}”: edit it below.")
            return redirect("governance_template", org=org, pk=copy.pk)
    messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("governance_template", org=org, pk=template.pk)


@login_required
@require_POST
def template_default(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    template = gaccess.access_template(request.user, pk, org_slug=org, action=gaccess.ADMIN)
    services.template_set_default(actor=request.user, template=template)
    messages.success(request, f"“{template.name}” is now applied to new use cases.")
    return redirect("governance_templates", org=org)


@login_required
def template_item_edit(
    request: AuthedRequest, org: str, pk: int, item_pk: int | None = None
) -> HttpResponse:
    """Add an item to a template (no ``item_pk``) or edit one."""
    membership = access.membership_for(request.user, org)
    template = gaccess.access_template(request.user, pk, org_slug=org, action=gaccess.ADMIN)
    item = None
    if item_pk is not None:
        item = gaccess.access_template_item(
            request.user, item_pk, org_slug=org, action=gaccess.ADMIN
        )
        if item.template_id != template.pk:
            from django.http import Http404

            raise Http404
    form = TemplateItemForm(
        request.POST or None, instance=item, organization=membership.organization
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        controls = list(data.pop("controls"))
        try:
            services.template_item_save(
                actor=request.user, template=template, item=item, controls=controls, **data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Item saved. Checklists already applied are unchanged.")
            return redirect("governance_template", org=org, pk=template.pk)
    return render(
        request,
        "governance/template_item_form.html",
        page_context(
            membership, nav="governance_settings", template=template, item=item, form=form
        ),
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def template_item_delete(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    item = gaccess.access_template_item(request.user, pk, org_slug=org, action=gaccess.ADMIN)
    template_pk = item.template_id
    services.template_item_delete(actor=request.user, item=item)
    messages.success(request, "Item removed from the template. Checklists already applied keep it.")
    return redirect("governance_template", org=org, pk=template_pk)


@login_required
def controls(request: AuthedRequest, org: str) -> HttpResponse:
    """The framework catalog; org admins add their own tags."""
    membership = access.membership_for(request.user, org)
    organization = membership.organization
    form = ControlForm(request.POST or None)
    if request.method == "POST":
        gaccess.require(request.user, organization.pk, gaccess.ADMIN)
        if form.is_valid():
            try:
                services.framework_control_create(
                    actor=request.user, organization=organization, **form.cleaned_data
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, "Framework control added.")
                return redirect("governance_controls", org=org)
    return render(
        request,
        "governance/controls.html",
        page_context(
            membership,
            nav="governance_settings",
            controls=list(selectors.controls_for(organization)),
            form=form,
        ),
        status=400 if form.is_bound else 200,
    )


@login_required
def coverage(request: AuthedRequest, org: str) -> HttpResponse:
    """Per framework: which controls the organization's checklists cover, and the statement of
    applicability (items marked not applicable, with why)."""
    membership = access.membership_for(request.user, org)
    framework = request.GET.get("framework") or Framework.NIST_AI_RMF
    if framework not in Framework.values:
        framework = Framework.NIST_AI_RMF
    data = selectors.coverage(membership.organization, framework)
    return render(
        request,
        "governance/coverage.html",
        page_context(
            membership,
            framework=framework,
            framework_label=Framework(framework).label,
            frameworks=Framework.choices,
            **data,
        ),
    )

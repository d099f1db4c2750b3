"""Checklist templates (org admins edit copies), framework tags, settings, and coverage."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
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
from governance.models import Framework
from governance.views.common import page_context
from readiness import access
from readiness.errors import StaleVersion
from readiness.models import Perm
from readiness.views.common import AuthedRequest, add_errors, member_required


@member_required()
def template_list(request: AuthedRequest, org: str) -> HttpResponse:
    membership = request.membership
    organization = membership.organization
    settings_form = SettingsForm(
        request.POST or None, initial={"admins_may_sign_off": organization.admins_may_sign_off}
    )
    if request.method == "POST":
        access.require(membership, Perm.ADMINISTER)
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
            default_template=selectors.default_template_for(organization.pk),
        ),
    )


@member_required()
def template_detail(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """A template's items; for an org's own template, the admin edits it here."""
    membership = request.membership
    template = gaccess.access_template(membership, pk)
    editable = template.organization_id is not None and membership.is_admin
    form = TemplateForm(
        request.POST or None, initial={"name": template.name, "description": template.description}
    )
    if request.method == "POST":
        gaccess.access_template(membership, pk, perm=Perm.ADMINISTER)
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


@member_required()
@require_POST
def template_copy(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    access.require(membership, Perm.ADMINISTER)
    template = gaccess.access_template(membership, pk)
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


@member_required()
@require_POST
def template_default(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    template = gaccess.access_template(request.membership, pk, perm=Perm.ADMINISTER)
    services.template_set_default(actor=request.user, template=template)
    messages.success(request, f"“{template.name}” is now applied to new use cases.")
    return redirect("governance_templates", org=org)


@member_required(Perm.ADMINISTER)
def template_item_edit(
    request: AuthedRequest, org: str, pk: int, item_pk: int | None = None
) -> HttpResponse:
    """Add an item to a template (no ``item_pk``) or edit one."""
    membership = request.membership
    template = gaccess.access_template(membership, pk, perm=Perm.ADMINISTER)
    item = None
    if item_pk is not None:
        item = gaccess.access_template_item(membership, item_pk, perm=Perm.ADMINISTER)
        if item.template_id != template.pk:
            raise Http404
    form = TemplateItemForm(
        request.POST or None, instance=item, organization=membership.organization
    )
    if request.method == "POST" and form.is_valid():
        expected = form.expected_version()
        data = dict(form.cleaned_data)
        controls = list(data.pop("controls"))
        try:
            services.template_item_save(
                actor=request.user,
                template=template,
                item=item,
                controls=controls,
                expected_version=expected if item is not None else None,
                **data,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except StaleVersion as exc:
            form.refuse_stale(exc)
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


@member_required()
@require_POST
def template_item_delete(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    item = gaccess.access_template_item(request.membership, pk, perm=Perm.ADMINISTER)
    template_pk = item.template_id
    services.template_item_delete(actor=request.user, item=item)
    messages.success(request, "Item removed from the template. Checklists already applied keep it.")
    return redirect("governance_template", org=org, pk=template_pk)


@member_required()
def controls(request: AuthedRequest, org: str) -> HttpResponse:
    """The framework catalog; org admins add their own tags."""
    membership = request.membership
    organization = membership.organization
    form = ControlForm(request.POST or None)
    if request.method == "POST":
        access.require(membership, Perm.ADMINISTER)
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


@member_required()
def coverage(request: AuthedRequest, org: str) -> HttpResponse:
    """Per framework: which controls the organization's checklists cover, and the statement of
    applicability (items marked not applicable, with why)."""
    membership = request.membership
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

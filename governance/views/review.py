"""The reviewer queue, a use case's governance checklists, and one item with its evidence,
sign-offs and the forms that act on it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from governance import access as gaccess
from governance import selectors, services
from governance.forms import (
    ApplyTemplateForm,
    AssignForm,
    EvidenceForm,
    NotApplicableForm,
    QueueFilterForm,
    SignOffForm,
)
from governance.models import Checklist, Evidence, GovernanceItem, ItemStatus
from governance.views.common import page_context
from readiness import access, gate
from readiness.errors import Conflict, StaleVersion
from readiness.models import Membership, Perm
from readiness.views.common import AuthedRequest, add_errors, member_required
from readiness.views.use_cases import use_case_context

PAGE_SIZE = 50


@member_required()
def queue(request: AuthedRequest, org: str) -> HttpResponse:
    """What awaits the signed-in member's decision, oldest first."""
    membership = request.membership
    organization = membership.organization
    form = QueueFilterForm(request.GET or None, organization=organization)
    filters = form.filters() if request.GET else {}
    may_sign_off = membership.allows(Perm.SIGN_OFF)
    items = selectors.review_queue(organization, request.user, **filters)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for item in page:
        item.waiting_days = (now - item.submitted_at).days if item.submitted_at else 0  # type: ignore[attr-defined]
    return render(
        request,
        "governance/queue.html",
        page_context(
            membership,
            form=form,
            page=page,
            is_filtered=any(v for v in filters.values()),
            may_sign_off=may_sign_off,
            today=timezone.localdate(),
        ),
    )


def _use_case_page(
    request: AuthedRequest,
    membership: Membership,
    use_case: Any,
    *,
    apply_form: ApplyTemplateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    checklists = selectors.use_case_checklists(use_case)
    policy = selectors.use_case_policy(use_case)
    registry_state, registry_entry = selectors.registry_status(policy)
    target = gate.next_target(use_case)
    context = use_case_context(membership, use_case, "governance")
    context.update(page_context(membership, nav="use_cases"))
    context.update(
        checklists=checklists,
        policy=policy,
        registry_state=registry_state,
        registry_entry=registry_entry,
        rereviews=selectors.rereviews(use_case),
        incidents=list(selectors.incidents(membership.organization, use_case=use_case.pk)[:10]),
        apply_form=apply_form or ApplyTemplateForm(organization=membership.organization),
        gate_target=target,
        governance_blockers=[
            b
            for b in (gate.evaluate(use_case, target) if target else [])
            if b.source == "governance"
        ],
    )
    return render(request, "governance/usecase.html", context, status=status)


@member_required()
def usecase(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """A use case's checklists with progress per gate. A use case seen here for the first time
    without any checklist gets the organization's default template (audited)."""
    membership = request.membership
    use_case = access.access_use_case(membership, pk)
    if not Checklist.objects.filter(use_case=use_case).exists() and services.checklist_ensure(
        use_case=use_case, actor=request.user
    ):
        messages.info(request, "The organization's default governance checklist was applied.")
    return _use_case_page(request, membership, use_case)


@member_required()
@require_POST
def apply_template(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    use_case = access.access_use_case(membership, pk)
    access.require(membership, Perm.GOVERN)
    form = ApplyTemplateForm(request.POST, organization=membership.organization)
    if form.is_valid():
        try:
            checklist = services.checklist_apply(
                actor=request.user, use_case=use_case, template=form.cleaned_data["template"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"“{checklist.name}” applied to {use_case.name}.")
            return redirect("governance_usecase", org=org, pk=use_case.pk)
    return _use_case_page(request, membership, use_case, apply_form=form, status=400)


# --- One item ---------------------------------------------------------------------------------


def _item_page(
    request: AuthedRequest,
    membership: Membership,
    item: GovernanceItem,
    *,
    forms: dict[str, Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    organization = membership.organization
    use_case = item.checklist.use_case
    evidence = selectors.item_evidence(item)
    today = timezone.localdate()
    for e in evidence:
        e.current = e.is_current(today)  # type: ignore[attr-defined]
    own = any(e.current and e.submitted_by_id == request.user.pk for e in evidence)  # type: ignore[attr-defined]
    forms = forms or {}
    ctx = page_context(membership)
    can_decide = ctx["may_sign_off"] and item.status == ItemStatus.SUBMITTED and not own
    ctx.update(
        item=item,
        use_case=use_case,
        evidence=evidence,
        sign_offs=selectors.item_sign_offs(item),
        controls=list(item.controls.all()),
        own_evidence=own,
        can_decide=can_decide,
        evidence_form=forms.get("evidence")
        or EvidenceForm(initial={"effective_date": today, "kind": "text"}),
        sign_off_form=forms.get("sign_off") or SignOffForm(),
        na_form=forms.get("na") or NotApplicableForm(),
        assign_form=forms.get("assign")
        or AssignForm(
            organization=organization,
            initial={"assigned_reviewer": item.assigned_reviewer_id, "due_date": item.due_date},
            version=item.version,
        ),
        today=today,
    )
    return render(request, "governance/item.html", ctx, status=status)


@member_required()
def item_detail(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    item = gaccess.access_item(membership, pk)
    return _item_page(request, membership, item)


@member_required()
@require_POST
def evidence_add(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    item = gaccess.access_item(membership, pk, perm=Perm.EDIT)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.evidence_submit(
                actor=request.user,
                item=item,
                kind=data["kind"],
                text=data.get("text") or "",
                url=data.get("url") or "",
                upload=data.get("file"),
                effective_date=data["effective_date"],
                expires_on=data.get("expires_on"),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Evidence submitted: the item awaits review.")
            return redirect("governance_item", org=org, pk=item.pk)
    return _item_page(request, membership, item, forms={"evidence": form}, status=400)


@member_required()
@require_POST
def evidence_withdraw(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    evidence = gaccess.access_evidence(request.membership, pk, perm=Perm.EDIT)
    services.evidence_withdraw(actor=request.user, evidence=evidence)
    messages.success(request, "Evidence withdrawn.")
    return redirect("governance_item", org=org, pk=evidence.item_id)


@member_required()
def evidence_download(request: AuthedRequest, org: str, pk: int) -> FileResponse:
    """Uploaded evidence, only to members of its organization, always as an attachment."""
    evidence: Evidence = gaccess.access_evidence(request.membership, pk)
    if not evidence.file:
        raise Http404("This evidence has no file")
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The file is missing from storage") from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.filename or "evidence",
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@member_required()
@require_POST
def sign_off(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    item = gaccess.access_item(membership, pk, perm=Perm.SIGN_OFF)
    form = SignOffForm(request.POST)
    if form.is_valid():
        try:
            decision = services.item_sign_off(
                actor=request.user,
                item=item,
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except Conflict as exc:
            messages.error(request, str(exc))
            item = gaccess.access_item(membership, pk)
            return _item_page(request, membership, item, status=409)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return _item_page(request, membership, item, status=403)
        else:
            verb = "approved" if decision.decision == "approved" else "rejected"
            messages.success(request, f"“{item.title}” {verb}.")
            nxt = request.POST.get("next")
            if nxt == "queue":
                return redirect("governance_queue", org=org)
            return redirect("governance_item", org=org, pk=item.pk)
    return _item_page(request, membership, item, forms={"sign_off": form}, status=400)


@member_required()
@require_POST
def not_applicable(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    item = gaccess.access_item(membership, pk, perm=Perm.SIGN_OFF)
    form = NotApplicableForm(request.POST)
    if form.is_valid():
        try:
            services.item_mark_not_applicable(
                actor=request.user, item=item, reason=form.cleaned_data["na_reason"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"“{item.title}” marked not applicable.")
            return redirect("governance_item", org=org, pk=item.pk)
    return _item_page(request, membership, item, forms={"na": form}, status=400)


@member_required()
@require_POST
def reopen(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    item = gaccess.access_item(request.membership, pk, perm=Perm.SIGN_OFF)
    try:
        services.item_reopen(actor=request.user, item=item)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"“{item.title}” reopened.")
    return redirect("governance_item", org=org, pk=item.pk)


@member_required()
@require_POST
def assign(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    item = gaccess.access_item(membership, pk, perm=Perm.GOVERN)
    form = AssignForm(request.POST, organization=membership.organization)
    if form.is_valid():
        try:
            services.item_assign(
                actor=request.user,
                item=item,
                expected_version=form.expected_version(),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except StaleVersion as exc:
            form.refuse_stale(exc)
        else:
            messages.success(request, "Reviewer and due date saved.")
            return redirect("governance_item", org=org, pk=item.pk)
    return _item_page(request, membership, item, forms={"assign": form}, status=400)

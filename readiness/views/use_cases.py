"""The program manager's use-case pages: list, create and edit, the workstream board, the
behavior spec with its versions, and the audit history of one use case."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.views.decorators.http import require_POST

from readiness import access, gate, selectors, services
from readiness.audit.display import audit_changes, humanise_action
from readiness.diffing import fields_diff
from readiness.errors import Conflict, StaleVersion
from readiness.forms import (
    PRIORITY_HELP,
    BehaviorSpecForm,
    UseCaseFilterForm,
    UseCaseForm,
    WorkstreamForm,
)
from readiness.gate import Blocker, Target
from readiness.models import (
    BehaviorSpecVersion,
    Membership,
    Phase,
    UseCase,
    Workstream,
)
from readiness.scoring import CRITERIA, priority_band
from readiness.selectors.state import content_state, once_per_state, shared_key
from readiness.views.common import AuthedRequest, add_errors, error_messages, member_required
from readiness.views.refusals import pop_refusal
from readiness.views.sorting import sort_links

PAGE_SIZE = 50
RESULTS_TEMPLATE = "readiness/partials/usecase_results.html"


# Helpers shared with readiness.views.plan


def safe_next(request: AuthedRequest, fallback: str) -> str:
    """The ``next`` parameter if it points back into this site, else ``fallback``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def use_case_context(membership: Membership, use_case: UseCase, tab: str) -> dict[str, Any]:
    """What every page of one use case needs: its header, tabs and breadcrumbs."""
    use_case.band = priority_band(use_case.priority_score, scored=use_case.is_scored)  # type: ignore[attr-defined]
    return {
        "membership": membership,
        "organization": membership.organization,
        "org": membership.organization.slug,
        "use_case": use_case,
        "can_edit": membership.can_edit_use_cases,
        "tab": tab,
        "phase_name": Phase.NAMES.get(use_case.current_phase, ""),
        "next_target": gate.next_target(use_case),
        "nav": "use_cases",
        "today": timezone.localdate(),
    }


def render_detail(
    request: AuthedRequest,
    membership: Membership,
    use_case: UseCase,
    *,
    blockers: list[Blocker] | None = None,
    refused_target: Target | None = None,
    status: int = 200,
) -> HttpResponse:
    """The use case's overview: facts, gate and the seven workstream cards.

    ``blockers`` come from a refused transition (readiness.views.plan), shown above the cards.
    """
    uc = selectors.use_case_detail(use_case)
    context = use_case_context(membership, uc, "overview")
    current_phase = next((p for p in uc.phase_list if p.number == uc.current_phase), None)  # type: ignore[attr-defined]
    due = selectors.due_soon_and_late(uc, context["today"])
    context.update(
        current_phase=current_phase if uc.is_in_plan else None,
        blockers=blockers or [],
        refused_target=refused_target,
        back_url=uc.get_absolute_url(),
        economics=[
            (
                capfirst(str(getattr(UseCase._meta.get_field(name), "verbose_name", name))),
                getattr(uc, name),
            )
            for name in CRITERIA
        ],
        due=due,
        late_count=sum(1 for d in due if d.late),
    )
    return render(request, "readiness/usecase_detail.html", context, status=status)


def _render_card(
    request: AuthedRequest, membership: Membership, workstream: Workstream, error: str = ""
) -> HttpResponse:
    ws = selectors.workstream_card(workstream)
    context = {
        "ws": ws,
        "org": membership.organization.slug,
        "can_edit": membership.can_edit_use_cases,
        "today": timezone.localdate(),
        "back_url": ws.use_case.get_absolute_url(),
        "error": error,
    }
    return render(request, "readiness/partials/workstream_card.html", context)


def _render_criteria(
    request: AuthedRequest, membership: Membership, phase: Phase, error: str = ""
) -> HttpResponse:
    p = selectors.phase_criteria(phase)
    context = {
        "phase": p,
        "org": membership.organization.slug,
        "can_edit": membership.can_edit_use_cases,
        "back_url": reverse(
            "usecase_timeline", kwargs={"org": membership.organization.slug, "pk": p.use_case_id}
        ),
        "error": error,
    }
    return render(request, "readiness/partials/phase_criteria.html", context)


# The list

# Column -> the sort its header asks for first (priority best first, start date newest first).
FIRST_CLICK = {
    "priority": "-priority",
    "name": "name",
    "start": "-start",
    "status": "status",
    "team": "team",
}


@member_required()
def usecase_list(request: AuthedRequest, org: str) -> HttpResponse:
    membership = request.membership
    organization = membership.organization
    form = UseCaseFilterForm(request.GET, teams=selectors.use_case_teams(organization))
    filters = form.filters()
    sort = request.GET.get("sort") or selectors.DEFAULT_SORT
    if sort.removeprefix("-") not in selectors.SORTS:
        sort = selectors.DEFAULT_SORT
    today = timezone.localdate()
    context = {
        "membership": membership,
        "organization": organization,
        "org": org,
        "form": form,
        "sort": sort,
        "sort_links": sort_links(sort, FIRST_CLICK),
        "is_filtered": any(filters.values()),
        "can_edit": membership.can_edit_use_cases,
        "nav": "use_cases",
    }
    # The table is rendered once per state of the organization's content and shared by the
    # members who see that state (readiness.selectors.state).
    key = shared_key(
        "use-cases",
        organization.pk,
        content_state(organization.pk, today),
        request.GET,
        context["can_edit"],
    )

    def render_table() -> tuple[int, str]:
        use_cases = selectors.use_case_list(organization, sort=sort, **filters)
        page = Paginator(use_cases, PAGE_SIZE).get_page(request.GET.get("page"))
        for uc in page:
            uc.day = uc.plan_day(today)  # type: ignore[attr-defined]
            uc.days_to_start = 1 - uc.day  # type: ignore[attr-defined]
            uc.band = priority_band(uc.priority_score, scored=uc.is_scored)  # type: ignore[attr-defined]
            total = uc.items_total  # type: ignore[attr-defined]
            uc.percent = round(100 * uc.items_done / total) if total else 0  # type: ignore[attr-defined]
        table = render_to_string(RESULTS_TEMPLATE, {**context, "page": page}, request)
        return page.paginator.count, table

    count, table = once_per_state(key, render_table)
    return render(
        request,
        "readiness/usecase_list.html",
        {**context, "count": count, "results": mark_safe(table)},  # noqa: S308
    )


# Create and edit


@member_required(access.WRITE)
def usecase_create(request: AuthedRequest, org: str) -> HttpResponse:
    membership = request.membership
    organization = membership.organization
    form = UseCaseForm(
        request.POST or None,
        organization=organization,
        initial={"start_date": timezone.localdate(), "owner": request.user.pk},
    )
    if request.method == "POST" and form.is_valid():
        form.expected_version()  # a new use case has no version to check
        try:
            use_case = services.use_case_create(
                actor=request.user, organization=organization, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                f"{use_case.name} created with its seven workstreams and a 90-day plan "
                f"starting {date_format(use_case.start_date, 'j M Y')}.",
            )
            return redirect(use_case)
    return render(
        request,
        "readiness/usecase_form.html",
        {
            "membership": membership,
            "organization": organization,
            "org": org,
            "form": form,
            "priority_help": PRIORITY_HELP,
            "nav": "use_cases",
        },
        status=400 if form.is_bound else 200,
    )


@member_required(access.WRITE)
def usecase_edit(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    use_case = access.access_use_case(membership, pk, perm=access.WRITE)
    # The form writes into the instance it is given while validating; keep the page's own copy
    # (breadcrumbs, title) showing what is saved.
    form = UseCaseForm(
        request.POST or None, instance=copy.copy(use_case), organization=membership.organization
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.use_case_update(
                actor=request.user,
                use_case=use_case,
                expected_version=form.expected_version(),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except StaleVersion as exc:
            form.refuse_stale(exc)
        else:
            messages.success(request, "Use case saved.")
            return redirect("usecase_detail", org=org, pk=use_case.pk)
    context = use_case_context(membership, use_case, "edit")
    context.update(form=form, priority_help=PRIORITY_HELP)
    return render(
        request, "readiness/usecase_form.html", context, status=400 if form.is_bound else 200
    )


# The overview and its workstreams


@member_required()
def usecase_detail(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """The overview; right after a refused transition, with that refusal's blockers (once)."""
    membership = request.membership
    use_case = access.access_use_case(membership, pk)
    target, blockers = pop_refusal(request, use_case)
    return render_detail(request, membership, use_case, blockers=blockers, refused_target=target)


@member_required()
@require_POST
def item_toggle(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """Tick or untick a checklist item. ``done`` ("1" or "0") says which; without it, flip.

    Being explicit makes a double submit harmless: ticking twice leaves it ticked. An item that
    follows a record is refused with a message naming the record (409 without htmx).
    """
    membership = request.membership
    item = access.access_checklist_item(membership, pk, perm=access.WRITE)
    posted = request.POST.get("done")
    done = (posted == "1") if posted in ("0", "1") else not item.done
    error = ""
    try:
        services.checklist_item_set_done(actor=request.user, item=item, done=done)
    except ValidationError as exc:
        error = " ".join(error_messages(exc))
    except Conflict as refused:  # the item follows a record: say which, and where to change it
        error = str(refused)
    if request.htmx:
        # htmx does not swap 4xx answers by default, so a refusal comes back as the same
        # fragment with the reason in it (role=alert), where the user is looking.
        if item.workstream is not None:
            return _render_card(request, membership, item.workstream, error)
        assert item.phase is not None
        return _render_criteria(request, membership, item.phase, error)
    if error:
        messages.error(request, error)
    if item.workstream is not None:
        fallback = reverse("usecase_detail", kwargs={"org": org, "pk": item.workstream.use_case_id})
        fallback += f"#ws-{item.workstream_id}"
    else:
        assert item.phase is not None
        fallback = reverse("usecase_timeline", kwargs={"org": org, "pk": item.phase.use_case_id})
        fallback += f"#item-{item.pk}"
    return redirect(safe_next(request, fallback))


@member_required()
def workstream_edit(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """The full edit form (GET), or a save from it or from the inline status control (POST).

    With htmx the answer is the workstream's card, errors included, whatever was posted.
    """
    membership = request.membership
    workstream = access.access_workstream(membership, pk, perm=access.WRITE)
    organization = membership.organization
    if request.method == "POST":
        form = WorkstreamForm.for_partial_post(
            request.POST, instance=copy.copy(workstream), organization=organization
        )
        if form.is_valid():
            try:
                services.workstream_update(
                    actor=request.user,
                    workstream=workstream,
                    expected_version=form.expected_version(),
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            except StaleVersion as exc:
                form.refuse_stale(exc)
        if request.htmx:
            problems = [str(e) for errors in form.errors.values() for e in errors]
            return _render_card(request, membership, workstream, " ".join(problems))
        if not form.errors:
            messages.success(request, f"Workstream {workstream} saved.")
            fallback = reverse("usecase_detail", kwargs={"org": org, "pk": workstream.use_case_id})
            return redirect(safe_next(request, f"{fallback}#ws-{workstream.pk}"))
    else:
        form = WorkstreamForm(instance=copy.copy(workstream), organization=organization)
    context = use_case_context(membership, workstream.use_case, "overview")
    context.update(workstream=workstream, form=form)
    return render(
        request,
        "readiness/usecase_workstream_edit.html",
        context,
        status=400 if form.is_bound else 200,
    )


# The behavior spec


def _spec_labels() -> dict[str, str]:
    return {
        name: capfirst(
            str(getattr(BehaviorSpecVersion._meta.get_field(name), "verbose_name", name))
        )
        for name in BehaviorSpecVersion.FIELDS
    }


@member_required()
def usecase_spec(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """The current spec, an edit form that saves a new version, the versions and their diffs."""
    membership = request.membership
    predicate = access.WRITE if request.method == "POST" else None
    use_case = access.access_use_case(membership, pk, perm=predicate)
    versions = selectors.spec_versions(use_case)
    current = versions[0] if versions else None
    form: BehaviorSpecForm | None = None
    if membership.can_edit_use_cases:
        initial = current.as_dict() if current else {}
        form = BehaviorSpecForm(
            request.POST or None, initial=initial, version=current.version if current else 0
        )
    if request.method == "POST" and form is not None and form.is_valid():
        expected = form.expected_version()
        data = dict(form.cleaned_data)
        try:
            spec = services.behavior_spec_save(
                actor=request.user,
                use_case=use_case,
                change_note=data.pop("change_note", ""),
                expected_version=expected,
                **data,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except StaleVersion as exc:
            form.refuse_stale(exc)
        else:
            messages.success(request, f"Behavior spec saved as version {spec.version}.")
            return redirect("usecase_spec", org=org, pk=use_case.pk)

    by_version = {v.version: v for v in versions}
    compare: BehaviorSpecVersion | None = current
    requested = request.GET.get("compare", "")
    if requested.isdigit():
        compare = by_version.get(int(requested), current)
    previous = by_version.get(compare.version - 1) if compare else None
    labels = _spec_labels()
    diff = []
    if compare is not None:
        old = previous.as_dict() if previous else None
        diff = [d for d in fields_diff(old, compare.as_dict(), labels) if d.changed]
    context = use_case_context(membership, use_case, "spec")
    context.update(
        versions=versions,
        current=current,
        current_fields=[(label, getattr(current, f)) for f, label in labels.items()]
        if current
        else [],
        form=form,
        compare=compare,
        previous=previous,
        diff=diff,
    )
    return render(
        request,
        "readiness/usecase_spec.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


# History (readiness.audit.display says how a record reads)


@member_required()
def usecase_history(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    use_case = access.access_use_case(membership, pk)
    page = Paginator(selectors.use_case_audit(use_case), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for event in page:
        event.label = humanise_action(event.action)  # type: ignore[attr-defined]
        event.changes = audit_changes(event)  # type: ignore[attr-defined]
    context = use_case_context(membership, use_case, "history")
    context["page"] = page
    return render(request, "readiness/usecase_history.html", context)

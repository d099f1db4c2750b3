"""The scale page and the scale decision: who may decide, when, and what it leaves behind."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from portfolio.models import ScaleDecision
from portfolio.services.scale import scale_decide
from readiness import events
from readiness.errors import Conflict, GateRefused
from readiness.models import AuditEvent, Notification, Role, UseCase, UseCaseStatus
from tests.factories import add_member, make_use_case
from tests.portfolio.executive_support import (  # noqa: F401  (whole_gate is a fixture)
    ready_to_scale,
    whole_gate,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("whole_gate")]

RATIONALE = "Claims routing halved with no rise in escalations; the owner has the budget."


@pytest.fixture
def executive(org):
    return add_member(org, Role.EXECUTIVE)


@pytest.fixture
def ready(org, pm, admin):
    return ready_to_scale(org, pm, admin, name="Claims triage")


@pytest.fixture
def captured(monkeypatch):
    seen = []
    monkeypatch.setitem(
        events._subscribers[events.Outbound],
        "tests",
        lambda outbound: seen.append((outbound.name, outbound.payload)),
    )
    return seen


def scale_url(uc, name="usecase_scale"):
    return reverse(name, kwargs={"org": uc.organization.slug, "pk": uc.pk})


# The service


def test_approval_scales_audits_the_evidence_emits_and_notifies(ready, executive, pm, captured):
    decision = scale_decide(
        actor=executive, use_case=ready, outcome="approved", rationale=RATIONALE
    )
    ready.refresh_from_db()
    assert ready.status == UseCaseStatus.SCALED
    assert decision.decided_by == executive and decision.rationale == RATIONALE
    event = AuditEvent.objects.get(action="scale.decided", use_case=ready)
    assert event.before == {"status": "production"}
    assert event.after["status"] == "scaled" and event.after["rationale"] == RATIONALE
    evidence = event.after["evidence"]
    assert {a["question"] for a in evidence["answers"]} == {
        "workflow",
        "review_model",
        "risk",
        "integrations",
        "value_metric",
        "owner",
    }
    assert not any(a["flagged"] for a in evidence["answers"]) and evidence["blockers"] == []
    assert decision.evidence == evidence
    assert captured == [
        (
            "scale.decided",
            {
                "use_case": {"id": ready.pk, "name": ready.name},
                "outcome": "approved",
                "rationale": RATIONALE,
                "revisit_on": None,
                "status": "scaled",
                "actor": executive.email,
                "score": evidence["score"],
            },
        )
    ]
    notified = set(
        Notification.objects.filter(kind="scale.decided").values_list("recipient", flat=True)
    )
    assert notified == {pm.pk}  # pm owns it and is the program manager: one notification


def test_decline_and_defer_keep_it_in_production(org, pm, admin, executive):
    declined = ready_to_scale(org, pm, admin, name="Declined")
    scale_decide(actor=executive, use_case=declined, outcome="declined", rationale=RATIONALE)
    declined.refresh_from_db()
    assert declined.status == UseCaseStatus.PRODUCTION
    deferred = ready_to_scale(org, pm, admin, name="Deferred")
    revisit = timezone.localdate() + dt.timedelta(days=30)
    decision = scale_decide(
        actor=executive,
        use_case=deferred,
        outcome="deferred",
        rationale=RATIONALE,
        revisit_on=revisit,
    )
    deferred.refresh_from_db()
    assert deferred.status == UseCaseStatus.PRODUCTION and decision.revisit_on == revisit
    assert ScaleDecision.objects.count() == 2


@pytest.mark.parametrize("role", [r.value for r in Role if r != Role.EXECUTIVE])
def test_only_executives_decide(org, ready, role):
    someone = add_member(org, role)
    with pytest.raises(PermissionDenied):
        scale_decide(actor=someone, use_case=ready, outcome="approved", rationale=RATIONALE)
    assert not ScaleDecision.objects.exists()


def test_an_executive_of_another_organization_cannot(ready, other_org):
    other, _other_admin, _ = other_org
    outsider = add_member(other, Role.EXECUTIVE)
    with pytest.raises(PermissionDenied):
        scale_decide(actor=outsider, use_case=ready, outcome="approved", rationale=RATIONALE)


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"outcome": "approved", "rationale": "ok"}, "rationale"),
        ({"outcome": "maybe", "rationale": RATIONALE}, "outcome"),
        ({"outcome": "deferred", "rationale": RATIONALE}, "revisit_on"),
        (
            {"outcome": "deferred", "rationale": RATIONALE, "revisit_on": dt.date(2000, 1, 1)},
            "revisit_on",
        ),
        (
            {"outcome": "approved", "rationale": RATIONALE, "revisit_on": dt.date(2999, 1, 1)},
            "revisit_on",
        ),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(ready, executive, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        scale_decide(actor=executive, use_case=ready, **kwargs)
    assert field in exc.value.message_dict
    ready.refresh_from_db()
    assert ready.status == UseCaseStatus.PRODUCTION and not ScaleDecision.objects.exists()


def test_not_every_gate_passed_is_refused_with_every_reason_and_audited(org, pm, admin, executive):
    unowned = ready_to_scale(org, pm, admin, name="Unowned")
    UseCase.objects.filter(pk=unowned.pk).update(owner=None)
    from governance.models import GovernanceItem, ItemStatus

    GovernanceItem.objects.filter(checklist__use_case=unowned, gate_phase=3).update(
        status=ItemStatus.OPEN
    )
    with pytest.raises(GateRefused) as exc:
        scale_decide(actor=executive, use_case=unowned, outcome="approved", rationale=RATIONALE)
    codes = [b.code for b in exc.value.blockers]
    assert codes[0] == "scale_answer_flagged" and "governance_item_not_approved" in codes
    assert any("Who owns the product" in b.message for b in exc.value.blockers)
    unowned.refresh_from_db()
    assert unowned.status == UseCaseStatus.PRODUCTION and not ScaleDecision.objects.exists()
    refused = AuditEvent.objects.get(action="scale.refused", use_case=unowned)
    assert len(refused.after["blockers"]) == len(codes)


def test_only_a_use_case_in_production_is_decided(org, pm, executive):
    pilot = make_use_case(org, pm, name="Still a pilot")
    with pytest.raises(Conflict):
        scale_decide(actor=executive, use_case=pilot, outcome="approved", rationale=RATIONALE)


# The pages


def test_scale_page_answers_the_six_questions_with_evidence(client, ready, executive):
    client.force_login(executive)
    response = client.get(scale_url(ready))
    html = response.content.decode()
    assert response.status_code == 200
    for question in (
        "What workflow is improving",
        "human review model",
        "How is risk controlled",
        "Which systems does it integrate",
        "What metric proves value",
        "Who owns the product",
    ):
        assert question in html
    assert "Ready to scale" in html and "Record the decision" in html
    assert (
        reverse("usecase_integrations", kwargs={"org": ready.organization.slug, "pk": ready.pk})
        in html
    )
    assert "Flagged" not in html


def test_pilot_mode_page_says_why_and_offers_no_decision(client, org, pm, executive):
    pilot = make_use_case(org, pm, name="Pilot")
    client.force_login(executive)
    html = client.get(scale_url(pilot)).content.decode()
    assert "Pilot mode" in html and "Nobody" not in html
    assert "Name the person who owns the product" in html
    assert "Record the decision" not in html


def test_every_member_reads_the_scale_page_but_only_executives_see_the_form(
    client, org, ready, role_member
):
    role, user = role_member
    client.force_login(user)
    html = client.get(scale_url(ready)).content.decode()
    assert ("Record the decision" in html) == (role == Role.EXECUTIVE)


def test_every_link_on_the_scale_page_opens_for_the_role_that_sees_it(
    client, org, ready, role_member
):
    """Links a role may not follow are not shown: the evidence of each answer, the breadcrumbs
    and the tabs all open (no 403) for every role."""
    import re

    role, user = role_member
    client.force_login(user)
    html = client.get(scale_url(ready)).content.decode()
    main = html.split('<main id="main"', 1)[1]
    links = sorted(set(re.findall(r'href="(/o/[^"#?]+)', main)))
    assert links
    edit = f"/o/{org.slug}/use-cases/{ready.pk}/edit/"
    assert (edit in links) == (role in (Role.ORG_ADMIN, Role.PROGRAM_MANAGER))
    refused = [link for link in links if client.get(link).status_code == 403]
    assert refused == []


def test_decide_view_role_matrix(client, org, pm, admin, role_member):
    role, user = role_member
    use_case = ready_to_scale(org, pm, admin, name=f"For {role}")
    client.force_login(user)
    response = client.post(
        scale_url(use_case, "usecase_scale_decide"), {"outcome": "approved", "rationale": RATIONALE}
    )
    use_case.refresh_from_db()
    if role == Role.EXECUTIVE:
        assert response.status_code == 302
        assert use_case.status == UseCaseStatus.SCALED
    else:
        assert response.status_code == 403
        assert use_case.status == UseCaseStatus.PRODUCTION


def test_decide_view_other_tenant_is_404(client, ready, other_org):
    other, _, _ = other_org
    client.force_login(add_member(other, Role.EXECUTIVE))
    assert (
        client.post(
            scale_url(ready, "usecase_scale_decide"),
            {"outcome": "approved", "rationale": RATIONALE},
        ).status_code
        == 404
    )
    assert client.get(scale_url(ready)).status_code == 404


def test_decide_view_bad_input_and_refusal(client, org, pm, admin, ready, executive):
    client.force_login(executive)
    response = client.post(
        scale_url(ready, "usecase_scale_decide"), {"outcome": "approved", "rationale": "ok"}
    )
    assert response.status_code == 400 and "at least 20 characters" in response.content.decode()
    unowned = ready_to_scale(org, pm, admin, name="Unowned")
    UseCase.objects.filter(pk=unowned.pk).update(owner=None)
    response = client.post(
        scale_url(unowned, "usecase_scale_decide"), {"outcome": "approved", "rationale": RATIONALE}
    )
    assert response.status_code == 409 and "No decision recorded" in response.content.decode()
    assert not ScaleDecision.objects.exists()


def test_get_on_decide_is_not_allowed(client, ready, executive):
    client.force_login(executive)
    assert client.get(scale_url(ready, "usecase_scale_decide")).status_code == 405


# The API


def test_api_scale_case_and_decision(org, ready, executive, viewer):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(viewer)
    case = api.get(f"/api/v1/scale/{ready.pk}/")
    assert case.status_code == 200
    body = case.json()
    assert body["row"]["verdict"] == "ready_to_scale" and not body["may_decide"]
    assert [q["key"] for q in body["questions"]] == [
        "workflow",
        "review_model",
        "risk",
        "integrations",
        "value_metric",
        "owner",
    ]
    refused = api.post(
        f"/api/v1/scale/{ready.pk}/decide/", {"outcome": "approved", "rationale": RATIONALE}
    )
    assert refused.status_code == 403
    api.force_authenticate(executive)
    assert api.get(f"/api/v1/scale/{ready.pk}/").json()["may_decide"]
    bad = api.post(
        f"/api/v1/scale/{ready.pk}/decide/",
        {"outcome": "deferred", "rationale": RATIONALE},
        format="json",
    )
    assert bad.status_code == 400 and "revisit_on" in bad.json()
    done = api.post(
        f"/api/v1/scale/{ready.pk}/decide/",
        {"outcome": "approved", "rationale": RATIONALE},
        format="json",
    )
    assert done.status_code == 201 and done.json()["decided_by"] == executive.email
    again = api.post(
        f"/api/v1/scale/{ready.pk}/decide/",
        {"outcome": "approved", "rationale": RATIONALE},
        format="json",
    )
    assert again.status_code == 409  # scaled now: no longer in production


def test_api_refused_decision_lists_blockers(org, pm, admin, executive):
    from rest_framework.test import APIClient

    unowned = ready_to_scale(org, pm, admin, name="Unowned")
    UseCase.objects.filter(pk=unowned.pk).update(owner=None)
    api = APIClient()
    api.force_authenticate(executive)
    response = api.post(
        f"/api/v1/scale/{unowned.pk}/decide/",
        {"outcome": "approved", "rationale": RATIONALE},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["blockers"][0]["code"] == "scale_answer_flagged"


def test_api_other_tenant_404(ready, other_org):
    from rest_framework.test import APIClient

    other, _, _ = other_org
    api = APIClient()
    api.force_authenticate(add_member(other, Role.EXECUTIVE))
    assert api.get(f"/api/v1/scale/{ready.pk}/").status_code == 404
    assert (
        api.post(
            f"/api/v1/scale/{ready.pk}/decide/", {"outcome": "approved", "rationale": RATIONALE}
        ).status_code
        == 404
    )

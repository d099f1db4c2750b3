"""Integrations with systems of record: the service rules, the pages and their roles."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from portfolio.answers import use_case as use_case_answers
from readiness import services
from readiness.models import AuditEvent, Integration, Role
from tests.conftest import WRITE_ROLES
from tests.factories import add_member
from tests.portfolio.executive_support import DONE

pytestmark = pytest.mark.django_db


def list_url(uc):
    return reverse("usecase_integrations", kwargs={"org": uc.organization.slug, "pk": uc.pk})


def create_url(uc):
    return reverse("integration_create", kwargs={"org": uc.organization.slug, "pk": uc.pk})


def edit_url(integration):
    return reverse(
        "integration_edit",
        kwargs={"org": integration.use_case.organization.slug, "pk": integration.pk},
    )


FORM = {
    "name": "Guidewire ClaimCenter",
    "kind": "ticketing",
    "owner": "",
    "status": "building",
    "identity_access": "done",
    "data_mapping": "in_progress",
    "event_triggers": "not_started",
    "api_reliability": "not_started",
    "logging_audit": "not_applicable",
    "notes": "Claims are read through the REST API; routing decisions written back as notes.",
}


# The service


def test_save_audits_what_changed(use_case, pm):
    integration = services.integration_save(
        actor=pm, use_case=use_case, name="Zendesk", kind="ticketing", owner=pm
    )
    assert integration.status == "planned" and integration.concerns_done == 0
    services.integration_save(
        actor=pm, use_case=use_case, integration=integration, data_mapping="done"
    )
    events = list(
        AuditEvent.objects.filter(use_case=use_case, action__startswith="integration.").order_by(
            "id"
        )
    )
    assert [e.action for e in events] == ["integration.created", "integration.updated"]
    assert events[1].before == {"data_mapping": "not_started"} and events[1].after == {
        "data_mapping": "done"
    }


def test_live_needs_all_five_concerns(use_case, pm):
    with pytest.raises(ValidationError) as exc:
        services.integration_save(
            actor=pm,
            use_case=use_case,
            name="SAP",
            kind="erp",
            status="live",
            **{**DONE, "event_triggers": "blocked", "logging_audit": "in_progress"},
        )
    message = exc.value.message_dict["status"][0]
    assert "still open: Event triggers, Logging and audit trails" in message
    assert not Integration.objects.exists()
    live = services.integration_save(
        actor=pm,
        use_case=use_case,
        name="SAP",
        kind="erp",
        status="live",
        **{**DONE, "event_triggers": "not_applicable"},
    )
    assert live.status == "live"


def test_duplicate_names_and_foreign_owners_are_refused(use_case, pm, other_org):
    services.integration_save(actor=pm, use_case=use_case, name="Zendesk", kind="ticketing")
    with pytest.raises(ValidationError) as exc:
        services.integration_save(actor=pm, use_case=use_case, name="zendesk", kind="ticketing")
    assert "name" in exc.value.message_dict
    _, outsider, _ = other_org
    with pytest.raises(ValidationError) as exc:
        services.integration_save(
            actor=pm, use_case=use_case, name="SAP", kind="erp", owner=outsider
        )
    assert "owner" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.integration_save(actor=pm, use_case=use_case, name="X", kind="erp", bogus=1)


@pytest.mark.parametrize("role", [Role.GOVERNANCE_REVIEWER, Role.EXECUTIVE, Role.VIEWER])
def test_readers_cannot_write(org, use_case, role):
    user = add_member(org, role)
    with pytest.raises(PermissionDenied):
        services.integration_save(actor=user, use_case=use_case, name="SAP", kind="erp")


def test_delete_is_audited(use_case, pm):
    integration = services.integration_save(actor=pm, use_case=use_case, name="SAP", kind="erp")
    services.integration_delete(actor=pm, integration=integration)
    assert not Integration.objects.exists()
    assert AuditEvent.objects.get(action="integration.deleted").before["name"] == "SAP"


def test_the_integrations_answer(use_case, pm):
    answer = next(
        a
        for a in use_case_answers.answers_many([use_case])[use_case.pk]
        if a.question == "integrations"
    )
    assert answer.flagged and "Record the systems of record" in answer.reason
    services.integration_save(
        actor=pm, use_case=use_case, name="SAP", kind="erp", status="building"
    )
    answer = next(
        a
        for a in use_case_answers.answers_many([use_case])[use_case.pk]
        if a.question == "integrations"
    )
    assert (
        answer.flagged
        and "No integration is live" in answer.reason
        and "SAP (being built)" in answer.text
    )
    services.integration_save(
        actor=pm, use_case=use_case, name="Zendesk", kind="ticketing", status="live", **DONE
    )
    answer = next(
        a
        for a in use_case_answers.answers_many([use_case])[use_case.pk]
        if a.question == "integrations"
    )
    assert not answer.flagged and answer.text.startswith("Live with 1 of 2 system(s)")


# The pages


def test_list_page_for_every_member(client, org, use_case, pm, role_member):
    services.integration_save(
        actor=pm, use_case=use_case, name="Zendesk", kind="ticketing", owner=pm
    )
    role, user = role_member
    client.force_login(user)
    html = client.get(list_url(use_case)).content.decode()
    assert "Zendesk" in html and "Identity and access" in html
    assert ("Add an integration" in html) == (role in WRITE_ROLES)


def test_create_edit_and_delete_through_the_pages(client, use_case, pm):
    client.force_login(pm)
    assert client.get(create_url(use_case)).status_code == 200
    response = client.post(create_url(use_case), FORM)
    assert response.status_code == 302 and response["Location"] == list_url(use_case)
    integration = Integration.objects.get()
    assert integration.data_mapping == "in_progress"
    response = client.post(edit_url(integration), {**FORM, "status": "live"})
    assert response.status_code == 400
    assert "still open: Data mapping, Event triggers, API reliability" in response.content.decode()
    integration.refresh_from_db()
    assert integration.status == "building"
    response = client.post(edit_url(integration), {**FORM, **DONE, "status": "live"})
    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.status == "live"
    delete = reverse(
        "integration_delete", kwargs={"org": use_case.organization.slug, "pk": integration.pk}
    )
    assert client.post(delete).status_code == 302 and not Integration.objects.exists()


def test_bad_form_input_names_the_field(client, use_case, pm):
    client.force_login(pm)
    response = client.post(create_url(use_case), {**FORM, "name": "", "kind": "nonsense"})
    assert response.status_code == 400 and not Integration.objects.exists()
    html = response.content.decode()
    assert "This field is required" in html and "Select a valid choice" in html


@pytest.mark.parametrize("role", [Role.GOVERNANCE_REVIEWER, Role.EXECUTIVE, Role.VIEWER])
def test_write_pages_are_forbidden_to_readers(client, org, use_case, pm, role):
    integration = services.integration_save(actor=pm, use_case=use_case, name="SAP", kind="erp")
    client.force_login(add_member(org, role))
    assert client.get(create_url(use_case)).status_code == 403
    assert client.post(create_url(use_case), FORM).status_code == 403
    assert client.post(edit_url(integration), FORM).status_code == 403
    delete = reverse("integration_delete", kwargs={"org": org.slug, "pk": integration.pk})
    assert client.post(delete).status_code == 403
    assert Integration.objects.count() == 1


def test_other_tenants_get_404(client, use_case, pm, other_org):
    integration = services.integration_save(actor=pm, use_case=use_case, name="SAP", kind="erp")
    _, outsider, _ = other_org
    client.force_login(outsider)
    assert client.get(list_url(use_case)).status_code == 404
    assert client.get(edit_url(integration)).status_code == 404
    other_slug_url = reverse("integration_edit", kwargs={"org": "globex", "pk": integration.pk})
    assert client.get(other_slug_url).status_code == 404


# The API


def test_api_crud_and_roles(org, use_case, pm, viewer, other_org):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(viewer)
    body = {"use_case": use_case.pk, "name": "SAP", "kind": "erp", "owner": pm.email}
    assert api.post("/api/v1/integrations/", body, format="json").status_code == 403
    api.force_authenticate(pm)
    created = api.post("/api/v1/integrations/", body, format="json")
    assert created.status_code == 201 and created.json()["owner"] == pm.email
    pk = created.json()["id"]
    live = api.patch(f"/api/v1/integrations/{pk}/", {"status": "live"}, format="json")
    assert live.status_code == 400 and "still open" in live.json()["status"][0]
    assert (
        api.patch(
            f"/api/v1/integrations/{pk}/", {**DONE, "status": "live"}, format="json"
        ).status_code
        == 200
    )
    listed = api.get("/api/v1/integrations/", {"use_case": use_case.pk}).json()
    assert [i["status"] for i in listed["results"]] == ["live"]
    _, outsider, _ = other_org
    api.force_authenticate(outsider)
    assert api.get(f"/api/v1/integrations/{pk}/").status_code == 404
    assert api.get("/api/v1/integrations/").json()["results"] == []
    api.force_authenticate(pm)
    assert api.delete(f"/api/v1/integrations/{pk}/").status_code == 204

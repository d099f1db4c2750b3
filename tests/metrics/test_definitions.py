"""An organization's own metric definitions next to the built-in catalog: service, page, API."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from metrics.models import MetricDefinition
from metrics.services import metric_definition_create, metric_definition_update
from readiness.models import AuditEvent, Role
from tests.conftest import ADMIN_ONLY, roles_except
from tests.factories import add_member

pytestmark = pytest.mark.django_db

FIELDS = {
    "key": "handoffs",
    "name": "Handoffs",
    "level": "business",
    "kind": "count",
    "unit": "cases",
    "direction": "higher",
    "description": "Cases handed to the next team.",
}


def test_the_builtin_catalog_has_eleven_metrics_on_three_levels(db):
    builtins = MetricDefinition.objects.filter(organization__isnull=True)
    assert builtins.count() == 11
    assert set(builtins.values_list("level", flat=True)) == {"system", "quality", "business"}


def test_org_admins_add_and_edit_their_own_metrics(org, admin):
    definition = metric_definition_create(actor=admin, organization=org, **FIELDS)
    assert definition.organization == org and not definition.is_builtin
    metric_definition_update(actor=admin, definition=definition, name="Team handoffs")
    definition.refresh_from_db()
    assert definition.name == "Team handoffs"
    actions = list(
        AuditEvent.objects.filter(action__startswith="metrics.definition").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["metrics.definition.create", "metrics.definition.update"]


def test_keys_are_unique_against_the_catalog_and_the_org(org, admin, other_org):
    with pytest.raises(ValidationError) as exc:
        metric_definition_create(actor=admin, organization=org, **{**FIELDS, "key": "latency_ms"})
    assert "key" in exc.value.message_dict
    metric_definition_create(actor=admin, organization=org, **FIELDS)
    with pytest.raises(ValidationError):
        metric_definition_create(actor=admin, organization=org, **FIELDS)
    other, other_admin, _ = other_org
    metric_definition_create(actor=other_admin, organization=other, **FIELDS)  # their own namespace
    with pytest.raises(ValidationError):
        metric_definition_create(actor=admin, organization=org, **{**FIELDS, "key": "Not a slug!"})


def test_builtins_key_and_kind_do_not_change(org, admin):
    builtin = MetricDefinition.objects.get(key="latency_ms")
    with pytest.raises(ValidationError):
        metric_definition_update(actor=admin, definition=builtin, name="Speed")
    own = metric_definition_create(actor=admin, organization=org, **FIELDS)
    with pytest.raises(ValidationError) as exc:
        metric_definition_update(actor=admin, definition=own, kind="rate")
    assert "kind" in exc.value.message_dict


@pytest.mark.parametrize("user_in_role", ADMIN_ONLY, indirect=True)
def test_org_admins_manage_definitions(org, user_in_role):
    definition = metric_definition_create(actor=user_in_role, organization=org, **FIELDS)
    assert MetricDefinition.objects.get(organization=org) == definition


@pytest.mark.parametrize("user_in_role", roles_except(*ADMIN_ONLY), indirect=True)
def test_other_roles_do_not_manage_definitions(org, user_in_role):
    with pytest.raises(PermissionDenied):
        metric_definition_create(actor=user_in_role, organization=org, **FIELDS)
    assert not MetricDefinition.objects.filter(organization=org).exists()


# --- Pages ----------------------------------------------------------------------------------------


def test_definitions_page_lists_the_catalog_and_admins_add_one(client, org, admin):
    client.force_login(admin)
    url = reverse("metric_definition_list", kwargs={"org": org.slug})
    page = client.get(url)
    assert page.status_code == 200
    assert "Acceptance rate" in page.text and "Add a metric" in page.text
    response = client.post(url, FIELDS)
    assert response.status_code == 302
    own = MetricDefinition.objects.get(organization=org)
    assert "Your own" in client.get(url).text
    bad = client.post(url, {**FIELDS, "key": "latency_ms"})
    assert bad.status_code == 400 and "already used" in bad.text
    edit = reverse("metric_definition_edit", kwargs={"org": org.slug, "pk": own.pk})
    assert client.post(edit, {**FIELDS, "name": "Team handoffs"}).status_code == 302
    own.refresh_from_db()
    assert own.name == "Team handoffs"
    builtin = MetricDefinition.objects.get(key="latency_ms")
    response = client.get(
        reverse("metric_definition_edit", kwargs={"org": org.slug, "pk": builtin.pk})
    )
    assert response.status_code == 302


@pytest.mark.parametrize("role", [r.value for r in Role if r != Role.ORG_ADMIN])
def test_other_roles_read_the_catalog_only(client, org, admin, role):
    own = metric_definition_create(actor=admin, organization=org, **FIELDS)
    client.force_login(add_member(org, role))
    url = reverse("metric_definition_list", kwargs={"org": org.slug})
    page = client.get(url)
    assert page.status_code == 200 and "Add a metric" not in page.text
    assert client.post(url, {**FIELDS, "key": "other"}).status_code == 403
    edit = reverse("metric_definition_edit", kwargs={"org": org.slug, "pk": own.pk})
    assert client.get(edit).status_code == 403
    assert MetricDefinition.objects.filter(organization=org).count() == 1


def test_another_orgs_definitions_are_hidden(client, org, admin, other_org):
    other, other_admin, _ = other_org
    foreign = metric_definition_create(
        actor=other_admin, organization=other, **{**FIELDS, "name": "Globex handoffs"}
    )
    client.force_login(admin)
    assert (
        "Globex handoffs"
        not in client.get(reverse("metric_definition_list", kwargs={"org": org.slug})).text
    )
    edit = reverse("metric_definition_edit", kwargs={"org": org.slug, "pk": foreign.pk})
    assert client.get(edit).status_code == 404
    api = client.get("/api/v1/metrics/definitions/").json()
    assert "Globex handoffs" not in str(api)
    assert client.get(f"/api/v1/metrics/definitions/{foreign.pk}/").status_code == 404


# --- API ------------------------------------------------------------------------------------------


def test_definitions_api(client, org, admin, pm):
    client.force_login(admin)
    listed = client.get("/api/v1/metrics/definitions/").json()
    assert len(listed) == 11 and all(d["is_builtin"] for d in listed)
    response = client.post(
        "/api/v1/metrics/definitions/",
        {**FIELDS, "organization": org.slug},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["organization"] == org.slug and created["key"] == "handoffs"
    patch = client.patch(
        f"/api/v1/metrics/definitions/{created['id']}/",
        {"name": "Handovers"},
        content_type="application/json",
    )
    assert patch.status_code == 200 and patch.json()["name"] == "Handovers"
    dup = client.post(
        "/api/v1/metrics/definitions/",
        {**FIELDS, "organization": org.slug},
        content_type="application/json",
    )
    assert dup.status_code == 400 and "key" in dup.json()
    nowhere = client.post(
        "/api/v1/metrics/definitions/",
        {**FIELDS, "key": "x2", "organization": "nope"},
        content_type="application/json",
    )
    assert nowhere.status_code == 404
    builtin = MetricDefinition.objects.get(key="latency_ms")
    assert (
        client.patch(
            f"/api/v1/metrics/definitions/{builtin.pk}/",
            {"name": "x"},
            content_type="application/json",
        ).status_code
        == 400
    )
    client.force_login(pm)
    forbidden = client.post(
        "/api/v1/metrics/definitions/",
        {**FIELDS, "key": "x3", "organization": org.slug},
        content_type="application/json",
    )
    assert forbidden.status_code == 403


def test_the_catalog_page_shows_each_metrics_valid_values(client, org, viewer):
    client.force_login(viewer)
    response = client.get(f"/o/{org.slug}/metrics/definitions/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "0 to 86,400,000" in html  # latency: at most a day, in ms
    assert "successes of at least 1 trial" in html

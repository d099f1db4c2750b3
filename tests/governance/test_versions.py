"""Governance items, policies and template items: ETags and If-Match (issue 10)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from governance import services
from governance.models import GovernanceItem, UseCasePolicy


@pytest.fixture
def api():
    return APIClient()


def test_a_stale_item_assignment_is_412(api, org, admin, reviewer, use_case):
    item = GovernanceItem.objects.filter(checklist__use_case=use_case).order_by("pk").first()
    api.force_authenticate(admin)
    url = f"/api/v1/governance/items/{item.pk}/"
    seen = api.get(url)
    assert seen["ETag"] == f'"{seen.json()["version"]}"'
    services.item_assign(actor=admin, item=item, assigned_reviewer=reviewer, due_date=None)
    response = api.patch(url, {"due_date": "2027-03-01"}, format="json", HTTP_IF_MATCH=seen["ETag"])
    assert response.status_code == 412
    assert response.json()["changed_fields"] == ["assigned_reviewer"]
    assert GovernanceItem.objects.get(pk=item.pk).due_date is None


def test_the_policy_etag_is_0_before_the_first_save(api, org, pm, admin, use_case):
    api.force_authenticate(pm)
    url = f"/api/v1/governance/policies/{use_case.pk}/"
    assert api.get(url)["ETag"] == '"0"'
    first = api.patch(url, {"retention_days": 30}, format="json", HTTP_IF_MATCH='"0"')
    assert first.status_code == 200
    assert first["ETag"] not in ('"0"', None)
    assert api.get(url)["ETag"] == first["ETag"]
    services.policy_update(actor=admin, use_case=use_case, retention_days=60)
    again = api.patch(url, {"retention_days": 90}, format="json", HTTP_IF_MATCH='"0"')
    assert again.status_code == 412
    assert UseCasePolicy.objects.get(use_case=use_case).retention_days == 60


def test_a_stale_assign_form_is_refused_with_what_changed(client, org, admin, reviewer, use_case):
    from django.urls import reverse

    item = GovernanceItem.objects.filter(checklist__use_case=use_case).order_by("pk").first()
    client.force_login(admin)
    page = client.get(reverse("governance_item", args=[org.slug, item.pk])).content.decode()
    assert f'name="version" value="{item.version}"' in page
    services.item_assign(actor=admin, item=item, assigned_reviewer=reviewer, due_date=None)
    response = client.post(
        reverse("governance_assign", args=[org.slug, item.pk]),
        {"assigned_reviewer": "", "due_date": "2027-03-01", "version": str(item.version)},
    )
    assert response.status_code == 400
    assert f"assigned reviewer changed by {admin.email}" in response.content.decode()
    item.refresh_from_db()
    assert (item.assigned_reviewer, item.due_date) == (reviewer, None)

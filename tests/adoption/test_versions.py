"""Cohorts and iteration entries: ETags, If-Match (412 on a stale write) and the form's hidden
version (issue 10: no lost updates)."""

from __future__ import annotations

from django.urls import reverse

from adoption import services
from adoption.models import Cohort

API = "/api/v1/adoption"


def test_a_stale_cohort_patch_is_412_and_changes_nothing(client, org, admin, pm, cohort):
    client.force_login(pm)
    url = f"{API}/cohorts/{cohort.pk}/"
    seen = client.get(url)
    assert seen["ETag"] == f'"{seen.json()["version"]}"'
    services.cohort_update(actor=admin, cohort=cohort, size=12)
    response = client.patch(
        url, {"team": "Support (York)"}, content_type="application/json",
        HTTP_IF_MATCH=seen["ETag"],
    )  # fmt: skip
    assert response.status_code == 412
    assert response.json()["changed_fields"] == ["size"]
    assert response.json()["changed_by"] == admin.email
    assert Cohort.objects.get(pk=cohort.pk).team == "Support (Leeds)"
    fresh = client.get(url)["ETag"]
    ok = client.patch(
        url, {"team": "Support (York)"}, content_type="application/json", HTTP_IF_MATCH=fresh
    )
    assert ok.status_code == 200
    assert ok["ETag"] == f'"{ok.json()["version"]}"'


def test_a_stale_cohort_form_is_refused_with_what_changed(client, org, admin, pm, cohort):
    client.force_login(pm)
    edit = reverse("adoption_cohort_edit", args=[org.slug, cohort.pk])
    page = client.get(edit).content.decode()
    assert f'name="version" value="{cohort.version}"' in page
    services.cohort_update(actor=admin, cohort=cohort, size=12)
    response = client.post(
        edit,
        {
            "name": "Wave 1",
            "team": "Support (York)",
            "size": "10",
            "planned_go_live": cohort.planned_go_live.isoformat(),
            "managers": [m.pk for m in cohort.managers.all()],
            "members": [m.pk for m in cohort.members.all()],
            "version": str(cohort.version),
        },
    )
    assert response.status_code == 400
    assert f"size changed by {admin.email}" in response.content.decode()
    cohort.refresh_from_db()
    assert (cohort.team, cohort.size) == ("Support (Leeds)", 12)

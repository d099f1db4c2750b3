"""The governance API for templates: apply, copy, edit items."""

import pytest
from rest_framework.test import APIClient

from governance.models import ChecklistTemplate
from tests.governance.conftest import without_checklist

API = "/api/v1/governance"


@pytest.fixture
def api():
    return APIClient()


def test_templates_apply_and_copy(api, org, admin, pm, use_case):
    without_checklist(use_case)
    builtin = ChecklistTemplate.objects.get(organization=None)
    api.force_authenticate(pm)
    assert (
        api.post(
            f"{API}/templates/{builtin.pk}/copy/",
            {"organization": org.slug, "name": "x"},
            format="json",
        ).status_code
        == 403
    )
    r = api.post(
        f"{API}/checklists/", {"use_case": use_case.pk, "template": builtin.pk}, format="json"
    )
    assert r.status_code == 201 and len(r.data["items"]) == 12
    assert (
        api.post(
            f"{API}/checklists/", {"use_case": use_case.pk, "template": builtin.pk}, format="json"
        ).status_code
        == 400
    )
    api.force_authenticate(admin)
    r = api.post(
        f"{API}/templates/{builtin.pk}/copy/",
        {"organization": org.slug, "name": "Ours"},
        format="json",
    )
    assert r.status_code == 201
    copy_id = r.data["id"]
    r = api.post(
        f"{API}/template-items/",
        {
            "template": copy_id,
            "area": "logging",
            "title": "Weekly log review",
            "guidance": "g",
            "gate_phase": 2,
        },
        format="json",
    )
    assert r.status_code == 201
    assert (
        api.patch(
            f"{API}/template-items/{r.data['id']}/", {"title": "Monthly"}, format="json"
        ).data["title"]
        == "Monthly"
    )
    assert (
        api.post(
            f"{API}/template-items/",
            {
                "template": builtin.pk,
                "area": "logging",
                "title": "x",
                "guidance": "g",
                "gate_phase": 1,
            },
            format="json",
        ).status_code
        == 403
    )

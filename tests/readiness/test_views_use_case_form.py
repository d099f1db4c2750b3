"""Creating and editing a use case through its form; the service's errors shown on it."""

import pytest

from readiness.models import AuditEvent, UseCase
from tests.conftest import WRITE_ROLES
from tests.readiness.pages_support import url


def new_use_case_data(**overrides):
    data = {
        "name": "Claims intake",
        "workflow": "Read inbound claims and extract the fields.",
        "team": "Claims",
        "owner": "",
        "target_outcome": "Halve intake time",
        "risk_tier": "high",
        "start_date": "2026-03-02",
        "repetition": "5",
        "clear_handoffs": "5",
        "cost_of_delay": "3",
        "knowledge_lookup": "3",
        "reviewability": "4",
    }
    data.update(overrides)
    return data


# Create and edit


def test_create_form_explains_the_priority_formula(client, org, pm):
    client.force_login(pm)
    response = client.get(url("usecase_create", org))
    assert response.status_code == 200
    html = response.content.decode()
    assert "round(100 * (mean of the five criteria - 1) / 4)" in html
    assert "1 - weak fit" in html and "5 - strong fit" in html
    assert 'type="date"' in html


def test_create_saves_through_the_service_and_redirects(client, org, pm):
    client.force_login(pm)
    response = client.post(url("usecase_create", org), new_use_case_data(owner=pm.pk), follow=True)
    uc = UseCase.objects.get(name="Claims intake")
    assert response.redirect_chain[-1][0] == url("usecase_detail", org, uc.pk)
    assert uc.organization == org and uc.owner == pm and uc.created_by == pm
    assert uc.priority_score == 75
    assert uc.workstreams.count() == 7
    assert "Claims intake created" in response.content.decode()
    assert AuditEvent.objects.filter(action="use_case.create", use_case=uc).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("repetition", "7"), ("name", ""), ("risk_tier", "extreme"), ("start_date", "tomorrow")],
)
def test_create_rejects_bad_input_and_saves_nothing(client, org, pm, field, value):
    client.force_login(pm)
    response = client.post(url("usecase_create", org), new_use_case_data(**{field: value}))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not UseCase.objects.exists()


def test_create_refuses_an_owner_from_another_org(client, org, pm, other_org):
    _, outsider, _ = other_org
    client.force_login(pm)
    response = client.post(url("usecase_create", org), new_use_case_data(owner=outsider.pk))
    assert response.status_code == 400
    assert "owner" in response.context["form"].errors
    assert not UseCase.objects.filter(organization=org).exists()


def test_create_shows_the_services_duplicate_name_error(client, org, pm, use_case):
    client.force_login(pm)
    response = client.post(url("usecase_create", org), new_use_case_data(name="triage ASSISTANCE"))
    assert response.status_code == 400
    assert "already exists" in " ".join(response.context["form"].errors["name"])
    assert UseCase.objects.filter(organization=org).count() == 1


def test_create_and_edit_follow_the_role_matrix(client, org, role_member, use_case):
    role, user = role_member
    client.force_login(user)
    allowed = role in WRITE_ROLES
    for page in (url("usecase_create", org), url("usecase_edit", org, use_case.pk)):
        assert client.get(page).status_code == (200 if allowed else 403)
    response = client.post(url("usecase_create", org), new_use_case_data())
    assert response.status_code == (302 if allowed else 403)
    assert UseCase.objects.filter(name="Claims intake").exists() == allowed


def test_edit_saves_and_recomputes_priority(client, org, pm, use_case):
    client.force_login(pm)
    data = new_use_case_data(name="Triage assistance", politically_sensitive="on")
    response = client.post(url("usecase_edit", org, use_case.pk), data)
    assert response.status_code == 302
    assert response.url == url("usecase_detail", org, use_case.pk)
    use_case.refresh_from_db()
    assert use_case.team == "Claims" and use_case.politically_sensitive
    assert use_case.priority_score == 50


def test_edit_with_bad_input_changes_nothing(client, org, pm, use_case):
    client.force_login(pm)
    response = client.post(
        url("usecase_edit", org, use_case.pk), new_use_case_data(name="", team="Other")
    )
    assert response.status_code == 400
    assert "name" in response.context["form"].errors
    assert "Triage assistance" in response.content.decode()  # the header shows the saved name
    use_case.refresh_from_db()
    assert use_case.team == "Customer support"


def test_edit_viewer_403_and_other_org_404(client, org, pm, viewer, use_case, other_org):
    _, _, foreign = other_org
    client.force_login(viewer)
    assert (
        client.post(url("usecase_edit", org, use_case.pk), new_use_case_data()).status_code == 403
    )
    use_case.refresh_from_db()
    assert use_case.name == "Triage assistance"
    client.force_login(pm)
    assert client.get(url("usecase_edit", org, foreign.pk)).status_code == 404
    assert client.post(url("usecase_edit", org, foreign.pk), new_use_case_data()).status_code == 404

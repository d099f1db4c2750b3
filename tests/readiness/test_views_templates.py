"""The workstream templates pages (org admins only)."""

import pytest
from django.urls import reverse

from readiness.models import Role
from tests.factories import make_use_case

# Workstream templates


def test_template_pages_are_for_org_admins_only(client, org, admin, role_member):
    role, user = role_member
    template = org.workstream_templates.get(number=2)
    client.force_login(user)
    list_url = reverse("template_list", kwargs={"org": org.slug})
    edit_url = reverse("template_edit", kwargs={"org": org.slug, "pk": template.pk})
    expected = 200 if role == Role.ORG_ADMIN else 403
    assert client.get(list_url).status_code == expected
    assert client.get(edit_url).status_code == expected
    response = client.post(edit_url, {"name": "Hijacked", "purpose": "", "items": "x"})
    assert response.status_code == (302 if role == Role.ORG_ADMIN else 403)
    template.refresh_from_db()
    assert (template.name == "Hijacked") == (role == Role.ORG_ADMIN)


def test_template_list_shows_the_seven_workstreams(client, org, admin):
    client.force_login(admin)
    response = client.get(reverse("template_list", kwargs={"org": org.slug}))
    for template in org.workstream_templates.all():
        assert template.name in response.text
        assert (
            reverse("template_edit", kwargs={"org": org.slug, "pk": template.pk}) in response.text
        )
    assert "changes only use cases created afterwards" in response.text


def test_template_of_another_org_is_a_404(client, org, admin, other_org):
    other, _, _ = other_org
    client.force_login(admin)
    foreign = other.workstream_templates.get(number=1)
    assert (
        client.get(reverse("template_edit", kwargs={"org": org.slug, "pk": foreign.pk})).status_code
        == 404
    )
    assert (
        client.get(
            reverse("template_edit", kwargs={"org": other.slug, "pk": foreign.pk})
        ).status_code
        == 404
    )


def test_template_edit_changes_only_use_cases_created_afterwards(client, org, admin, pm):
    earlier = make_use_case(org, pm)
    template = org.workstream_templates.get(number=4)
    earlier_items = list(template.items)
    client.force_login(admin)
    url = reverse("template_edit", kwargs={"org": org.slug, "pk": template.pk})
    page = client.get(url)
    assert earlier_items[0] in page.text
    response = client.post(
        url,
        {
            "name": "Human workflow",
            "purpose": "Where people meet the AI.",
            "items": "Place the suggestion in the ticket view\r\n\r\n  Let agents edit before sending  \n",
        },
    )
    assert response.status_code == 302
    later = make_use_case(org, pm)
    later_ws = later.workstreams.get(number=4)
    assert later_ws.name == "Human workflow"
    assert [i.text for i in later_ws.items.order_by("position")] == [
        "Place the suggestion in the ticket view",
        "Let agents edit before sending",
    ]
    earlier_ws = earlier.workstreams.get(number=4)
    assert [i.text for i in earlier_ws.items.order_by("position")] == earlier_items


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ("  \n \n", "A workstream needs at least one checklist item"),
        ("x" * 301, "Keep each item under 300 characters"),
    ],
)
def test_template_edit_bad_items_show_the_error_and_save_nothing(
    client, org, admin, items, message
):
    template = org.workstream_templates.get(number=1)
    original = (template.name, list(template.items))
    client.force_login(admin)
    url = reverse("template_edit", kwargs={"org": org.slug, "pk": template.pk})
    response = client.post(url, {"name": "Renamed", "purpose": "", "items": items})
    assert response.status_code == 400
    assert message in response.text
    assert 'id="id_items_error"' in response.text
    template.refresh_from_db()
    assert (template.name, template.items) == original

"""The use-case list: who sees it, its filters, sorting, pagination and empty states."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from readiness import services
from readiness.models import ChecklistItem, UseCase
from tests.factories import make_use_case
from tests.readiness.pages_support import url

# org_home and the list


def test_org_pages_are_404_for_non_members(client, org, other_org):
    _, outsider, _ = other_org
    client.force_login(outsider)
    assert client.get(reverse("org_home", args=[org.slug])).status_code == 404
    assert client.get(url("usecase_list", org)).status_code == 404


def test_list_requires_login(client, org):
    response = client.get(url("usecase_list", org))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_list_shows_each_use_case_with_its_state(client, org, pm, use_case, other_org):
    total = ChecklistItem.objects.filter(workstream__use_case=use_case).count()
    item = ChecklistItem.objects.filter(workstream__use_case=use_case, fact="").first()
    services.checklist_item_set_done(actor=pm, item=item, done=True)
    services.use_case_update(actor=pm, use_case=use_case, owner=pm)
    client.force_login(pm)
    response = client.get(url("usecase_list", org))
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["nav"] == "use_cases"
    assert f'href="{url("usecase_detail", org, use_case.pk)}"' in html
    assert "Triage assistance" in html
    assert "Customer support" in html
    assert 'class="badge badge-pilot"' in html
    assert "day 11 of 90" in html
    assert 'class="score score-high"' in html and ">85<" in html
    assert f"6 of {total} items" in html  # the judgment, and the five scores given
    assert escape(pm.display_name) in html
    assert "Globex copilot" not in html  # another tenant's use case
    assert "New use case" in html


def test_list_flags_a_use_case_whose_phase_is_late(client, org, pm):
    make_use_case(org, pm, name="Late one", start_date=timezone.localdate() - dt.timedelta(days=45))
    make_use_case(org, pm, name="On time", start_date=timezone.localdate())
    client.force_login(pm)
    page = client.get(url("usecase_list", org)).context["page"]
    late = {uc.name: uc.has_late_phase for uc in page}
    assert late == {"Late one": True, "On time": False}
    assert 'badge badge-bad">Late<' in client.get(url("usecase_list", org)).content.decode()


def test_viewer_sees_the_list_without_write_controls(client, org, viewer, use_case):
    client.force_login(viewer)
    html = client.get(url("usecase_list", org)).content.decode()
    assert "Triage assistance" in html
    assert "New use case" not in html
    assert url("usecase_create", org) not in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "claims"}, {"Claims intake"}),
        ({"q": "underwriting"}, {"Underwriting notes"}),  # matched on the workflow text
        ({"q": "CUSTOMER"}, {"Triage assistance"}),  # team, case-insensitive
        ({"status": "in_transition"}, {"Underwriting notes"}),
        ({"risk_tier": "high"}, {"Claims intake"}),
        ({"phase": "2"}, {"Underwriting notes"}),
        ({"phase": "1"}, {"Triage assistance", "Claims intake"}),
        ({"team": "Claims"}, {"Claims intake"}),
        ({"status": "nonsense"}, {"Triage assistance", "Claims intake", "Underwriting notes"}),
    ],
)
def test_list_filters(client, org, pm, use_case, params, expected):
    make_use_case(org, pm, name="Claims intake", team="Claims", risk_tier="high")
    moved = make_use_case(
        org, pm, name="Underwriting notes", team="Risk", workflow="Summarise underwriting files"
    )
    UseCase.objects.filter(pk=moved.pk).update(current_phase=2, status="in_transition")
    client.force_login(pm)
    response = client.get(url("usecase_list", org), params)
    assert response.status_code == 200
    assert {uc.name for uc in response.context["page"]} == expected


def test_list_filter_form_autosubmits_and_has_a_button(client, org, pm, use_case):
    client.force_login(pm)
    html = client.get(url("usecase_list", org)).content.decode()
    assert "data-autosubmit" in html
    assert ">Filter</button>" in html


def test_list_sorts_by_column(client, org, pm):
    make_use_case(org, pm, name="Bravo", team="Zeta", repetition=1)
    make_use_case(org, pm, name="Alpha", team="Alpha", repetition=5)
    make_use_case(org, pm, name="Charlie", team="Mu", repetition=3)
    client.force_login(pm)

    def names(**params):
        return [uc.name for uc in client.get(url("usecase_list", org), params).context["page"]]

    assert names() == ["Alpha", "Charlie", "Bravo"]  # priority, highest first
    assert names(sort="priority") == ["Bravo", "Charlie", "Alpha"]
    assert names(sort="name") == ["Alpha", "Bravo", "Charlie"]
    assert names(sort="-name") == ["Charlie", "Bravo", "Alpha"]
    assert names(sort="-team") == ["Bravo", "Charlie", "Alpha"]
    assert names(sort="bogus") == ["Alpha", "Charlie", "Bravo"]


def test_sorted_header_links_to_the_reverse_order_and_says_so(client, org, pm, use_case):
    client.force_login(pm)
    html = client.get(url("usecase_list", org), {"sort": "name", "q": "tri"}).content.decode()
    assert 'aria-sort="ascending"' in html
    assert "?sort=-name&amp;q=tri" in html or "?q=tri&amp;sort=-name" in html


def test_list_empty_states(client, org, pm, viewer):
    client.force_login(pm)
    html = client.get(url("usecase_list", org)).content.decode()
    assert "No use cases yet." in html
    assert url("usecase_create", org) in html
    html = client.get(url("usecase_list", org), {"q": "zzz"}).content.decode()
    assert "No use cases match these filters." in html
    client.force_login(viewer)
    html = client.get(url("usecase_list", org)).content.decode()
    assert "No use cases yet." in html
    assert url("usecase_create", org) not in html


def test_list_paginates_at_fifty(client, org, pm):
    for i in range(51):
        make_use_case(org, pm, name=f"Case {i:02d}")
    client.force_login(pm)
    first = client.get(url("usecase_list", org), {"sort": "name"})
    assert len(first.context["page"]) == 50
    second = client.get(url("usecase_list", org), {"sort": "name", "page": 2})
    assert [uc.name for uc in second.context["page"]] == ["Case 50"]
    assert "Page 2 of 2" in second.content.decode()

"""One search box over the organization's records, and its activity feed (issue 12, point 5)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance import search as governance_search
from governance import services as governance
from readiness import search as readiness_search
from readiness import services
from readiness.models import ChecklistItem, Role
from readiness.search import matching
from tests.factories import add_member, make_use_case


def url(name, org, **params):
    base = reverse(name, args=[org.slug])
    if params:
        from urllib.parse import urlencode

        base += "?" + urlencode(params)
    return base


def test_search_finds_use_cases_items_and_incidents_of_the_organization_only(
    client, org, pm, use_case, other_org, role_member
):
    _, user = role_member
    incident = governance.incident_open(
        actor=pm,
        use_case=use_case,
        title="Hallucinated dosage in a triage summary",
        description="The assistant invented a dosage for a paediatric patient.",
        severity="high",
    )
    item = ChecklistItem.objects.filter(workstream__use_case=use_case).first()
    assert item is not None
    client.force_login(user)

    page = client.get(url("org_search", org, q="triage"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Triage assistance" in text
    assert reverse("usecase_detail", args=[org.slug, use_case.pk]) in text
    assert reverse("governance_incident", args=[org.slug, incident.pk]) in text
    assert "Globex copilot" not in text  # another tenant's use case

    words = item.text.split()[:2]
    found = client.get(url("org_search", org, q=" ".join(words))).content.decode()
    assert item.text in found

    other = client.get(url("org_search", org, q="Globex copilot")).content.decode()
    assert "Nothing in Acme Health matches" in other


@pytest.mark.parametrize(
    "query", ["", "   ", "a" * 5000, "'; DROP TABLE x; --", "<script>x</script>", "ünïcode ✓"]
)
def test_search_survives_any_query(client, org, pm, use_case, query):
    client.force_login(pm)
    response = client.get(url("org_search", org, q=query))
    assert response.status_code == 200
    assert "<script>x</script>" not in response.content.decode()


def test_control_characters_in_a_query_are_a_clear_400(client, org, pm):
    client.force_login(pm)
    assert client.get(url("org_search", org, q="\x00\x01")).status_code == 400


def test_search_and_activity_are_for_members_only(client, org, use_case, other_org):
    _, other_admin, _ = other_org
    client.force_login(other_admin)
    assert client.get(url("org_search", org, q="triage")).status_code == 404
    assert client.get(url("org_activity", org)).status_code == 404
    client.logout()
    assert client.get(url("org_activity", org)).status_code == 302


def test_activity_lists_the_organizations_changes_newest_first_with_filters(
    client, org, admin, pm, use_case, other_org
):
    second = make_use_case(org, admin, name="Claims summariser")
    services.use_case_update(actor=pm, use_case=use_case, team="Emergency triage")
    client.force_login(pm)

    text = client.get(url("org_activity", org)).content.decode()
    rows = text.split("<tbody>")[1]
    assert "Emergency triage" in rows  # the change itself, with its before and after
    assert rows.index("Emergency triage") < rows.index("Claims summariser")  # newest first
    assert "Globex copilot" not in text

    by_use_case = client.get(url("org_activity", org, use_case=second.pk)).content.decode()
    rows = by_use_case.split("<tbody>")[1]
    assert "Emergency triage" not in rows and "Claims summariser" in rows

    by_person = client.get(url("org_activity", org, person=pm.pk)).content.decode()
    rows = by_person.split("<tbody>")[1]
    assert "Emergency triage" in rows and "Claims summariser" not in rows

    by_kind = client.get(url("org_activity", org, kind="use_case")).content.decode()
    assert "Use case update" in by_kind
    assert "Workstream" not in by_kind.split("<tbody>")[1]

    nothing = client.get(url("org_activity", org, kind="no_such_kind")).content.decode()
    assert "Nothing recorded matches these filters" in nothing
    junk = client.get(url("org_activity", org, use_case="x", person="-1", kind="a b"))
    assert junk.status_code == 200  # malformed filters are ignored


def test_organization_settings_changes_are_shown_to_admins_only(client, org, admin, use_case):
    viewer = add_member(org, Role.VIEWER)  # an organization event: membership.added (or similar)
    services.membership_change_role(
        actor=admin, membership=org.memberships.get(user=viewer), role=Role.EXECUTIVE
    )
    client.force_login(admin)
    assert "Organization</span>" in client.get(url("org_activity", org)).content.decode()
    client.force_login(viewer)
    assert "Organization</span>" not in client.get(url("org_activity", org)).content.decode()


def test_activity_page_query_count_does_not_grow_with_events(client, org, pm, use_case):
    client.force_login(pm)
    client.get(url("org_activity", org))
    with CaptureQueriesContext(connection) as few:
        client.get(url("org_activity", org))
    for n in range(10):
        services.use_case_update(actor=pm, use_case=use_case, team=f"Team {n}")
    with CaptureQueriesContext(connection) as many:
        client.get(url("org_activity", org))
    assert len(many) == len(few)


def test_search_finds_comments_of_the_organization_only_and_not_deleted_ones(
    client, org, pm, use_case, other_org
):
    _, other_admin, other_uc = other_org
    kept = services.comment_add(actor=pm, target=use_case, body="The escalation matrix is stale")
    gone = services.comment_add(actor=pm, target=use_case, body="Escalation typo, ignore")
    services.comment_delete(actor=pm, comment=gone)
    services.comment_add(actor=other_admin, target=other_uc, body="Our escalation matrix")
    client.force_login(pm)
    text = client.get(url("org_search", org, q="escalation")).content.decode()
    assert f'href="/o/{org.slug}/comments/{kept.pk}/"' in text
    assert "The escalation matrix is stale" in text
    assert f"/comments/{gone.pk}/" not in text and "Our escalation matrix" not in text


def test_the_activity_feed_shows_comments(client, org, pm, use_case, admin):
    services.comment_add(actor=pm, target=use_case, body="Kick-off notes")
    client.force_login(admin)
    text = client.get(url("org_activity", org, kind="comment")).content.decode()
    assert "Comments" in text and "Kick-off notes" in text


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="full-text indexes are PostgreSQL's (SQLite matches words)",
)
@pytest.mark.parametrize(
    ("model", "fields"),
    readiness_search.SEARCHED + governance_search.SEARCHED,
    ids=lambda value: getattr(value, "__name__", None) or "+".join(value),
)
def test_every_search_reads_its_full_text_index(db, model, fields):
    """Each model's search filters on exactly the vector its GIN index holds, so PostgreSQL can
    answer it from the index instead of building every row's vector (at 1,000 use cases that
    was 0.3 s per search). With sequential scans priced out, the plan must use the index."""
    query = matching(model.objects.all(), fields, "triage summary")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    index = f"{model._meta.model_name}_search"
    assert f"on {index}" in plan, plan

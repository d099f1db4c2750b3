"""Discussion on governance's records: a checklist item's thread (a program manager answers a
rejection) and an incident's, on their pages and through the readiness thread URLs."""

from django.urls import reverse

from governance import services
from governance.models import GovernanceItem, Incident
from readiness import services as readiness
from readiness.models import Comment, Notification


def page(name, org, pk):
    return reverse(name, args=[org.slug, pk])


def test_a_program_manager_answers_a_reviewer_on_a_checklist_item(client, org, pm, reviewer, item):
    client.force_login(pm)
    answer = client.post(
        reverse("comment_post", args=[org.slug, "governance_item", item.pk]),
        {
            "body": f"@{reviewer.email.split('@')[0]} the DPA is attached now; does it cover EU data?"
        },
    )
    comment = Comment.objects.get()
    assert answer["Location"] == f"{page('governance_item', org, item.pk)}#comment-{comment.pk}"
    assert comment.use_case_id == item.checklist.use_case_id
    assert comment.target_label == f"“{item.title}”"
    note = Notification.objects.get(recipient=reviewer, kind="mention")
    assert item.title in note.title
    client.force_login(reviewer)
    shown = client.get(page("governance_item", org, item.pk)).content.decode()
    assert 'id="discussion"' in shown and "does it cover EU data?" in shown
    opened = client.get(note.url)
    assert opened["Location"].startswith(page("governance_item", org, item.pk))


def test_an_incident_has_a_thread_and_another_organization_cannot_reach_it(
    client, org, pm, use_case, other_org
):
    incident = services.incident_open(
        actor=pm,
        use_case=use_case,
        title="Wrong queue for a week",
        description="Routing sent billing tickets to the legal queue.",
        severity="medium",
    )
    readiness.comment_add(actor=pm, target=incident, body="Root cause: stale mapping table.")
    client.force_login(pm)
    shown = client.get(page("governance_incident", org, incident.pk)).content
    assert b"Root cause: stale mapping table." in shown
    _, other_admin, _ = other_org
    client.force_login(other_admin)
    other = other_org[0]
    target = reverse("comment_post", args=[other.slug, "incident", incident.pk])
    assert client.post(target, {"body": "peek"}).status_code == 404
    assert Comment.objects.count() == 1


def test_deleting_a_record_takes_its_thread_with_it(pm, use_case, item):
    readiness.comment_add(actor=pm, target=item, body="About this item")
    incident = Incident.objects.create(
        use_case=use_case, title="t", description="d", severity="low"
    )
    readiness.comment_add(actor=pm, target=incident, body="About this incident")
    GovernanceItem.objects.filter(pk=item.pk).delete()
    incident.delete()
    assert not Comment.objects.exists()

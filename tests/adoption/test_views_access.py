"""Adoption pages for every role: who sees and who manages, and 404 across organizations."""

from django.urls import reverse
from django.utils import timezone

from adoption import services
from adoption.models import (
    Feedback,
    IterationEntry,
    TrainingRecord,
    UsageBoundary,
)
from tests.conftest import WRITE_ROLES

TODAY = timezone.localdate


def url(name, org, **kw):
    return reverse(name, kwargs={"org": org.slug, **kw})


def test_every_page_renders_for_every_role(client, org, use_case, live_cohort, role_member):
    role, user = role_member
    client.force_login(user)
    pages = [
        url("adoption_usecase", org, pk=use_case.pk),
        url("adoption_cohort", org, pk=live_cohort.pk),
        url("adoption_boundaries", org, pk=use_case.pk),
        url("adoption_my_feedback", org),
    ]
    for path in pages:
        r = client.get(path)
        assert r.status_code == 200, path
    manage_pages = [
        url("adoption_cohort_create", org, pk=use_case.pk),
        url("adoption_cohort_edit", org, pk=live_cohort.pk),
        url("adoption_iteration_add", org, pk=use_case.pk),
    ]
    for path in manage_pages:
        assert client.get(path).status_code == (200 if role in WRITE_ROLES else 403), path
    page = client.get(url("adoption_usecase", org, pk=use_case.pk)).text
    assert ("Plan a cohort" in page) == (role in WRITE_ROLES)
    boundaries = client.get(url("adoption_boundaries", org, pk=use_case.pk)).text
    assert ("Publish new version" in boundaries) == (role in WRITE_ROLES)


def test_other_org_sees_nothing(client, org, use_case, live_cohort, pm, other_org):
    other, other_admin, _ = other_org
    entry = services.iteration_entry_add(
        actor=pm, use_case=use_case, happened_on=TODAY(), change="x", reason="y"
    )
    client.force_login(other_admin)
    gets = [
        url("adoption_usecase", org, pk=use_case.pk),
        url("adoption_my_feedback", org),
        reverse("adoption_usecase", kwargs={"org": other.slug, "pk": use_case.pk}),
        reverse("adoption_cohort", kwargs={"org": other.slug, "pk": live_cohort.pk}),
        reverse("adoption_cohort_edit", kwargs={"org": other.slug, "pk": live_cohort.pk}),
        reverse("adoption_boundaries", kwargs={"org": other.slug, "pk": use_case.pk}),
        reverse("adoption_iteration_edit", kwargs={"org": other.slug, "pk": entry.pk}),
    ]
    for path in gets:
        assert client.get(path).status_code == 404, path
    posts = [
        (reverse("adoption_cohort_go_live", kwargs={"org": other.slug, "pk": live_cohort.pk}), {}),
        (
            reverse("adoption_training_add", kwargs={"org": other.slug, "pk": live_cohort.pk}),
            {"user": other_admin.pk, "topic": "x", "completed_on": "2026-01-01"},
        ),
        (
            reverse("adoption_boundaries", kwargs={"org": other.slug, "pk": use_case.pk}),
            {"body": "Mine now"},
        ),
        (
            reverse("adoption_my_feedback", kwargs={"org": other.slug}),
            {"cohort": live_cohort.pk, f"c{live_cohort.pk}-usefulness": 5},
        ),
    ]
    for path, data in posts:
        assert client.post(path, data).status_code == 404, path
    assert UsageBoundary.objects.count() == 1
    assert not Feedback.objects.exists()


def test_write_role_matrix(client, org, use_case, cohort, manager, role_member):
    role, user = role_member
    client.force_login(user)
    allowed = role in WRITE_ROLES
    r = client.post(
        url("adoption_training_add", org, pk=cohort.pk),
        {"user": manager.pk, "topic": "T", "completed_on": str(TODAY())},
    )
    assert r.status_code == (302 if allowed else 403)
    r = client.post(url("adoption_boundaries", org, pk=use_case.pk), {"body": "Rules."})
    assert r.status_code == (302 if allowed else 403)
    r = client.post(
        url("adoption_iteration_add", org, pk=use_case.pk),
        {"happened_on": str(TODAY()), "change": "c", "reason": "r"},
    )
    assert r.status_code == (302 if allowed else 403)
    r = client.post(url("adoption_cohort_go_live", org, pk=cohort.pk))
    assert r.status_code in ((302, 409) if allowed else (403,))
    assert TrainingRecord.objects.exists() == allowed
    assert UsageBoundary.objects.exists() == allowed
    assert IterationEntry.objects.exists() == allowed

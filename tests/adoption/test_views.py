"""Adoption pages: the role matrix, 404 across organizations, bad input that saves nothing,
the go-live refusal, the boundaries diff, weekly feedback and the adoption page's constant
number of queries."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from adoption import services
from adoption.models import (
    BoundaryAcknowledgement,
    Cohort,
    Feedback,
    IterationEntry,
    TrainingRecord,
    UsageBoundary,
)
from readiness.models import Role
from tests.adoption.conftest import train
from tests.conftest import WRITE_ROLES
from tests.factories import UserFactory, add_member

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


def test_tab_on_the_use_case_header(client, org, use_case, viewer):
    client.force_login(viewer)
    page = client.get(url("adoption_usecase", org, pk=use_case.pk)).text
    assert 'aria-current="page">Adoption</a>' in page


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


def test_plan_a_cohort(client, org, use_case, pm, manager, member):
    client.force_login(pm)
    r = client.post(
        url("adoption_cohort_create", org, pk=use_case.pk),
        {
            "name": "Wave 1",
            "team": "Support",
            "size": 8,
            "planned_go_live": "2030-01-06",
            "managers": [manager.pk],
            "members": [member.pk],
        },
    )
    cohort = Cohort.objects.get()
    assert r.status_code == 302 and r["Location"] == cohort.get_absolute_url()
    assert list(cohort.managers.all()) == [manager]


def test_plan_a_cohort_bad_input_names_the_field(client, org, use_case, pm, other_org):
    client.force_login(pm)
    r = client.post(
        url("adoption_cohort_create", org, pk=use_case.pk),
        {"name": "", "team": "Support", "size": 0, "managers": [other_org[1].pk]},
    )
    assert r.status_code == 400
    form = r.context["form"]
    assert {"name", "size", "managers"} <= set(form.errors)
    assert not Cohort.objects.exists()


def test_go_live_refused_lists_untrained_managers(client, org, cohort, pm, boundaries):
    client.force_login(pm)
    r = client.post(url("adoption_cohort_go_live", org, pk=cohort.pk))
    assert r.status_code == 409
    assert "cannot go live: 1 blocker" in r.text
    assert "Morgan Lead, manager of Wave 1, has no training record" in r.text
    cohort.refresh_from_db()
    assert cohort.status == Cohort.Status.PLANNED


def test_record_training_then_go_live(client, org, cohort, pm, manager, boundaries):
    client.force_login(pm)
    r = client.post(
        url("adoption_training_add", org, pk=cohort.pk),
        {"user": manager.pk, "topic": "Reviewing suggestions", "completed_on": str(TODAY())},
    )
    assert r.status_code == 302 and r["Location"].endswith("#training")
    r = client.post(url("adoption_cohort_go_live", org, pk=cohort.pk))
    assert r.status_code == 302
    cohort.refresh_from_db()
    assert cohort.is_live


def test_training_bad_input(client, org, cohort, pm, manager):
    client.force_login(pm)
    r = client.post(
        url("adoption_training_add", org, pk=cohort.pk),
        {"user": manager.pk, "topic": "", "completed_on": str(TODAY() + dt.timedelta(days=3))},
    )
    assert r.status_code == 400
    assert "topic" in r.context["training_form"].errors
    assert not TrainingRecord.objects.exists()


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


def test_boundaries_publish_shows_the_diff(client, org, use_case, pm, boundaries):
    client.force_login(pm)
    r = client.post(
        url("adoption_boundaries", org, pk=use_case.pk),
        {"body": "Use it to draft replies.\nNever send unchecked drafts.", "change_note": "Drafts"},
    )
    assert r.status_code == 302
    page = client.get(url("adoption_boundaries", org, pk=use_case.pk)).text
    assert "What changed in version 2" in page
    assert '<del class="diff-del">.</del>' in page or "diff-ins" in page
    assert '<ins class="diff-ins"> drafts.</ins>' in page or "drafts" in page
    first = client.get(url("adoption_boundaries", org, pk=use_case.pk) + "?compare=1").text
    assert "nothing earlier to compare" in first


def test_boundaries_unchanged_text_is_refused(client, org, use_case, pm, boundaries):
    client.force_login(pm)
    r = client.post(url("adoption_boundaries", org, pk=use_case.pk), {"body": boundaries.body})
    assert r.status_code == 400
    assert "Nothing changed since version 1" in r.text
    assert UsageBoundary.objects.count() == 1


def test_any_member_acknowledges(client, org, use_case, viewer, boundaries):
    client.force_login(viewer)
    r = client.post(url("adoption_boundary_acknowledge", org, pk=use_case.pk), {"version": 1})
    assert r.status_code == 302
    assert BoundaryAcknowledgement.objects.filter(user=viewer).exists()
    page = client.get(url("adoption_boundaries", org, pk=use_case.pk)).text
    assert "You confirmed reading version 1" in page
    bad = client.post(url("adoption_boundary_acknowledge", org, pk=use_case.pk), {"version": 9})
    assert bad.status_code == 404


def form_data(cohort, **over):
    data = {
        "cohort": cohort.pk,
        f"c{cohort.pk}-usefulness": 4,
        f"c{cohort.pk}-trust": 3,
        f"c{cohort.pk}-minutes_saved": 40,
        f"c{cohort.pk}-comment": "Saved me a morning.",
    }
    data.update(over)
    return data


def test_member_gives_and_edits_weekly_feedback(client, org, live_cohort, member):
    client.force_login(member)
    page = client.get(url("adoption_my_feedback", org))
    assert "Send this week's feedback" in page.text
    r = client.post(url("adoption_my_feedback", org), form_data(live_cohort))
    assert r.status_code == 302
    page = client.get(url("adoption_my_feedback", org)).text
    assert "Update this week's feedback" in page and "Answered" in page
    client.post(
        url("adoption_my_feedback", org), form_data(live_cohort, **{f"c{live_cohort.pk}-trust": 5})
    )
    fb = Feedback.objects.get()
    assert fb.trust == 5 and fb.week == TODAY() - dt.timedelta(days=TODAY().weekday())


def test_feedback_bad_input_names_the_field(client, org, live_cohort, member):
    client.force_login(member)
    r = client.post(
        url("adoption_my_feedback", org),
        form_data(
            live_cohort,
            **{f"c{live_cohort.pk}-usefulness": 9, f"c{live_cohort.pk}-minutes_saved": ""},
        ),
    )
    assert r.status_code == 400
    errors = r.context["cohorts"][0].form.errors
    assert {"usefulness", "minutes_saved"} <= set(errors)
    assert not Feedback.objects.exists()


def test_feedback_from_non_members_is_404(client, org, live_cohort, viewer, cohort):
    client.force_login(viewer)
    page = client.get(url("adoption_my_feedback", org)).text
    assert "You are not in a live cohort" in page
    assert client.post(url("adoption_my_feedback", org), form_data(live_cohort)).status_code == 404
    assert not Feedback.objects.exists()


def test_iteration_log_add_edit_and_early_window(client, org, use_case, live_cohort, pm):
    client.force_login(pm)
    r = client.post(
        url("adoption_iteration_add", org, pk=use_case.pk),
        {"happened_on": str(TODAY()), "change": "Shorter drafts", "reason": "Too long"},
    )
    assert r.status_code == 302 and r["Location"].endswith("#iteration-log")
    entry = IterationEntry.objects.get()
    r = client.post(
        url("adoption_iteration_edit", org, pk=entry.pk),
        {
            "happened_on": str(TODAY()),
            "change": "Shorter drafts",
            "reason": "Too long",
            "outcome": "Fewer edits",
        },
    )
    assert r.status_code == 302
    page = client.get(url("adoption_usecase", org, pk=use_case.pk)).text
    assert "Fewer edits" in page and "days 1-30" in page


def test_adoption_page_query_count_is_constant(
    client, org, use_case, live_cohort, pm, manager, member, django_assert_num_queries
):
    client.force_login(pm)
    page = url("adoption_usecase", org, pk=use_case.pk)
    client.get(page)  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(page)
    for n in range(4):
        people = [add_member(org, Role.VIEWER, UserFactory()) for _ in range(3)]
        cohort = services.cohort_create(
            actor=pm,
            use_case=use_case,
            name=f"Wave {n + 2}",
            team="x",
            size=5,
            managers=people[:1],
            members=people[1:],
        )
        train(use_case, pm, people[0])
        cohort = services.cohort_go_live(actor=pm, cohort=cohort)
        services.feedback_submit(
            actor=people[1], cohort=cohort, usefulness=4, trust=4, minutes_saved=9
        )
        services.iteration_entry_add(
            actor=pm, use_case=use_case, happened_on=TODAY(), change="c", reason="r"
        )
    services.usage_boundary_publish(actor=pm, use_case=use_case, body="Second version.")
    with django_assert_num_queries(len(few.captured_queries)):
        r = client.get(page)
    assert r.text.count("/adoption/cohorts/") == 5

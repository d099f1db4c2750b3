"""Cohort pages: plan one, bad input that saves nothing, training, the go-live refusal."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from adoption.models import Cohort, TrainingRecord

TODAY = timezone.localdate


def url(name, org, **kw):
    return reverse(name, kwargs={"org": org.slug, **kw})


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

"""Weekly feedback pages: give and edit this week's answer, bad input, non-members; and the
trend panel the use case's scorecard loads."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from adoption import services
from adoption.models import Feedback
from tests.adoption.conftest import SUNDAY

TODAY = timezone.localdate


def url(name, org, **kw):
    return reverse(name, kwargs={"org": org.slug, **kw})


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


@pytest.mark.time_machine(SUNDAY, tick=False)
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
    assert fb.trust == 5 and fb.week == dt.date(2026, 11, 23)  # the Monday of that Sunday's week


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


def test_scorecard_panel_is_empty_until_someone_answers(client, org, use_case, live_cohort, member):
    client.force_login(member)
    url = reverse("adoption_feedback_panel", kwargs={"org": org.slug, "pk": use_case.pk})
    empty = client.get(url)
    assert empty.status_code == 200 and empty.content == b""
    services.feedback_submit(
        actor=member, cohort=live_cohort, usefulness=4, trust=4, minutes_saved=20
    )
    html = client.get(url).content.decode()
    assert 'id="feedback-trend-panel"' in html and "Weekly user feedback" in html
    assert f'id="feedback-trend-{use_case.pk}-data"' in html
    assert "<caption" in html and "Weekly figures" in html
    assert f"/adoption/use-cases/{use_case.pk}/" in html


def test_scorecard_loads_the_panel_and_links_to_it_without_javascript(
    client, org, use_case, member
):
    client.force_login(member)
    page = client.get(reverse("scorecard_use_case", kwargs={"org": org.slug, "pk": use_case.pk}))
    panel_url = reverse("adoption_feedback_panel", kwargs={"org": org.slug, "pk": use_case.pk})
    assert f'hx-get="{panel_url}"' in page.content.decode()
    assert f"/adoption/use-cases/{use_case.pk}/#feedback-title" in page.content.decode()


def test_panel_of_another_organization_is_404(client, other_org, member):
    other, _admin, uc = other_org
    client.force_login(member)
    url = reverse("adoption_feedback_panel", kwargs={"org": other.slug, "pk": uc.pk})
    assert client.get(url).status_code == 404

"""A use case's adoption tab: on the use case's header, in a constant number of queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from adoption import services
from readiness.models import Role
from tests.adoption.conftest import train
from tests.factories import UserFactory, add_member

TODAY = timezone.localdate


def url(name, org, **kw):
    return reverse(name, kwargs={"org": org.slug, **kw})


def test_tab_on_the_use_case_header(client, org, use_case, viewer):
    client.force_login(viewer)
    page = client.get(url("adoption_usecase", org, pk=use_case.pk)).text
    assert 'aria-current="page">Adoption</a>' in page


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

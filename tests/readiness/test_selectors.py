"""Selectors for the use-case pages: what they load, and that their query count does not grow."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from readiness import selectors, services
from readiness.models import ChecklistItem, UseCase
from readiness.scoring import CRITERIA
from tests.factories import make_use_case


def _list_queries(client, org, *, shared=False):
    """The queries of a read that renders the table (or, ``shared``, of one that is given
    the table another reader rendered for the same state), and the number of rows shown."""
    if not shared:
        cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("usecase_list", args=[org.slug]))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode().count('<th scope="row">')


def test_list_page_query_count_does_not_grow_with_use_cases(client, org, pm):
    for i in range(5):
        make_use_case(org, pm, name=f"Few {i}", owner=pm)
    client.force_login(pm)
    _list_queries(client, org)  # the first request may touch the session differently
    few, rows = _list_queries(client, org)
    assert rows == 5
    for i in range(45):
        make_use_case(org, pm, name=f"Many {i}", owner=pm, team=f"Team {i}")
    many, rows = _list_queries(client, org)
    assert rows == 50
    assert many == few
    shared, rows = _list_queries(client, org, shared=True)
    assert rows == 50 and shared < many


def test_members_who_see_the_same_content_share_one_rendered_list(client, org, pm, monkeypatch):
    from readiness.models import Role
    from readiness.views import use_cases as views
    from tests.factories import add_member

    first_uc = make_use_case(org, pm, name="First", owner=pm)
    url = reverse("usecase_list", args=[org.slug])
    client.force_login(pm)
    first = client.get(url, {"sort": "name"}).content.decode()
    built: list[int] = []
    page_of = views.Paginator

    def counted(*args, **kwargs):
        built.append(1)
        return page_of(*args, **kwargs)

    monkeypatch.setattr(views, "Paginator", counted)
    other_pm = add_member(org, Role.PROGRAM_MANAGER)
    client.force_login(other_pm)  # another member who may edit: the same table
    assert client.get(url, {"sort": "name"}).content.decode().count("First") == first.count("First")
    assert built == []
    viewer = add_member(org, Role.VIEWER)  # may not edit: its own table (no "New use case")
    client.force_login(viewer)
    client.get(url, {"sort": "name"})
    assert built == [1]

    # Every change the table shows is audited, and moves the state: rendered afresh.
    client.force_login(pm)
    services.use_case_update(actor=pm, use_case=first_uc, name="First renamed")
    assert "First renamed" in client.get(url, {"sort": "name"}).content.decode()
    item = ChecklistItem.objects.filter(workstream__use_case=first_uc, fact="").first()
    services.checklist_item_set_done(actor=pm, item=item, done=True)
    page = client.get(url, {"sort": "name"}).content.decode()
    expected = selectors.use_case_list(org, sort="name").get(pk=first_uc.pk).items_done
    assert f"{expected} of " in page and len(built) == 3
    # A batch of samples is routine: the state stays, the table is shared.
    from metrics.services import samples_ingest

    samples_ingest(
        actor=pm,
        organization=org,
        samples=[
            {
                "use_case": first_uc.pk,
                "metric": "latency_ms",
                "timestamp": timezone.now().isoformat(),
                "value": 840.0,
                "client_id": "routine",
            }
        ],
    )
    client.get(url, {"sort": "name"})
    assert len(built) == 3


def test_use_case_list_annotates_progress_and_lateness(org, pm):
    today = timezone.localdate()
    late = make_use_case(org, pm, name="Late", start_date=today - dt.timedelta(days=45))
    unscored = dict.fromkeys(CRITERIA)
    fresh = make_use_case(org, pm, name="Fresh", start_date=today, **unscored)
    items = list(ChecklistItem.objects.filter(workstream__use_case=late, fact="")[:3])
    for item in items:
        services.checklist_item_set_done(actor=pm, item=item, done=True)
    rows = {uc.name: uc for uc in selectors.use_case_list(org, sort="name")}
    assert rows["Late"].items_done == 5 + 3  # the five scores follow their records
    assert (
        rows["Late"].items_total == ChecklistItem.objects.filter(workstream__use_case=late).count()
    )
    assert rows["Late"].has_late_phase
    assert rows["Fresh"].items_done == 0
    assert not rows["Fresh"].has_late_phase
    # A finished phase is not late however old its planned end.
    late.phases.filter(number=1).update(actual_end=today)
    assert not selectors.use_case_list(org).get(pk=late.pk).has_late_phase
    assert fresh.pk  # both rows came back


def test_use_case_list_is_scoped_to_the_organization(org, pm, other_org):
    make_use_case(org, pm, name="Ours")
    assert [uc.name for uc in selectors.use_case_list(org)] == ["Ours"]


def test_use_case_list_sort_by_status_follows_the_lifecycle(org, pm):
    for name, status in (("A", "retired"), ("B", "pilot"), ("C", "production")):
        uc = make_use_case(org, pm, name=name)
        UseCase.objects.filter(pk=uc.pk).update(status=status)
    assert [uc.name for uc in selectors.use_case_list(org, sort="status")] == ["B", "C", "A"]
    assert [uc.name for uc in selectors.use_case_list(org, sort="-status")] == ["A", "C", "B"]


def test_use_case_teams_are_distinct_and_sorted(org, pm):
    for name, team in (("a", "Support"), ("b", "Claims"), ("c", "Support")):
        make_use_case(org, pm, name=name, team=team)
    assert selectors.use_case_teams(org) == ["Claims", "Support"]


def test_use_case_detail_loads_everything_in_five_queries(
    org, pm, use_case, django_assert_num_queries
):
    ws = use_case.workstreams.get(number=1)
    services.workstream_update(actor=pm, workstream=ws, owner=pm)
    services.checklist_item_set_done(actor=pm, item=ws.items.get(fact=""), done=True)
    with django_assert_num_queries(5):
        uc = selectors.use_case_detail(use_case)
        owners = [w.owner for w in uc.workstream_list]
        tickers = [item.done_by for w in uc.workstream_list for item in w.items.all()]
        criteria = [item.text for p in uc.phase_list for item in p.exit_criteria.all()]
    assert owners[0] == pm and pm in tickers
    assert len(uc.workstream_list) == 7 and len(uc.phase_list) == 3
    assert len(criteria) == 15
    first = uc.workstream_list[0]
    assert (first.done_count, first.item_count) == (6, 6)  # five scores and the judgment
    assert first.percent == 100


def test_detail_page_query_count_does_not_grow_with_items(client, org, pm, use_case):
    client.force_login(pm)
    page = reverse("usecase_detail", args=[org.slug, use_case.pk])
    client.get(page)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(page).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    ws = use_case.workstreams.get(number=1)
    ChecklistItem.objects.bulk_create(
        ChecklistItem(workstream=ws, position=100 + i, text=f"Extra {i}") for i in range(30)
    )
    for item in ws.items.filter(fact="")[:10]:
        services.checklist_item_set_done(actor=pm, item=item, done=True)
    services.workstream_update(actor=pm, workstream=ws, owner=pm)
    assert count() == before


@pytest.mark.parametrize("done", [0, 2])
def test_workstream_card_progress(org, pm, use_case, done):
    ws = use_case.workstreams.get(number=4)  # human workflow design: five judgments
    for item in ws.items.all()[:done]:
        services.checklist_item_set_done(actor=pm, item=item, done=True)
    card = selectors.workstream_card(ws)
    assert (card.done_count, card.item_count) == (done, 5)
    assert card.percent == round(100 * done / 5)


def test_spec_versions_newest_first(org, pm, use_case):
    spec = dict.fromkeys(("inputs", "output_format", "uncertainty_behavior"), "x")
    spec |= dict.fromkeys(("human_approval", "source_systems", "acceptable_latency"), "y")
    services.behavior_spec_save(actor=pm, use_case=use_case, **spec)
    services.behavior_spec_save(actor=pm, use_case=use_case, **{**spec, "inputs": "z"})
    assert [v.version for v in selectors.spec_versions(use_case)] == [2, 1]

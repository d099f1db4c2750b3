"""Owners and due dates on workstreams, workstream items and exit criteria: the defaults from
the plan, dates that move with the plan, the service, the page and the API."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone

from readiness import selectors, services
from readiness.facts import WORKSTREAM_PHASE
from readiness.models import AuditEvent, ChecklistItem, Role
from tests.conftest import WRITE_ROLES
from tests.factories import add_member, make_use_case
from tests.readiness.api_support import client_for
from tests.readiness.pages_support import url

START = dt.date(2026, 3, 2)
END = {1: dt.date(2026, 3, 31), 2: dt.date(2026, 4, 30), 3: dt.date(2026, 5, 30)}


@pytest.fixture
def planned(org, pm):
    return make_use_case(org, pm, name="Planned", start_date=START)


def test_new_workstreams_items_and_criteria_get_owners_and_phase_dates(org, pm, planned):
    for ws in planned.workstreams.all():
        end = END[WORKSTREAM_PHASE[ws.number]]
        assert ws.owner == pm  # no use case owner: its creator
        assert ws.due_date == end
        assert set(ws.items.values_list("due_date", flat=True)) == {end}
        assert not ws.items.filter(owner__isnull=False).exists()  # they follow the workstream's
    for phase in planned.phases.all():
        assert set(phase.exit_criteria.values_list("due_date", flat=True)) == {phase.planned_end}
    owner = add_member(org, Role.PROGRAM_MANAGER)
    owned = make_use_case(org, pm, name="Owned", owner=owner)
    assert set(owned.workstreams.values_list("owner", flat=True)) == {owner.pk}


def test_replanning_a_phase_moves_what_was_due_at_its_end_only(pm, planned):
    phase = planned.phases.get(number=2)
    integration = planned.workstreams.get(number=3)
    by_hand = integration.items.first()
    services.checklist_item_update(actor=pm, item=by_hand, due_date=dt.date(2026, 4, 20))
    criterion = phase.exit_criteria.first()
    services.phase_update_dates(
        actor=pm, phase=phase, planned_start=phase.planned_start, planned_end=dt.date(2026, 5, 8)
    )
    integration.refresh_from_db()
    assert integration.due_date == dt.date(2026, 5, 8)
    assert (
        integration.items.exclude(pk=by_hand.pk).filter(due_date=dt.date(2026, 5, 8)).count() == 4
    )
    by_hand.refresh_from_db()
    criterion.refresh_from_db()
    assert by_hand.due_date == dt.date(2026, 4, 20)  # set by hand: stays
    assert criterion.due_date == dt.date(2026, 5, 8)
    event = AuditEvent.objects.filter(action="phase.update").get()
    # Workstreams 3, 4 and 6; their 14 items but the one set by hand; five exit criteria.
    assert event.after["due_dates_moved"] == 3 + 14 - 1 + 5
    # Phase 1's items are untouched.
    assert planned.workstreams.get(number=1).due_date == END[1]


def test_moving_the_start_date_moves_the_plan_and_its_due_dates(pm, planned):
    services.use_case_update(actor=pm, use_case=planned, start_date=START + dt.timedelta(days=7))
    assert planned.workstreams.get(number=7).due_date == END[3] + dt.timedelta(days=7)
    assert set(
        ChecklistItem.objects.filter(phase__use_case=planned, phase__number=1).values_list(
            "due_date", flat=True
        )
    ) == {END[1] + dt.timedelta(days=7)}


def test_moving_a_workstream_due_date_moves_its_open_items(pm, planned):
    ws = planned.workstreams.get(number=4)
    first = ws.items.order_by("position").first()
    services.checklist_item_set_done(actor=pm, item=first, done=True)
    services.workstream_update(actor=pm, workstream=ws, due_date=dt.date(2026, 4, 15))
    assert set(ws.items.filter(done=False).values_list("due_date", flat=True)) == {
        dt.date(2026, 4, 15)
    }
    first.refresh_from_db()
    assert first.due_date == END[2]  # done: left as it was


def test_item_owner_and_due_date_are_audited_and_checked(org, pm, planned, other_org):
    item = planned.workstreams.get(number=3).items.first()
    owner = add_member(org, Role.ORG_ADMIN)
    services.checklist_item_update(actor=pm, item=item, owner=owner, due_date=dt.date(2026, 4, 1))
    event = AuditEvent.objects.get(action="workstream_item.update")
    assert event.before == {"owner": None, "due_date": "2026-04-30"}
    assert event.after == {"owner": owner.email, "due_date": "2026-04-01"}
    with pytest.raises(ValidationError) as err:
        services.checklist_item_update(actor=pm, item=item, owner=other_org[1])
    assert "owner" in err.value.message_dict
    viewer = add_member(org, Role.VIEWER)
    with pytest.raises(PermissionDenied):
        services.checklist_item_update(actor=viewer, item=item, due_date=None)
    item.refresh_from_db()
    assert (item.owner, item.due_date) == (owner, dt.date(2026, 4, 1))


def test_exit_criteria_of_a_passed_phase_keep_their_dates(pm, planned):
    phase = planned.phases.get(number=1)
    phase.actual_end = phase.planned_end
    phase.save(update_fields=["actual_end"])
    with pytest.raises(ValidationError, match="final"):
        services.checklist_item_update(
            actor=pm, item=phase.exit_criteria.first(), due_date=dt.date(2026, 6, 1)
        )


# --- The page ----------------------------------------------------------------------------------


def test_item_edit_page_saves_and_returns_to_the_card(client, org, pm, planned):
    item = planned.workstreams.get(number=4).items.first()
    owner = add_member(org, Role.PROGRAM_MANAGER)
    client.force_login(pm)
    page = url("item_edit", org, item.pk)
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="date"' in html and "Same as the workstream" in html
    response = client.post(page, {"owner": owner.pk, "due_date": "2026-04-09"})
    assert response.status_code == 302
    assert response.url == f"{url('usecase_detail', org, planned.pk)}#item-{item.pk}"
    item.refresh_from_db()
    assert (item.owner, item.due_date) == (owner, dt.date(2026, 4, 9))
    response = client.post(page, {"owner": "", "due_date": "someday"})
    assert response.status_code == 400
    assert "due_date" in response.context["form"].errors
    item.refresh_from_db()
    assert item.owner == owner


def test_item_edit_page_follows_the_role_matrix(client, org, role_member, planned):
    role, user = role_member
    item = planned.phases.get(number=2).exit_criteria.first()
    client.force_login(user)
    response = client.post(url("item_edit", org, item.pk), {"due_date": "2026-04-28"})
    assert response.status_code == (302 if role in WRITE_ROLES else 403)
    item.refresh_from_db()
    expected = dt.date(2026, 4, 28) if role in WRITE_ROLES else END[2]
    assert item.due_date == expected


def test_item_edit_of_another_orgs_item_is_404(client, org, pm, other_org):
    foreign = ChecklistItem.objects.filter(workstream__use_case=other_org[2]).first()
    client.force_login(pm)
    assert client.get(url("item_edit", org, foreign.pk)).status_code == 404


# --- The API -----------------------------------------------------------------------------------


def test_api_sets_owner_and_due_date_and_shows_them(org, pm, planned):
    item = planned.workstreams.get(number=3).items.first()
    api = client_for(pm)
    response = api.patch(
        f"/api/v1/checklist-items/{item.pk}/",
        {"owner": pm.email, "due_date": "2026-04-03"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["owner"], body["due_date"]) == (pm.email, "2026-04-03")
    assert body["owner_name"] == pm.display_name
    assert body["is_overdue"] is (dt.date(2026, 4, 3) < timezone.localdate())


def test_api_refusal_saves_nothing(org, pm, planned, other_org):
    item = planned.workstreams.get(number=3).items.first()  # follows a record
    api = client_for(pm)
    response = api.patch(
        f"/api/v1/checklist-items/{item.pk}/",
        {"due_date": "2026-04-03", "done": True},
        format="json",
    )
    assert response.status_code == 409
    item.refresh_from_db()
    assert item.due_date == END[2]  # the date was not half-saved
    response = api.patch(
        f"/api/v1/checklist-items/{item.pk}/", {"owner": other_org[1].email}, format="json"
    )
    assert response.status_code == 400 and "owner" in response.json()


# --- Overdue -----------------------------------------------------------------------------------


@pytest.mark.time_machine(dt.datetime(2026, 4, 2, 9, tzinfo=dt.UTC), tick=False)
def test_overdue_counts_and_the_overview_card(client, org, pm, planned):
    # 2 April: phase 1 ended on 31 March. Open and late: workstream 1 (the political check),
    # workstream 2 (no spec) with its six items, and the five phase-1 exit criteria.
    counts = selectors.overdue_counts_many([planned.pk])
    assert counts == {planned.pk: 1 + 1 + 1 + 6 + 5}
    services.checklist_item_update(
        actor=pm, item=planned.workstreams.get(number=4).items.first(), due_date=dt.date(2026, 4, 4)
    )
    client.force_login(pm)
    response = client.get(url("usecase_detail", org, planned.pk))
    due = response.context["due"]
    assert sum(1 for d in due if d.late) == 14 and sum(1 for d in due if not d.late) == 1
    html = response.content.decode()
    assert "14 overdue" in html and "Due soon" in html
    planned.status = "retired"
    planned.save(update_fields=["status"])
    assert selectors.overdue_counts_many([planned.pk]) == {}


def test_due_open_for_one_owner_is_the_filtered_whole(org, pm, planned):
    """``owner_id`` filters in SQL by the same rule ``Due.owner_id`` follows (the thing's own
    owner, else its workstream's, else the use case's owner, else its creator), at every level."""
    other = add_member(org, Role.PROGRAM_MANAGER)
    workstream = planned.workstreams.order_by("number").first()
    services.workstream_update(actor=pm, workstream=workstream, owner=other)  # items inherit
    item = ChecklistItem.objects.filter(workstream__use_case=planned).exclude(
        workstream=workstream
    )[0]
    # An item's own owner, under a workstream that pm owns, and a criterion's.
    services.checklist_item_update(actor=pm, item=item, owner=other)
    criterion = ChecklistItem.objects.filter(phase__use_case=planned)[0]
    services.checklist_item_update(actor=pm, item=criterion, owner=other)
    everything = selectors.due_open(Q(pk=planned.pk))
    for person in (pm, other):
        mine = selectors.due_open(Q(pk=planned.pk), owner_id=person.pk)
        assert mine == [d for d in everything if d.owner_id == person.pk]
        assert mine
    kinds = {d.kind for d in selectors.due_open(Q(pk=planned.pk), owner_id=other.pk)}
    assert kinds == {"workstream", "item", "criterion"}


def test_due_count_and_the_first_few_are_read_in_sql(org, pm, planned, django_assert_num_queries):
    """The home page's queue counts in SQL and fetches only what it lists: the same figures
    and the same first rows as the whole list, in six queries whatever the number of items."""
    today = END[1] + dt.timedelta(days=1)  # phase 1's things are late, the rest are not
    everything = selectors.due_open(Q(pk=planned.pk), today=today)
    assert selectors.due_count(Q(pk=planned.pk), today=today) == (
        len(everything),
        sum(d.late for d in everything),
    )
    for limit in (1, 5, 8, len(everything) + 3):
        first = selectors.due_open(Q(pk=planned.pk), today=today, limit=limit)
        assert first == everything[:limit]
    with django_assert_num_queries(6):
        selectors.due_count(Q(pk=planned.pk), today=today, owner_id=pm.pk)
        selectors.due_open(Q(pk=planned.pk), today=today, owner_id=pm.pk, limit=8)

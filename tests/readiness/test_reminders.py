"""The daily due-date reminder: owners hear of what is due within three days and of what is
late, once per thing and day, with a frozen clock on several days."""

import datetime as dt

import pytest
import time_machine

from readiness import services
from readiness.models import DueReminder, Notification, Role
from readiness.tasks import send_due_reminders
from tests.factories import add_member, make_use_case

START = dt.date(2026, 3, 2)  # phase 1 (and workstreams 1 and 2) due 31 March


def at(day: dt.date) -> time_machine.travel:
    return time_machine.travel(dt.datetime.combine(day, dt.time(6), tzinfo=dt.UTC), tick=False)


@pytest.fixture
def planned(org, pm):
    return make_use_case(org, pm, name="Planned", start_date=START)


def reminders_to(user):
    return list(
        Notification.objects.filter(recipient=user, kind="due.reminder").order_by(
            "created_at", "id"
        )
    )


def test_nothing_is_reminded_more_than_three_days_ahead(planned, pm):
    with at(dt.date(2026, 3, 27)):
        assert services.due_reminders_send() == 0
    assert not reminders_to(pm)


def test_due_soon_once_a_day_then_late_every_day(org, planned, pm):
    # Open on 31 March: workstream 1 and its political check, workstream 2 and its six spec
    # items, the five exit criteria of phase 1: fourteen things, all the creator's.
    with at(dt.date(2026, 3, 28)):
        assert send_due_reminders() == 1
        assert send_due_reminders() == 0  # the same day again: nothing
    first = reminders_to(pm)
    assert len(first) == 1
    assert first[0].title == "Planned: 14 due soon"
    assert (
        "Due 31 Mar: “Inputs the AI receives are listed” (Workstream 2: Production behavior)."
        in first[0].body
    )
    assert "It ticks itself from its record" in first[0].body
    assert first[0].url.endswith(f"/use-cases/{planned.pk}/#due")
    assert DueReminder.objects.filter(day=dt.date(2026, 3, 28), state="soon").count() == 14
    with at(dt.date(2026, 3, 29)):
        assert services.due_reminders_send() == 1  # a new day: reminded again
    with at(dt.date(2026, 4, 2)):
        assert services.due_reminders_send() == 1
        assert services.due_reminders_send() == 0
    late = reminders_to(pm)[-1]
    assert late.title == "Planned: 14 late"
    assert "Late since 31 Mar: Workstream 2: Production behavior." in late.body
    assert len(reminders_to(pm)) == 3


def test_each_owner_hears_of_their_own_and_done_things_are_not_reminded(org, planned, pm):
    admin = add_member(org, Role.ORG_ADMIN)
    spec_ws = planned.workstreams.get(number=2)
    item = spec_ws.items.first()
    services.checklist_item_update(actor=pm, item=item, owner=admin)
    services.workstream_update(actor=pm, workstream=planned.workstreams.get(number=1), owner=admin)
    political = planned.workstreams.get(number=1).items.get(fact="")
    services.checklist_item_set_done(actor=pm, item=political, done=True)  # workstream 1 done
    with at(dt.date(2026, 4, 1)):
        assert services.due_reminders_send() == 2
    (to_admin,) = reminders_to(admin)
    assert to_admin.title == "Planned: 1 late"
    assert item.text in to_admin.body
    (to_pm,) = reminders_to(pm)
    assert to_pm.title == "Planned: 11 late"  # workstream 2, five of its items, five criteria
    assert "Workstream 1" not in to_pm.body and political.text not in to_pm.body


def test_use_case_owner_hears_and_retired_use_cases_are_left_alone(org, pm):
    owner = add_member(org, Role.PROGRAM_MANAGER)
    owned = make_use_case(org, pm, name="Owned", start_date=START, owner=owner)
    retired = make_use_case(org, pm, name="Retired", start_date=START)
    retired.status = "retired"
    retired.save(update_fields=["status"])
    with at(dt.date(2026, 4, 1)):
        assert services.due_reminders_send() == 1
    assert [n.title for n in reminders_to(owner)] == ["Owned: 14 late"]
    assert not reminders_to(pm)
    assert owned.pk


def test_soon_and_late_in_one_reminder(org, planned, pm):
    item = planned.workstreams.get(number=4).items.first()
    services.checklist_item_update(actor=pm, item=item, due_date=dt.date(2026, 4, 3))
    with at(dt.date(2026, 4, 1)):
        services.due_reminders_send()
    (note,) = reminders_to(pm)
    assert note.title == "Planned: 14 late and 1 due soon"
    assert f"Due 3 Apr: “{item.text}”" in note.body

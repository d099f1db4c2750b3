"""Adoption services: roles, validation that saves nothing, the go-live gate, boundaries
versions, weekly feedback (one per person per week, editable in the week) and the audit."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
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
from readiness.errors import Conflict, GateRefused
from readiness.models import AuditEvent, Role
from tests.adoption.conftest import train
from tests.conftest import WRITE_ROLES
from tests.factories import UserFactory, add_member

TODAY = timezone.localdate


def actions(org):
    return list(
        AuditEvent.objects.filter(organization=org).order_by("id").values_list("action", flat=True)
    )


# --- Cohorts ---------------------------------------------------------------------------------


def test_cohort_create_role_matrix(org, use_case, role_member):
    role, user = role_member
    if role in WRITE_ROLES:
        cohort = services.cohort_create(
            actor=user, use_case=use_case, name="Wave 1", team="Support", size=5
        )
        assert cohort.status == Cohort.Status.PLANNED
        assert "cohort.create" in actions(org)
    else:
        with pytest.raises(PermissionDenied):
            services.cohort_create(
                actor=user, use_case=use_case, name="Wave 1", team="Support", size=5
            )
        assert not Cohort.objects.exists()


def test_cohort_create_refuses_people_outside_the_organization(use_case, pm, other_org):
    _, stranger, _ = other_org
    with pytest.raises(ValidationError) as exc:
        services.cohort_create(
            actor=pm, use_case=use_case, name="Wave 1", team="Support", size=5, managers=[stranger]
        )
    assert stranger.display_name in str(exc.value.message_dict["managers"])
    assert not Cohort.objects.exists()


def test_cohort_names_are_unique_per_use_case_and_size_is_positive(use_case, pm, cohort):
    with pytest.raises(ValidationError) as exc:
        services.cohort_create(actor=pm, use_case=use_case, name="wave 1", team="x", size=3)
    assert "already exists" in str(exc.value.message_dict["name"])
    with pytest.raises(ValidationError) as exc:
        services.cohort_create(actor=pm, use_case=use_case, name="Wave 2", team="x", size=0)
    assert "size" in exc.value.message_dict
    assert Cohort.objects.count() == 1


def test_cohort_update_audits_only_what_changed(org, cohort, pm, member):
    other = add_member(org, Role.VIEWER)
    services.cohort_update(actor=pm, cohort=cohort, size=12, members=[member, other])
    event = AuditEvent.objects.filter(action="cohort.update").get()
    assert event.before == {"size": 10, "members": [member.email]}
    assert event.after == {"size": 12, "members": sorted([member.email, other.email])}
    services.cohort_update(actor=pm, cohort=cohort, size=12)
    assert AuditEvent.objects.filter(action="cohort.update").count() == 1


def test_untrained_manager_cannot_join_a_live_cohort(org, live_cohort, pm, manager):
    newcomer = add_member(org, Role.VIEWER, UserFactory(first_name="Nia", last_name="New"))
    with pytest.raises(ValidationError) as exc:
        services.cohort_update(actor=pm, cohort=live_cohort, managers=[manager, newcomer])
    assert "Nia New" in str(exc.value.message_dict["managers"])
    assert list(live_cohort.managers.all()) == [manager]


# --- Go-live ---------------------------------------------------------------------------------


def test_go_live_refused_naming_each_untrained_manager(org, cohort, pm, boundaries):
    second = add_member(org, Role.VIEWER, UserFactory(first_name="Ada", last_name="Boss"))
    services.cohort_update(actor=pm, cohort=cohort, managers=[*cohort.managers.all(), second])
    with pytest.raises(GateRefused) as exc:
        services.cohort_go_live(actor=pm, cohort=cohort)
    messages = [b.message for b in exc.value.blockers]
    assert len(messages) == 2
    assert messages[0].startswith("Ada Boss, manager of Wave 1, has no training record")
    assert messages[1].startswith("Morgan Lead, manager of Wave 1")
    assert all(
        b.url.endswith(f"/adoption/cohorts/{cohort.pk}/#training") for b in exc.value.blockers
    )
    cohort.refresh_from_db()
    assert cohort.status == Cohort.Status.PLANNED and cohort.actual_go_live is None
    refused = AuditEvent.objects.get(action="cohort.go_live_refused")
    assert "Ada Boss" in refused.after["blockers"][0]


def test_go_live_needs_boundaries_managers_and_members(use_case, pm):
    empty = services.cohort_create(actor=pm, use_case=use_case, name="Empty", team="x", size=2)
    with pytest.raises(GateRefused) as exc:
        services.cohort_go_live(actor=pm, cohort=empty)
    assert [b.code for b in exc.value.blockers] == [
        "adoption_no_manager",
        "adoption_no_members",
        "adoption_no_boundaries",
    ]


def test_go_live_passes_once_managers_are_trained(org, cohort, use_case, pm, manager, boundaries):
    train(use_case, pm, manager)
    live = services.cohort_go_live(actor=pm, cohort=cohort)
    assert live.status == Cohort.Status.LIVE and live.actual_go_live == TODAY()
    assert AuditEvent.objects.filter(action="cohort.go_live").exists()
    with pytest.raises(Conflict):
        services.cohort_go_live(actor=pm, cohort=cohort)


def test_training_in_the_future_does_not_count(cohort, use_case, pm, manager, boundaries):
    with pytest.raises(ValidationError):
        services.training_record_add(
            actor=pm,
            use_case=use_case,
            user=manager,
            topic="Later",
            completed_on=TODAY() + dt.timedelta(days=1),
        )
    assert not TrainingRecord.objects.exists()


def test_go_live_forbidden_to_read_only_roles(cohort, role_member):
    role, user = role_member
    if role in WRITE_ROLES:
        return
    with pytest.raises(PermissionDenied):
        services.cohort_go_live(actor=user, cohort=cohort)


# --- Training --------------------------------------------------------------------------------


def test_training_record_once_per_topic(org, use_case, pm, manager):
    train(use_case, pm, manager, topic="Escalations")
    with pytest.raises(ValidationError) as exc:
        train(use_case, pm, manager, topic="escalations")
    assert "already has a record" in str(exc.value.message_dict["topic"])
    assert TrainingRecord.objects.count() == 1
    assert AuditEvent.objects.filter(action="training.record").count() == 1


def test_training_record_role_matrix(use_case, manager, role_member):
    role, user = role_member
    if role in WRITE_ROLES:
        train(use_case, user, manager)
        assert TrainingRecord.objects.count() == 1
    else:
        with pytest.raises(PermissionDenied):
            train(use_case, user, manager)
        assert not TrainingRecord.objects.exists()


# --- Usage boundaries ------------------------------------------------------------------------


def test_publish_keeps_every_version(org, use_case, pm, boundaries):
    v2 = services.usage_boundary_publish(
        actor=pm, use_case=use_case, body="Use it to draft replies.", change_note="Shorter"
    )
    assert v2.version == 2
    assert list(UsageBoundary.objects.values_list("version", flat=True).order_by("version")) == [
        1,
        2,
    ]
    event = AuditEvent.objects.filter(action="usage_boundary.publish").order_by("-id").first()
    assert event.before["version"] == 1 and event.after["version"] == 2


def test_publish_refuses_empty_or_unchanged_text(use_case, pm, boundaries):
    crlf = boundaries.body.replace("\n", "\r\n")  # as a browser sends a textarea
    for body in ("", "   ", boundaries.body, crlf):
        with pytest.raises(ValidationError) as exc:
            services.usage_boundary_publish(actor=pm, use_case=use_case, body=body)
        assert "body" in exc.value.message_dict
    assert UsageBoundary.objects.count() == 1


def test_publish_forbidden_to_read_only_roles(use_case, role_member):
    role, user = role_member
    if role in WRITE_ROLES:
        return
    with pytest.raises(PermissionDenied):
        services.usage_boundary_publish(actor=user, use_case=use_case, body="x")


def test_every_member_acknowledges_the_current_version_once(
    org, use_case, pm, boundaries, role_member
):
    _, user = role_member
    services.usage_boundary_acknowledge(actor=user, boundary=boundaries)
    services.usage_boundary_acknowledge(actor=user, boundary=boundaries)
    assert BoundaryAcknowledgement.objects.filter(user=user).count() == 1
    assert AuditEvent.objects.filter(action="usage_boundary.acknowledge").count() == 1
    services.usage_boundary_publish(actor=pm, use_case=use_case, body="New rules.")
    with pytest.raises(ValidationError, match="no longer current"):
        services.usage_boundary_acknowledge(actor=user, boundary=boundaries)


def test_acknowledge_needs_membership(boundaries, other_org):
    _, stranger, _ = other_org
    with pytest.raises(PermissionDenied):
        services.usage_boundary_acknowledge(actor=stranger, boundary=boundaries)


# --- Feedback --------------------------------------------------------------------------------


def give(cohort, user, today=None, **over):
    values = {"usefulness": 4, "trust": 3, "minutes_saved": 45, "comment": "Good week."}
    values.update(over)
    return services.feedback_submit(actor=user, cohort=cohort, today=today, **values)


def test_feedback_once_per_week_edits_in_the_week(org, live_cohort, member):
    monday = TODAY() - dt.timedelta(days=TODAY().weekday())
    first = give(live_cohort, member, today=monday)
    again = give(live_cohort, member, today=monday + dt.timedelta(days=4), usefulness=5)
    assert first.pk == again.pk and Feedback.objects.count() == 1
    assert Feedback.objects.get().usefulness == 5
    assert actions(org)[-2:] == ["feedback.submit", "feedback.update"]
    give(live_cohort, member, today=monday + dt.timedelta(days=4), usefulness=5)  # no change
    assert actions(org)[-1] == "feedback.update"
    assert AuditEvent.objects.filter(action="feedback.update").count() == 1
    # Answers are personal: audited, but not on the use case's history, which every member reads.
    assert not AuditEvent.objects.filter(
        action__startswith="feedback.", use_case__isnull=False
    ).exists()
    nxt = give(live_cohort, member, today=monday + dt.timedelta(days=7))
    assert nxt.pk != first.pk and nxt.week == monday + dt.timedelta(days=7)


def test_feedback_unique_per_week_in_the_database(live_cohort, member):
    fb = give(live_cohort, member)
    with pytest.raises(IntegrityError), transaction.atomic():
        Feedback.objects.create(
            cohort=live_cohort, user=member, week=fb.week, usefulness=1, trust=1, minutes_saved=0
        )


def test_feedback_scores_are_checked(live_cohort, member):
    for bad in ({"usefulness": 6}, {"trust": 0}, {"minutes_saved": 99999}):
        with pytest.raises(ValidationError) as exc:
            give(live_cohort, member, **bad)
        assert set(bad) <= set(exc.value.message_dict)
    assert not Feedback.objects.exists()


def test_feedback_only_from_members_of_a_live_cohort(org, cohort, live_cohort, manager, pm):
    with pytest.raises(PermissionDenied):
        give(live_cohort, pm)  # a program manager who is not in the cohort
    with pytest.raises(PermissionDenied):
        give(live_cohort, manager)  # managers are not members unless named as such
    planned = services.cohort_create(
        actor=pm, use_case=live_cohort.use_case, name="Wave 2", team="x", size=2, members=[pm]
    )
    with pytest.raises(ValidationError, match="not live"):
        give(planned, pm)
    assert not Feedback.objects.exists()


def test_feedback_stops_when_membership_ends(org, live_cohort, member):
    org.memberships.filter(user=member).delete()
    with pytest.raises(PermissionDenied):
        give(live_cohort, member)


# --- Iteration log ---------------------------------------------------------------------------


def test_iteration_entry_add_and_record_outcome(org, use_case, pm):
    entry = services.iteration_entry_add(
        actor=pm, use_case=use_case, happened_on=TODAY(), change="Shorter drafts", reason="Too long"
    )
    services.iteration_entry_update(actor=pm, entry=entry, outcome="Edits down by half")
    entry.refresh_from_db()
    assert entry.outcome == "Edits down by half"
    assert actions(org)[-2:] == ["iteration.add", "iteration.update"]


def test_iteration_entry_validation(use_case, pm):
    with pytest.raises(ValidationError) as exc:
        services.iteration_entry_add(
            actor=pm, use_case=use_case, happened_on=TODAY(), change="", reason=""
        )
    assert {"change", "reason"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        services.iteration_entry_add(
            actor=pm,
            use_case=use_case,
            happened_on=TODAY() + dt.timedelta(days=1),
            change="x",
            reason="y",
        )
    assert "happened_on" in exc.value.message_dict
    assert not IterationEntry.objects.exists()


def test_iteration_entry_forbidden_to_read_only_roles(use_case, role_member):
    role, user = role_member
    if role in WRITE_ROLES:
        return
    with pytest.raises(PermissionDenied):
        services.iteration_entry_add(
            actor=user, use_case=use_case, happened_on=TODAY(), change="x", reason="y"
        )

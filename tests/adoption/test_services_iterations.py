"""Iteration log services: add, record the outcome, validation and roles."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from adoption import services
from adoption.models import IterationEntry
from readiness.models import AuditEvent
from tests.conftest import WRITE_ROLE_VALUES, WRITE_ROLES, roles_except

TODAY = timezone.localdate


def actions(org):
    return list(
        AuditEvent.objects.filter(organization=org).order_by("id").values_list("action", flat=True)
    )


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


@pytest.mark.parametrize("user_in_role", WRITE_ROLE_VALUES, indirect=True)
def test_iteration_entry_allowed_to_write_roles(use_case, user_in_role):
    entry = services.iteration_entry_add(
        actor=user_in_role, use_case=use_case, happened_on=TODAY(), change="x", reason="y"
    )
    assert IterationEntry.objects.get() == entry


@pytest.mark.parametrize("user_in_role", roles_except(*WRITE_ROLES), indirect=True)
def test_iteration_entry_forbidden_to_read_only_roles(use_case, user_in_role):
    with pytest.raises(PermissionDenied):
        services.iteration_entry_add(
            actor=user_in_role, use_case=use_case, happened_on=TODAY(), change="x", reason="y"
        )
    assert not IterationEntry.objects.exists()

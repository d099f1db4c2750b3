"""readiness.models.Versioned and readiness.versioning: the version moves on every change, in
the database, and a service refuses a writer who saw an older one."""

from __future__ import annotations

import datetime as dt

import pytest

from readiness import services
from readiness.errors import StaleVersion
from readiness.models import UseCase, Workstream


def test_every_save_moves_the_version_even_from_a_stale_instance(use_case):
    a = UseCase.objects.get(pk=use_case.pk)
    b = UseCase.objects.get(pk=use_case.pk)
    a.team = "A"
    a.save(update_fields=["team"])
    b.workflow = "B"
    b.save(update_fields=["workflow"])  # read before a's save: still counts it
    assert (a.version, b.version) == (2, 3)
    assert UseCase.objects.get(pk=use_case.pk).version == 3


def test_an_empty_update_saves_nothing(use_case):
    use_case.save(update_fields=[])
    assert UseCase.objects.get(pk=use_case.pk).version == 1


def test_bulk_due_date_moves_bump_the_rows_they_move(use_case, pm):
    phase = use_case.phases.get(number=1)
    moved = Workstream.objects.filter(use_case=use_case, due_date=phase.planned_end)
    before = {w.pk: w.version for w in moved}
    assert before
    later = phase.planned_end + dt.timedelta(days=7)
    services.phase_update_dates(
        actor=pm, phase=phase, planned_start=phase.planned_start, planned_end=later
    )
    for ws in Workstream.objects.filter(pk__in=before):
        assert ws.version == before[ws.pk] + 1


def test_a_service_refuses_a_stale_version_and_names_who_changed_what(use_case, pm, admin):
    services.use_case_update(actor=admin, use_case=use_case, team="Claims")
    with pytest.raises(StaleVersion) as refused:
        services.use_case_update(actor=pm, use_case=use_case, expected_version=1, team="Ops")
    assert refused.value.current == 2
    assert refused.value.changed_fields == ["team"]
    assert refused.value.changed_by == admin.email
    assert "team changed by " + admin.email in str(refused.value)
    assert UseCase.objects.get(pk=use_case.pk).team == "Claims"
    services.use_case_update(actor=pm, use_case=use_case, expected_version=2, team="Ops")
    assert UseCase.objects.get(pk=use_case.pk).version == 3

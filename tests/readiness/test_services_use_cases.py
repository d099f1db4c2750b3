import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from readiness import services
from readiness.errors import Conflict
from readiness.models import BehaviorSpecVersion, ChecklistItem, Role, UseCase
from tests.factories import add_member, make_use_case

SPEC = {
    "inputs": "Ticket text",
    "output_format": "Queue name and a reply draft",
    "uncertainty_behavior": "Route to a human",
    "human_approval": "Every reply",
    "source_systems": "Zendesk",
    "acceptable_latency": "2 s",
}


def test_create_builds_workstreams_and_plan(org, pm):
    uc = make_use_case(org, pm, start_date=dt.date(2026, 1, 1))
    workstreams = list(uc.workstreams.order_by("number"))
    assert [w.number for w in workstreams] == [1, 2, 3, 4, 5, 6, 7]
    integration = workstreams[2]
    assert [i.text.split(":")[0] for i in integration.items.order_by("position")] == [
        "Identity and access",
        "Data mapping",
        "Event triggers",
        "API reliability",
        "Logging and audit trails",
    ]
    phases = list(uc.phases.order_by("number"))
    assert [(p.first_day, p.last_day) for p in phases] == [(1, 30), (31, 60), (61, 90)]
    assert phases[0].planned_start == dt.date(2026, 1, 1)
    assert phases[1].planned_start == dt.date(2026, 1, 31)
    assert phases[2].planned_end == dt.date(2026, 3, 31)
    assert all(p.exit_criteria.count() == 5 for p in phases)
    assert uc.priority_score == 85
    assert uc.status == "pilot"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("repetition", 7, "less than or equal to 5"),
        ("name", "", "cannot be blank"),
        ("risk_tier", "extreme", "not a valid choice"),
    ],
)
def test_create_rejects_bad_input_and_saves_nothing(org, pm, field, value, message):
    with pytest.raises(ValidationError) as err:
        make_use_case(org, pm, **{field: value})
    assert field in err.value.message_dict
    assert message in " ".join(err.value.message_dict[field])
    assert not UseCase.objects.exists()
    assert not ChecklistItem.objects.exists()


def test_duplicate_name_is_refused(org, pm, use_case):
    with pytest.raises(ValidationError) as err:
        make_use_case(org, pm, name="triage ASSISTANCE")
    assert "already exists" in err.value.message_dict["name"][0]


def test_owner_must_be_a_member(org, pm, other_org):
    _, outsider, _ = other_org
    with pytest.raises(ValidationError) as err:
        make_use_case(org, pm, owner=outsider)
    assert "member" in err.value.message_dict["owner"][0]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EXECUTIVE, Role.GOVERNANCE_REVIEWER])
def test_read_only_roles_cannot_write(org, use_case, role):
    user = add_member(org, role)
    with pytest.raises(PermissionDenied):
        make_use_case(org, user)
    with pytest.raises(PermissionDenied):
        services.use_case_update(actor=user, use_case=use_case, team="X")
    with pytest.raises(PermissionDenied):
        services.checklist_item_set_done(actor=user, item=ChecklistItem.objects.first(), done=True)
    with pytest.raises(PermissionDenied):
        services.phase_transition(actor=user, use_case=use_case)


def test_outsider_cannot_write(use_case, other_org):
    _, outsider, _ = other_org
    with pytest.raises(PermissionDenied):
        services.use_case_update(actor=outsider, use_case=use_case, team="Hijacked")


def test_update_recomputes_priority_and_replans(use_case, pm):
    services.use_case_update(
        actor=pm, use_case=use_case, politically_sensitive=True, start_date=dt.date(2026, 2, 1)
    )
    use_case.refresh_from_db()
    assert use_case.priority_score == 85 - 25
    phase2 = use_case.phases.get(number=2)
    assert phase2.planned_start == dt.date(2026, 3, 3)


def test_spec_versions_keep_history(use_case, pm):
    v1 = services.behavior_spec_save(actor=pm, use_case=use_case, **SPEC)
    v2 = services.behavior_spec_save(
        actor=pm, use_case=use_case, change_note="faster", **{**SPEC, "acceptable_latency": "1 s"}
    )
    assert (v1.version, v2.version) == (1, 2)
    v1.refresh_from_db()
    assert v1.acceptable_latency == "2 s"
    with pytest.raises(ValidationError, match="Nothing changed"):
        services.behavior_spec_save(
            actor=pm, use_case=use_case, **{**SPEC, "acceptable_latency": "1 s"}
        )
    with pytest.raises(ValidationError, match="at least one field"):
        services.behavior_spec_save(actor=pm, use_case=use_case, **dict.fromkeys(SPEC, " "))
    assert BehaviorSpecVersion.objects.filter(use_case=use_case).count() == 2


def test_workstream_update_validates(use_case, pm):
    ws = use_case.workstreams.get(number=1)
    with pytest.raises(ValidationError) as err:
        services.workstream_update(actor=pm, workstream=ws, status="finished")
    assert "status" in err.value.message_dict
    ws.refresh_from_db()
    assert ws.status == "in_progress"  # five of its six items follow the scores given


def test_phase_dates_must_be_ordered(use_case, pm):
    phase = use_case.phases.get(number=2)
    with pytest.raises(ValidationError) as err:
        services.phase_update_dates(
            actor=pm,
            phase=phase,
            planned_start=dt.date(2026, 5, 1),
            planned_end=dt.date(2026, 4, 1),
        )
    assert "planned_end" in err.value.message_dict


@pytest.mark.django_db(transaction=True)
def test_concurrent_transitions_only_one_wins(org, pm, use_case):
    """Two requests transition the same use case at once: one moves it, the other is told why not."""
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent connections (PostgreSQL); CI runs this on PostgreSQL")
    for item in ChecklistItem.objects.filter(phase__use_case=use_case, phase__number=1):
        services.checklist_item_set_done(actor=pm, item=item, done=True)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def attempt() -> None:
        try:
            barrier.wait()
            services.phase_transition(actor=pm, use_case=use_case, expected_phase=1)
            results.append("moved")
        except Conflict:
            results.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["conflict", "moved"]
    use_case.refresh_from_db()
    assert use_case.current_phase == 2

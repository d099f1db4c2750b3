"""Registry, policy and incident services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from governance import services
from readiness.models import Notification


def test_incident_high_notifies_owner_and_reviewers(org, use_case, pm, reviewer, admin):
    use_case.owner = admin
    use_case.save()
    services.incident_open(
        actor=pm, use_case=use_case, title="Leak", description="d", severity="critical"
    )
    assert Notification.objects.filter(recipient=admin, kind="governance.incident_opened").exists()
    assert Notification.objects.filter(
        recipient=reviewer, kind="governance.incident_opened"
    ).exists()
    services.incident_open(
        actor=pm, use_case=use_case, title="Typo", description="d", severity="low"
    )
    assert Notification.objects.filter(kind="governance.incident_opened").count() == 2


def test_incident_lifecycle(use_case, pm, reviewer, viewer):
    incident = services.incident_open(
        actor=pm, use_case=use_case, title="x", description="d", severity="medium"
    )
    with pytest.raises(PermissionDenied):
        services.incident_update(actor=viewer, incident=incident, note="n")
    with pytest.raises(ValidationError):
        services.incident_update(actor=pm, incident=incident, note="n", status="reviewed")
    with pytest.raises(ValidationError):
        services.incident_review(actor=reviewer, incident=incident, review="too early")
    services.incident_update(actor=pm, incident=incident, note="fixed", status="resolved")
    with pytest.raises(PermissionDenied):
        services.incident_review(actor=pm, incident=incident, review="pm cannot")
    services.incident_review(actor=reviewer, incident=incident, review="Cause and actions.")
    incident.refresh_from_db()
    assert incident.status == "reviewed"
    assert list(incident.updates.values_list("status_to", flat=True)) == [
        "open",
        "resolved",
        "reviewed",
    ]


def test_registry_rules(org, reviewer, pm):
    with pytest.raises(PermissionDenied):
        services.approved_model_save(
            actor=pm,
            organization=org,
            provider="a",
            model_name="b",
            data_classifications=["public"],
        )
    with pytest.raises(ValidationError) as exc:
        services.approved_model_save(
            actor=reviewer, organization=org, provider="a", model_name="b", data_classifications=[]
        )
    assert "data_classifications" in exc.value.message_dict
    services.approved_model_save(
        actor=reviewer,
        organization=org,
        provider="a",
        model_name="b",
        data_classifications=["public"],
    )
    with pytest.raises(ValidationError):
        services.approved_model_save(
            actor=reviewer,
            organization=org,
            provider="A",
            model_name="B",
            data_classifications=["public"],
        )

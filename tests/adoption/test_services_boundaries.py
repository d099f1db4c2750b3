"""Usage boundary services: versions are kept, unchanged text is refused, acknowledgements."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from adoption import services
from adoption.models import BoundaryAcknowledgement, UsageBoundary
from readiness.models import AuditEvent
from tests.conftest import WRITE_ROLE_VALUES, WRITE_ROLES, roles_except


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


@pytest.mark.parametrize("user_in_role", WRITE_ROLE_VALUES, indirect=True)
def test_publish_allowed_to_write_roles(use_case, user_in_role):
    published = services.usage_boundary_publish(actor=user_in_role, use_case=use_case, body="x")
    assert (published.version, published.body) == (1, "x")


@pytest.mark.parametrize("user_in_role", roles_except(*WRITE_ROLES), indirect=True)
def test_publish_forbidden_to_read_only_roles(use_case, user_in_role):
    with pytest.raises(PermissionDenied):
        services.usage_boundary_publish(actor=user_in_role, use_case=use_case, body="x")
    assert not UsageBoundary.objects.exists()


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

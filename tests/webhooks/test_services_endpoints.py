"""Endpoint services: org admins only, validated, audited without the secret."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from readiness.audit import verify_chain
from readiness.models import AuditEvent
from tests.conftest import ADMIN_ONLY, roles_except
from webhooks import services
from webhooks.models import Endpoint


def create(org, actor, **kw):
    fields = {"url": "https://hooks.example.com/r", "events": ["gate.passed"], **kw}
    return services.endpoint_create(actor=actor, organization=org, **fields)


def test_create_generates_a_secret_and_audits_without_it(org, admin) -> None:
    endpoint = create(org, admin, description=" CI ", events=["incident.opened", "gate.passed"])
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40
    assert endpoint.description == "CI"
    assert endpoint.events == ["gate.passed", "incident.opened"]  # catalogue order
    event = AuditEvent.objects.get(action="webhooks.endpoint_create")
    assert event.after["url"] == "https://hooks.example.com/r"
    assert endpoint.secret not in str(event.after)
    assert verify_chain(org) == []


@pytest.mark.parametrize(
    ("kw", "field", "message"),
    [
        ({"url": ""}, "url", "Enter the URL"),
        ({"url": "ftp://x.example"}, "url", "full URL"),
        ({"url": "https://user:pw@x.example/"}, "url", "user name and password"),
        ({"events": []}, "events", "at least one event"),
        ({"events": ["gate.passed", "nope"]}, "events", "Unknown event(s): nope"),
        ({"format": "xml"}, "format", "JSON or Slack"),
    ],
)
def test_bad_input_names_what_to_fix_and_saves_nothing(org, admin, kw, field, message) -> None:
    with pytest.raises(ValidationError) as err:
        create(org, admin, **kw)
    assert message in " ".join(err.value.message_dict[field])
    assert not Endpoint.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="webhooks.").exists()


def test_https_is_required_outside_debug(org, admin, settings) -> None:
    settings.DEBUG = False
    with pytest.raises(ValidationError) as err:
        create(org, admin, url="http://hooks.example.com/r")
    assert "https://" in err.value.message_dict["url"][0]
    assert create(org, admin, url="https://hooks.example.com/r").pk


@pytest.mark.parametrize("user_in_role", ADMIN_ONLY, indirect=True)
def test_org_admins_manage_endpoints(org, admin, user_in_role) -> None:
    user = user_in_role
    endpoint = create(org, admin)
    assert create(org, user, url="https://hooks.example.com/second").pk
    services.endpoint_update(actor=user, endpoint=endpoint, description="x")
    assert services.endpoint_send_test(actor=user, endpoint=endpoint).pk  # queued on commit
    services.endpoint_set_active(actor=user, endpoint=endpoint, active=False)
    secret = endpoint.secret
    services.endpoint_rotate_secret(actor=user, endpoint=endpoint)
    endpoint.refresh_from_db()
    assert (endpoint.description, endpoint.active) == ("x", False)
    assert endpoint.secret != secret
    services.endpoint_delete(actor=user, endpoint=endpoint)
    assert not Endpoint.objects.filter(pk=endpoint.pk).exists()


@pytest.mark.parametrize("user_in_role", roles_except(*ADMIN_ONLY), indirect=True)
def test_other_roles_do_not_manage_endpoints(org, admin, user_in_role) -> None:
    user = user_in_role
    endpoint = create(org, admin)
    calls = [
        lambda: create(org, user),
        lambda: services.endpoint_update(actor=user, endpoint=endpoint, description="x"),
        lambda: services.endpoint_set_active(actor=user, endpoint=endpoint, active=False),
        lambda: services.endpoint_rotate_secret(actor=user, endpoint=endpoint),
        lambda: services.endpoint_send_test(actor=user, endpoint=endpoint),
        lambda: services.endpoint_delete(actor=user, endpoint=endpoint),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert list(Endpoint.objects.values_list("pk", "description", "active")) == [
        (endpoint.pk, "", True)
    ]


def test_admin_of_another_org_cannot_touch_endpoints(org, admin, other_org) -> None:
    _, other_admin, _ = other_org
    endpoint = create(org, admin)
    with pytest.raises(PermissionDenied):
        services.endpoint_update(actor=other_admin, endpoint=endpoint, description="x")


def test_update_disable_rotate_delete_are_audited(org, admin) -> None:
    endpoint = create(org, admin)
    old_secret = endpoint.secret
    services.endpoint_update(actor=admin, endpoint=endpoint, format="slack", url=endpoint.url)
    services.endpoint_update(actor=admin, endpoint=endpoint, format="slack")  # no change: no record
    services.endpoint_set_active(actor=admin, endpoint=endpoint, active=False)
    endpoint = services.endpoint_rotate_secret(actor=admin, endpoint=endpoint)
    assert endpoint.secret != old_secret
    services.endpoint_delete(actor=admin, endpoint=endpoint)
    records = list(
        AuditEvent.objects.filter(action__startswith="webhooks.")
        .order_by("id")
        .values_list("action", "before", "after")
    )
    assert records[1:] == [
        ("webhooks.endpoint_update", {"format": "json"}, {"format": "slack"}),
        ("webhooks.endpoint_disable", {"active": True}, {"active": False}),
        ("webhooks.endpoint_rotate_secret", None, {"secret": "rotated"}),
        (
            "webhooks.endpoint_delete",
            {
                "url": "https://hooks.example.com/r",
                "description": "",
                "events": ["gate.passed"],
                "format": "slack",
            },
            None,
        ),
    ]
    assert not Endpoint.objects.exists()
    assert verify_chain(org) == []


def test_update_refuses_unknown_fields(org, admin) -> None:
    endpoint = create(org, admin)
    with pytest.raises(ValidationError):
        services.endpoint_update(actor=admin, endpoint=endpoint, secret="mine")

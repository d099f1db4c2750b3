"""manage.py release (migrations; the demo only when asked) and create_org_admin (the first
person of a deployment, as org admin of a new organization)."""

from __future__ import annotations

import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from ops.management.commands import release
from readiness.models import AuditEvent, Membership, Organization, Role, User


@pytest.fixture
def calls(monkeypatch):
    """What release runs, recorded (migrate and seed_demo are tested on their own)."""
    made: list[str] = []
    monkeypatch.setattr(release, "call_command", lambda name, **kw: made.append(name))
    return made


def test_release_migrates_and_does_not_load_the_demo_by_default(calls, settings, db):
    settings.SEED_DEMO = False
    out = io.StringIO()
    call_command("release", stdout=out)
    assert calls == ["migrate"]
    assert "not loaded" in out.getvalue()


def test_release_loads_the_demo_when_asked(calls, settings, db):
    settings.SEED_DEMO = True
    call_command("release", stdout=io.StringIO())
    assert calls == ["migrate", "seed_demo"]


def test_release_loads_the_demo_with_the_flag(calls, settings, db):
    settings.SEED_DEMO = False
    call_command("release", "--seed-demo", stdout=io.StringIO())
    assert calls == ["migrate", "seed_demo"]


def test_seed_demo_is_off_unless_the_environment_says_so(monkeypatch):
    from config.env import env_bool

    monkeypatch.delenv("SEED_DEMO", raising=False)
    assert env_bool("SEED_DEMO", default=False) is False


def test_create_org_admin(db, monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", "a-long-and-unusual-passphrase-42")
    out = io.StringIO()
    call_command(
        "create_org_admin", "--email", "Ops@Example.com", "--org", "Northwind Health", stdout=out
    )
    user = User.objects.get(email__iexact="ops@example.com")
    assert user.check_password("a-long-and-unusual-passphrase-42")
    assert not user.is_superuser
    org = Organization.objects.get(slug="northwind-health")
    assert Membership.objects.get(user=user, organization=org).role == Role.ORG_ADMIN
    assert EmailAddress.objects.get(user=user).verified
    assert AuditEvent.objects.filter(organization=org, action="organization.create").exists()
    assert "/o/northwind-health/" in out.getvalue()


def test_create_org_admin_for_an_existing_user_with_django_admin(db, monkeypatch):
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    existing = User.objects.create_user(email="lead@example.com", password="x-keep-this-one-9")
    call_command(
        "create_org_admin",
        "--email",
        "lead@example.com",
        "--org",
        "Second Org",
        "--superuser",
        stdout=io.StringIO(),
    )
    existing.refresh_from_db()
    assert existing.is_superuser and existing.is_staff
    assert existing.check_password("x-keep-this-one-9")  # no password asked, none changed
    assert Membership.objects.get(user=existing).role == Role.ORG_ADMIN


@pytest.mark.parametrize(
    "password, message",
    [("", "set ADMIN_PASSWORD"), ("short", "too short")],
)
def test_create_org_admin_refuses_a_missing_or_weak_password(db, monkeypatch, password, message):
    monkeypatch.setenv("ADMIN_PASSWORD", password)
    with pytest.raises(CommandError, match=message):
        call_command("create_org_admin", "--email", "x@example.com", "--org", "X")
    assert not User.objects.filter(email="x@example.com").exists()


def test_create_org_admin_refuses_a_taken_address_and_saves_nothing(db, monkeypatch, org):
    monkeypatch.setenv("ADMIN_PASSWORD", "a-long-and-unusual-passphrase-42")
    with pytest.raises(CommandError, match="taken"):
        call_command(
            "create_org_admin", "--email", "new@example.com", "--org", "Y", "--slug", org.slug
        )
    assert not User.objects.filter(email="new@example.com").exists()

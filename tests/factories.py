"""factory-boy factories. Use cases are made through the service so they get workstreams and phases."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from readiness import services
from readiness.models import Membership, Organization, Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            obj.save()

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        """Users sign up with a verified address (verification is mandatory); pass
        ``verified=False`` for an account whose address was never proved."""
        if create and extracted is not False:
            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Org {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


def make_org(name: str = "Acme", admin: User | None = None) -> tuple[Organization, User]:
    """An organization made the way users make one: through the service, with templates."""
    admin = admin or UserFactory()
    org = services.organization_create(user=admin, name=name)
    return org, admin


def add_member(org: Organization, role: str = Role.VIEWER, user: User | None = None) -> User:
    user = user or UserFactory()
    Membership.objects.create(organization=org, user=user, role=role)
    return user


_use_case_numbers = itertools.count(1)


def make_use_case(org: Organization, actor: User, **overrides: Any):  # type: ignore[no-untyped-def]
    n = next(_use_case_numbers)
    fields: dict[str, Any] = {
        "name": f"Triage assistant {n}",
        "workflow": "Route inbound support tickets to the right queue with a suggested reply.",
        "team": "Customer support",
        "target_outcome": "Cut first-response time by 30%",
        "risk_tier": "medium",
        "start_date": timezone.localdate() - dt.timedelta(days=10),
        "repetition": 5,
        "clear_handoffs": 4,
        "cost_of_delay": 4,
        "knowledge_lookup": 5,
        "reviewability": 4,
        "politically_sensitive": False,
    }
    fields.update(overrides)
    return services.use_case_create(actor=actor, organization=org, **fields)


def judge(check, use_case, target):
    """One gate check asked about one use case, as the gate asks it (many at once, here one)."""
    return check([use_case], {use_case.pk: target}).get(use_case.pk, [])

from django.contrib.auth import authenticate
from django.core.management import call_command

from readiness.audit import verify_chain
from readiness.models import Membership, Organization, UseCase, User

LOGINS = [
    "admin@demo.example",
    "pm@demo.example",
    "reviewer@demo.example",
    "exec@demo.example",
    "viewer@demo.example",
]


def test_seed_demo_creates_the_contract_and_is_idempotent(db):
    call_command("seed_demo")
    counts = (User.objects.count(), UseCase.objects.count(), Membership.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), UseCase.objects.count(), Membership.objects.count()) == counts

    org = Organization.objects.get(slug="demo")
    roles = dict(Membership.objects.filter(organization=org).values_list("user__email", "role"))
    assert roles == {
        "admin@demo.example": "org_admin",
        "pm@demo.example": "program_manager",
        "reviewer@demo.example": "governance_reviewer",
        "exec@demo.example": "executive",
        "viewer@demo.example": "viewer",
    }
    for email in LOGINS:
        assert authenticate(email=email, password="readiness-demo") is not None, email
    use_cases = UseCase.objects.filter(organization=org)
    assert {uc.current_phase for uc in use_cases if uc.status != "production"} == {1, 2, 3}
    assert use_cases.filter(status="production").exists()
    assert verify_chain(org) == []

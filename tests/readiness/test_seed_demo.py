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


def test_each_demo_use_case_has_its_own_realistic_spec(db):
    from readiness.demo import USE_CASES
    from readiness.demo_specs import DEMO_SPECS, SPEC_FIELDS
    from readiness.models import BehaviorSpecVersion

    assert {spec["name"] for spec in USE_CASES} == set(DEMO_SPECS)
    for field in SPEC_FIELDS:  # no two use cases share any field of their spec
        values = [spec[field] for spec in DEMO_SPECS.values()]
        assert len(set(values)) == len(values), field
    call_command("seed_demo")
    org = Organization.objects.get(slug="demo")
    for use_case in UseCase.objects.filter(organization=org):
        latest = BehaviorSpecVersion.objects.filter(use_case=use_case).order_by("-version").first()
        assert latest is not None, use_case.name
        assert latest.inputs == DEMO_SPECS[use_case.name]["inputs"]
        assert latest.human_approval == DEMO_SPECS[use_case.name]["human_approval"]
    assert "Confluence" in DEMO_SPECS["Documentation support"]["source_systems"]
    assert "Confluence" not in DEMO_SPECS["Claims triage assistance"]["source_systems"]


def test_readme_counts_the_demo_use_cases():
    from pathlib import Path

    from readiness.demo import USE_CASES

    words = {5: "five", 6: "six", 7: "seven", 8: "eight"}
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert f"holds {words[len(USE_CASES)]} use cases" in readme

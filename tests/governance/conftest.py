import pytest

from governance import services
from governance.models import Checklist, GovernanceItem
from readiness.models import Role
from tests.factories import add_member


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


@pytest.fixture
def reviewer(org):
    return add_member(org, Role.GOVERNANCE_REVIEWER)


@pytest.fixture
def reviewer2(org):
    return add_member(org, Role.GOVERNANCE_REVIEWER)


@pytest.fixture
def checklist(use_case, admin):
    """The checklist a use case gets from the default template when it is created."""
    services.checklist_ensure(use_case=use_case, actor=admin)
    return Checklist.objects.get(use_case=use_case)


@pytest.fixture
def item(checklist):
    """The first required item of the phase-1 gate."""
    return (
        GovernanceItem.objects.filter(checklist=checklist, gate_phase=1)
        .order_by("position")
        .first()
    )


def without_checklist(use_case):
    """A use case as it stood before governance was set up: no checklist applied yet."""
    Checklist.objects.filter(use_case=use_case).delete()
    return use_case


def submit(item, actor, text="Evidence text."):
    return services.evidence_submit(actor=actor, item=item, kind="text", text=text)


def approve(item, pm, reviewer):
    item.refresh_from_db()
    if item.status != "submitted":
        submit(item, pm)
    return services.item_sign_off(actor=reviewer, item=item, decision="approved", comment="Fine.")


def approve_phase(use_case, phase, pm, reviewer):
    items = GovernanceItem.objects.filter(
        checklist__use_case=use_case, gate_phase=phase, required=True
    )
    for it in items.exclude(status__in=["approved", "not_applicable"]):
        approve(it, pm, reviewer)


def register_model(org, reviewer, use_case, pm, classification="internal"):
    services.approved_model_save(
        actor=reviewer,
        organization=org,
        provider="Acme AI",
        model_name="acme-large",
        version="1",
        data_classifications=[classification],
    )
    services.policy_update(
        actor=pm,
        use_case=use_case,
        data_classification=classification,
        provider="Acme AI",
        model_name="acme-large",
        model_version="1",
    )

"""The Governance workstream's items of existing use cases follow the checklist and the
approved model registry as they stand (see governance.workstream_facts)."""

from collections import defaultdict

from django.db import migrations
from django.utils import timezone

from governance.workstream_facts import governance_facts, reached_gate
from readiness.fact_migrations import apply_facts


def _norm(value):
    return (value or "").strip().casefold()


def forwards(apps, schema_editor):
    UseCase = apps.get_model("readiness", "UseCase")
    GovernanceItem = apps.get_model("governance", "GovernanceItem")
    UseCasePolicy = apps.get_model("governance", "UseCasePolicy")
    ApprovedModel = apps.get_model("governance", "ApprovedModel")
    today = timezone.localdate()
    items = defaultdict(list)
    for uc_id, area, required, status, gate in GovernanceItem.objects.values_list(
        "checklist__use_case_id", "area", "required", "status", "gate_phase"
    ):
        items[uc_id].append((area, required, status, gate))
    entries = {}
    for entry in ApprovedModel.objects.order_by("provider", "model_name", "version", "pk"):
        key = (entry.organization_id, _norm(entry.provider), _norm(entry.model_name), _norm(entry.version))
        entries.setdefault(key, entry)
    ok = set()
    for policy in UseCasePolicy.objects.select_related("use_case"):
        if not policy.model_name:
            continue
        entry = entries.get(
            (
                policy.use_case.organization_id,
                _norm(policy.provider),
                _norm(policy.model_name),
                _norm(policy.model_version),
            )
        )
        if (
            entry is not None
            and policy.data_classification in (entry.data_classifications or [])
            and (entry.expires_on is None or entry.expires_on >= today)
        ):
            ok.add(policy.use_case_id)
    in_plan = ("pilot", "in_transition")
    found = {
        uc_id: {
            str(k): v
            for k, v in governance_facts(
                items.get(uc_id, []), uc_id in ok, reached_gate(phase, status in in_plan)
            ).items()
        }
        for uc_id, phase, status in UseCase.objects.values_list("pk", "current_phase", "status")
    }
    apply_facts(apps, found)


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0003_settings_move_to_organization"),
        ("readiness", "0007_workstream_items_follow_records"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

"""The Instrumentation workstream's items of existing use cases follow their metric targets and
baselines as they stand (see metrics.workstream_facts)."""

from collections import defaultdict

from django.db import migrations

from metrics.workstream_facts import metrics_facts
from readiness.fact_migrations import apply_facts


def forwards(apps, schema_editor):
    UseCase = apps.get_model("readiness", "UseCase")
    MetricTarget = apps.get_model("metrics", "MetricTarget")
    rows = defaultdict(list)
    for uc_id, level, target, baseline in MetricTarget.objects.values_list(
        "use_case_id", "metric__level", "target", "baseline"
    ):
        rows[uc_id].append((level, target, baseline))
    found = {
        uc_id: {str(k): v for k, v in metrics_facts(rows.get(uc_id, [])).items()}
        for uc_id in UseCase.objects.values_list("pk", flat=True)
    }
    apply_facts(apps, found)


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0003_ingestion"),
        ("readiness", "0007_workstream_items_follow_records"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

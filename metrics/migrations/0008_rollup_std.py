"""The standard deviation of measured values in their roll-ups (for the interval of the mean
that the read API shows), and every existing measured roll-up marked for recomputation so the
roll-up job fills it in (reads merge marked periods from the raw samples meanwhile)."""

from django.db import migrations, models

BATCH = 5000


def mark_measured(apps, schema_editor):
    Rollup = apps.get_model("metrics", "Rollup")
    DirtyPeriod = apps.get_model("metrics", "DirtyPeriod")
    rows = (
        Rollup.objects.filter(metric__kind="measured")
        .order_by("pk")
        .values_list("use_case_id", "metric_id", "period", "period_start")
    )
    batch = []
    for use_case_id, metric_id, period, period_start in rows.iterator(chunk_size=BATCH):
        batch.append(
            DirtyPeriod(
                use_case_id=use_case_id,
                metric_id=metric_id,
                period=period,
                period_start=period_start,
            )
        )
        if len(batch) >= BATCH:
            DirtyPeriod.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    DirtyPeriod.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0007_row_versions"),
    ]

    operations = [
        migrations.AddField(
            model_name="rollup",
            name="std",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.RunPython(mark_measured, migrations.RunPython.noop),
    ]

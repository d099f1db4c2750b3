from django.db import migrations


def load(apps, schema_editor):
    from metrics.defaults import CATALOG

    MetricDefinition = apps.get_model("metrics", "MetricDefinition")
    # Only the fields this migration's model has: later migrations add more (0005: ranges).
    known = {f.name for f in MetricDefinition._meta.get_fields()}
    for row in CATALOG:
        defaults = {k: v for k, v in row.items() if k in known}
        MetricDefinition.objects.update_or_create(
            organization=None, key=row["key"], defaults=defaults
        )


def unload(apps, schema_editor):
    from metrics.defaults import CATALOG

    MetricDefinition = apps.get_model("metrics", "MetricDefinition")
    MetricDefinition.objects.filter(organization=None, key__in=[r["key"] for r in CATALOG]).delete()


class Migration(migrations.Migration):
    dependencies = [("metrics", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]

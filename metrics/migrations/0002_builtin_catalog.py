from django.db import migrations


def load(apps, schema_editor):
    from metrics.defaults import CATALOG

    MetricDefinition = apps.get_model("metrics", "MetricDefinition")
    for row in CATALOG:
        MetricDefinition.objects.update_or_create(organization=None, key=row["key"], defaults=row)


def unload(apps, schema_editor):
    from metrics.defaults import CATALOG

    MetricDefinition = apps.get_model("metrics", "MetricDefinition")
    MetricDefinition.objects.filter(organization=None, key__in=[r["key"] for r in CATALOG]).delete()


class Migration(migrations.Migration):
    dependencies = [("metrics", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]

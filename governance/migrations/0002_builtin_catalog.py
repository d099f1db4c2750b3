"""Load the built-in framework controls and the default checklist template (governance.catalog)."""

from django.db import migrations


def load_catalog(apps, schema_editor):
    from governance import catalog

    catalog.load(apps)


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]

    operations = [migrations.RunPython(load_catalog, migrations.RunPython.noop)]

"""Full-text indexes for search on PostgreSQL, as readiness's 0017: one GIN index per searched
model on exactly the expression ``readiness.search.matching`` filters on (see
``governance.search`` for the fields). Nothing on SQLite."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEXES = [
    ("GovernanceItem", ["title", "guidance"], "governanceitem_search"),
    ("Evidence", ["text", "filename", "url"], "evidence_search"),
    ("Incident", ["title", "description", "post_incident_review"], "incident_search"),
    ("IncidentUpdate", ["note"], "incidentupdate_search"),
]


def _index(fields, name):
    return GinIndex(SearchVector(*fields, config="english"), name=name)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, fields, name in INDEXES:
        schema_editor.add_index(
            apps.get_model("governance", model), _index(fields, name), concurrently=True
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, fields, name in INDEXES:
        schema_editor.remove_index(
            apps.get_model("governance", model), _index(fields, name), concurrently=True
        )


class Migration(migrations.Migration):
    # Built CONCURRENTLY, outside a transaction: a deploy does not hold writes to these tables
    # while the indexes are built.
    atomic = False
    dependencies = [("governance", "0005_row_versions")]

    operations = [migrations.RunPython(create, drop)]

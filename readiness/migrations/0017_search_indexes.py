"""Full-text indexes for search on PostgreSQL: one GIN index per searched model, on exactly the
expression ``readiness.search.matching`` filters on (``SearchVector(*fields,
config="english")``), so a search reads the index instead of building every row's vector.
Elsewhere (SQLite) search matches words with ``icontains`` and there is nothing to index."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

# (model, fields, index name): the fields as readiness.search searches them.
INDEXES = [
    ("UseCase", ["name", "team", "workflow", "target_outcome"], "usecase_search"),
    ("ChecklistItem", ["text"], "checklistitem_search"),
    ("Comment", ["body"], "comment_search"),
]


def _index(fields, name):
    return GinIndex(SearchVector(*fields, config="english"), name=name)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, fields, name in INDEXES:
        schema_editor.add_index(
            apps.get_model("readiness", model), _index(fields, name), concurrently=True
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, fields, name in INDEXES:
        schema_editor.remove_index(
            apps.get_model("readiness", model), _index(fields, name), concurrently=True
        )


class Migration(migrations.Migration):
    # Built CONCURRENTLY, outside a transaction: a deploy does not hold writes to these tables
    # while the indexes are built.
    atomic = False
    dependencies = [("readiness", "0016_audit_content_sequence")]

    operations = [migrations.RunPython(create, drop)]

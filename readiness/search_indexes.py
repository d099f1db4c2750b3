"""The migration operation that builds search's full-text indexes (PostgreSQL only): a GIN
index per searched model on exactly the vector :func:`readiness.search.matching` filters on,
built concurrently so a deploy does not hold writes to the table meanwhile. Used by the
migrations of each app that searches its records (readiness 0017, governance 0006); their
migration must be non-atomic (``atomic = False``)."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

# (model name, the fields searched, index name)
IndexSpec = tuple[str, list[str], str]


def search_indexes(app_label: str, specs: list[IndexSpec]) -> migrations.RunPython:
    def index(fields: list[str], name: str) -> GinIndex:
        return GinIndex(SearchVector(*fields, config="english"), name=name)

    def create(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return  # SQLite matches words with icontains: nothing to index
        for model, fields, name in specs:
            model_class = apps.get_model(app_label, model)
            schema_editor.add_index(model_class, index(fields, name), concurrently=True)

    def drop(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for model, fields, name in specs:
            model_class = apps.get_model(app_label, model)
            schema_editor.remove_index(model_class, index(fields, name), concurrently=True)

    return migrations.RunPython(create, drop)

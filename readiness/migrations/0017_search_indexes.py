"""Full-text indexes for search on PostgreSQL (see readiness.search_indexes): one per searched
model, on the fields readiness.search names. Nothing on SQLite."""

from django.db import migrations

from readiness.search_indexes import search_indexes


class Migration(migrations.Migration):
    atomic = False  # the indexes are built concurrently
    dependencies = [("readiness", "0016_audit_content_sequence")]

    operations = [
        search_indexes(
            "readiness",
            [
                ("UseCase", ["name", "team", "workflow", "target_outcome"], "usecase_search"),
                ("ChecklistItem", ["text"], "checklistitem_search"),
                ("Comment", ["body"], "comment_search"),
            ],
        )
    ]

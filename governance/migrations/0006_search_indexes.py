"""Full-text indexes for search on PostgreSQL (see readiness.search_indexes): one per searched
model, on the fields governance.search names. Nothing on SQLite."""

from django.db import migrations

from readiness.search_indexes import search_indexes


class Migration(migrations.Migration):
    atomic = False  # the indexes are built concurrently
    dependencies = [("governance", "0005_row_versions")]

    operations = [
        search_indexes(
            "governance",
            [
                ("GovernanceItem", ["title", "guidance"], "governanceitem_search"),
                ("Evidence", ["text", "filename", "url"], "evidence_search"),
                (
                    "Incident",
                    ["title", "description", "post_incident_review"],
                    "incident_search",
                ),
                ("IncidentUpdate", ["note"], "incidentupdate_search"),
            ],
        )
    ]

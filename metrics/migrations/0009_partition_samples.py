"""On PostgreSQL, the raw samples table becomes RANGE-partitioned by ``ts``, one partition per
calendar month (UTC) plus a DEFAULT partition (metrics.ingestion.partitions explains the layout).

PostgreSQL allows a unique key on a partitioned table only if it includes the partition key, so
the parent has no primary key: each partition has a unique index on (use case, metric, client
id), and a key is unique within its month. The Django model keeps its CompositePrimaryKey
(Django needs a pk); the model state does not change, so this migration is SQL only. SQLite
keeps its plain table.

Forwards: rename the old table (and its indexes, whose names must be free), create the
partitioned parent with the same columns and the BRIN index on ``ts``, a partition for every
month that has samples and for the current and next two months, the default partition, copy
the rows, drop the old table. Backwards: the reverse, into a plain table with the primary key
again; a key stored in two months (possible only once partitioned) keeps its oldest sample.
"""

import datetime as dt

from django.db import migrations
from django.utils import timezone

from metrics.ingestion.partitions import (
    COLUMNS,
    MONTHS_AHEAD,
    add_months,
    create_default_partition,
    create_month_partition,
    month_start,
)


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("ALTER TABLE metrics_sample RENAME TO metrics_sample_unpartitioned")
        cursor.execute("ALTER INDEX metrics_sample_pkey RENAME TO metrics_sample_unpartitioned_pkey")
        cursor.execute("ALTER INDEX metrics_sample_ts_brin RENAME TO metrics_sample_unpartitioned_ts_brin")
        cursor.execute(
            "CREATE TABLE metrics_sample (LIKE metrics_sample_unpartitioned INCLUDING DEFAULTS)"
            " PARTITION BY RANGE (ts)"
        )
        cursor.execute(
            "CREATE INDEX metrics_sample_ts_brin ON metrics_sample USING brin (ts)"
            " WITH (pages_per_range = 32)"
        )
        cursor.execute(
            "SELECT DISTINCT date_trunc('month', ts AT TIME ZONE 'UTC')::date"
            " FROM metrics_sample_unpartitioned"
        )
        months = {row[0] for row in cursor.fetchall()}
        first = month_start(timezone.now().astimezone(dt.UTC).date())
        months |= {add_months(first, offset) for offset in range(MONTHS_AHEAD + 1)}
        for month in sorted(months):
            create_month_partition(cursor, month)
        create_default_partition(cursor)
        cursor.execute(
            f"INSERT INTO metrics_sample ({COLUMNS})"  # noqa: S608
            f" SELECT {COLUMNS} FROM metrics_sample_unpartitioned"
        )
        cursor.execute("DROP TABLE metrics_sample_unpartitioned")
        cursor.execute("ANALYZE metrics_sample")


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("ALTER TABLE metrics_sample RENAME TO metrics_sample_partitioned")
        cursor.execute("ALTER INDEX metrics_sample_ts_brin RENAME TO metrics_sample_partitioned_ts_brin")
        cursor.execute(
            "CREATE TABLE metrics_sample (LIKE metrics_sample_partitioned INCLUDING DEFAULTS)"
        )
        cursor.execute(
            "ALTER TABLE metrics_sample ADD CONSTRAINT metrics_sample_pkey"
            " PRIMARY KEY (use_case_id, metric_id, client_id)"
        )
        cursor.execute(
            "CREATE INDEX metrics_sample_ts_brin ON metrics_sample USING brin (ts)"
            " WITH (pages_per_range = 32)"
        )
        cursor.execute(
            f"INSERT INTO metrics_sample ({COLUMNS})"  # noqa: S608
            f" SELECT {COLUMNS} FROM metrics_sample_partitioned ORDER BY ts"
            " ON CONFLICT DO NOTHING"
        )
        # Dropping the parent drops its partitions.
        cursor.execute("DROP TABLE metrics_sample_partitioned")


class Migration(migrations.Migration):
    # Each step runs in the migration's one transaction: the table is never seen half-moved.
    dependencies = [("metrics", "0008_rollup_std")]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]

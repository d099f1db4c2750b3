import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """The audit chain, version 2 (issue 9), step 1 of 3: the tables and columns.

    Records get a per-organization sequence number (filled by 0006); the chain head moves to a
    row of its own; signed checkpoints get a table. The actor and use case keep their ids
    without a database constraint: ON DELETE SET NULL would rewrite audit rows, which 0007's
    trigger refuses and the hash would catch.
    """

    dependencies = [
        ("readiness", "0007_workstream_items_follow_records"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                (
                    "organization",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="readiness.organization",
                    ),
                ),
                ("sequence", models.PositiveBigIntegerField(default=0)),
                ("hash", models.CharField(blank=True, max_length=64)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
        ),
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sequence", models.PositiveBigIntegerField()),
                ("head", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField()),
                ("signature", models.CharField(max_length=64)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="audit_checkpoints",
                        to="readiness.organization",
                    ),
                ),
            ],
            options={"ordering": ["-sequence", "-id"]},
        ),
        migrations.AddIndex(
            model_name="auditcheckpoint",
            index=models.Index(fields=["organization", "-sequence"], name="readiness_a_organiz_5ae47e_idx"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="sequence",
            field=models.PositiveBigIntegerField(
                null=True, help_text="Position in the organization's chain: 1, 2, 3 ... with no gap."
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="use_case",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="audit_events",
                to="readiness.usecase",
            ),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["organization", "created_at"], name="readiness_a_organiz_e01948_idx"),
        ),
    ]

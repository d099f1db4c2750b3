import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """Take over readiness's scale decisions (readiness 0004 let go of them): the model enters
    this app's state on its old table, which is then renamed. No data moves."""

    initial = True

    dependencies = [
        ("readiness", "0004_org_admins_may_sign_off_scale_decision_moves"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ScaleDecision",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("outcome", models.CharField(choices=[("approved", "Approve scale"), ("declined", "Decline scale"), ("deferred", "Defer the decision")], max_length=12)),
                        ("rationale", models.TextField()),
                        ("revisit_on", models.DateField(blank=True, help_text="When a deferred decision is taken up again.", null=True)),
                        ("evidence", models.JSONField(default=dict)),
                        ("decided_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("decided_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("use_case", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="scale_decisions", to="readiness.usecase")),
                    ],
                    options={
                        "db_table": "readiness_scaledecision",
                        "ordering": ["-decided_at", "-id"],
                        "indexes": [models.Index(fields=["use_case", "-decided_at"], name="readiness_s_use_cas_584528_idx")],
                        "constraints": [models.CheckConstraint(condition=models.Q(models.Q(("outcome", "deferred"), _negated=True), ("revisit_on__isnull", False), _connector="OR"), name="deferred_scale_needs_revisit_date")],
                    },
                ),
            ],
        ),
        migrations.RenameIndex(
            model_name="scaledecision",
            new_name="portfolio_s_use_cas_a1d211_idx",
            old_name="readiness_s_use_cas_584528_idx",
        ),
        migrations.AlterModelTable(name="scaledecision", table=None),
    ]

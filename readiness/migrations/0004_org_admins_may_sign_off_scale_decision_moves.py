from django.db import migrations, models


class Migration(migrations.Migration):
    """The sign-off switch moves onto the organization (Membership.can_sign_off reads it), and
    scale decisions move to the portfolio app: state only, the table stays and is renamed
    there (portfolio 0001)."""

    dependencies = [
        ("readiness", "0003_scale_decisions_and_integrations"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="admins_may_sign_off",
            field=models.BooleanField(
                default=False,
                help_text="When off, only governance reviewers approve or reject checklist items.",
                verbose_name="org admins may sign off",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ScaleDecision")],
        ),
    ]

from django.db import migrations


def copy_to_organization(apps, schema_editor):
    Organization = apps.get_model("readiness", "Organization")
    GovernanceSettings = apps.get_model("governance", "GovernanceSettings")
    allowed = GovernanceSettings.objects.filter(admins_may_sign_off=True)
    Organization.objects.filter(
        pk__in=allowed.values_list("organization_id", flat=True)
    ).update(admins_may_sign_off=True)


def copy_back(apps, schema_editor):
    Organization = apps.get_model("readiness", "Organization")
    GovernanceSettings = apps.get_model("governance", "GovernanceSettings")
    for org_id in Organization.objects.filter(admins_may_sign_off=True).values_list("pk", flat=True):
        GovernanceSettings.objects.update_or_create(
            organization_id=org_id, defaults={"admins_may_sign_off": True}
        )


class Migration(migrations.Migration):
    """The "org admins may sign off" switch moves to readiness's Organization, where the
    Membership.can_sign_off predicate reads it; the governance settings table goes."""

    dependencies = [
        ("governance", "0002_builtin_catalog"),
        ("readiness", "0004_org_admins_may_sign_off_scale_decision_moves"),
    ]

    operations = [
        migrations.RunPython(copy_to_organization, copy_back),
        migrations.DeleteModel(name="GovernanceSettings"),
    ]

"""The models package keeps the single module's contract: app label, tables, and the upload
function the first migration names."""

from django.apps import apps
from django.core.management import call_command
from django.db.migrations.loader import MigrationLoader

import governance.models


def test_every_model_keeps_its_app_label_and_table():
    models = {m.__name__: m for m in apps.get_app_config("governance").get_models()}
    state = MigrationLoader(None, ignore_no_migrations=True).project_state()
    assert set(models) == {m.name for (app, _), m in state.models.items() if app == "governance"}
    assert set(models) <= set(governance.models.__all__)
    for name, model in models.items():
        assert model._meta.app_label == "governance"
        assert model._meta.db_table == f"governance_{name.lower()}"


def test_no_migration_is_missing(db):
    call_command("makemigrations", "governance", "--check", "--dry-run", verbosity=0)


def test_the_first_migration_still_finds_the_upload_function():
    field = governance.models.Evidence._meta.get_field("file")
    assert field.upload_to is governance.models.evidence_upload_to

from django.db import migrations, models


class PostgreSQLOnly(migrations.RunSQL):
    """SQL that runs on PostgreSQL and is skipped elsewhere (SQLite has no such triggers)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


APPEND_ONLY = """
CREATE OR REPLACE FUNCTION readiness_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'The audit trail is never updated or deleted (README, Audit trail).';
END;
$$;
CREATE TRIGGER readiness_auditevent_append_only
    BEFORE UPDATE OR DELETE ON readiness_auditevent
    FOR EACH ROW EXECUTE FUNCTION readiness_audit_append_only();
CREATE TRIGGER readiness_auditcheckpoint_append_only
    BEFORE UPDATE OR DELETE ON readiness_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION readiness_audit_append_only();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS readiness_auditcheckpoint_append_only ON readiness_auditcheckpoint;
DROP TRIGGER IF EXISTS readiness_auditevent_append_only ON readiness_auditevent;
DROP FUNCTION IF EXISTS readiness_audit_append_only();
"""


class Migration(migrations.Migration):
    """The audit chain, version 2, step 3 of 3: every record has its number (unique within its
    organization), and on PostgreSQL a trigger refuses UPDATE and DELETE on the audit records
    and checkpoints, whoever asks (a table owner can still disable it, which the keyed hash and
    the checkpoints outside the database then catch). TRUNCATE is not refused: the test suite
    empties tables with it; a truncated chain disagrees with its checkpoints."""

    dependencies = [
        ("readiness", "0009_audit_chain_v2_rehash"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="sequence",
            field=models.PositiveBigIntegerField(
                help_text="Position in the organization's chain: 1, 2, 3 ... with no gap."
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(fields=("organization", "sequence"), name="uniq_audit_sequence"),
        ),
        PostgreSQLOnly(APPEND_ONLY, DROP_APPEND_ONLY),
    ]

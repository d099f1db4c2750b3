import datetime as dt
import itertools
import json
import logging

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from readiness import services
from readiness.audit import audit_at_end, audit_record, chain, checkpoints, verify_organization
from readiness.audit.verify import verify_chain
from readiness.models import AuditChainHead, AuditCheckpoint, AuditEvent, Role, UseCase, User
from tests.factories import add_member, make_use_case
from tests.readiness.audit_support import as_dba, chain_of, edit, needs_postgres, remove


@pytest.fixture(autouse=True)
def checkpoint_dir(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    return settings.AUDIT_CHECKPOINT_DIR


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.name} {record.getMessage()}")


@pytest.fixture
def audit_log():
    """What the ``readiness.audit`` logger writes (whatever pytest does with logging)."""
    handler = Lines()
    logger = logging.getLogger("readiness.audit")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture
def trail(org, use_case, pm):
    """A chain of a dozen records or so, and a checkpoint of its head."""
    for n in range(4):
        services.workstream_update(
            actor=pm, workstream=use_case.workstreams.get(number=1), notes=f"note {n}"
        )
    services.audit_checkpoint_create(organization=org)
    return chain_of(org)


def problems(org):
    return [str(p) for p in verify_organization(org).problems]


def test_every_write_is_audited_with_before_and_after(use_case, pm):
    ws = use_case.workstreams.get(number=3)
    services.workstream_update(actor=pm, workstream=ws, status="blocked", notes="Kick-off done")
    event = AuditEvent.objects.filter(use_case=use_case, action="workstream.update").get()
    assert event.actor == pm
    assert event.before == {"status": "not_started", "notes": ""}
    assert event.after == {"status": "blocked", "notes": "Kick-off done"}


def test_records_are_numbered_and_linked_per_organization(org, use_case, other_org):
    events = chain_of(org)
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == ""
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert chain_of(other_org[0])[0].sequence == 1  # each organization has its own chain
    head = AuditChainHead.objects.get(organization=org)
    assert (head.sequence, head.hash) == (events[-1].sequence, events[-1].hash)
    assert verify_chain(org) == []


def test_the_content_sequence_follows_every_record_but_routine_ones(org, use_case, pm):
    """Pages without metrics read it as their state (readiness.selectors.state)."""

    def head() -> tuple[int, int]:
        found = AuditChainHead.objects.get(organization=org)
        return found.sequence, found.content_sequence

    sequence, content = head()
    assert content == sequence
    services.use_case_update(actor=pm, use_case=use_case, name="Renamed")
    assert head() == (sequence + 1, sequence + 1)
    with transaction.atomic():
        audit_record(
            actor=pm, organization=org, action="metrics.samples.ingest", target=org, routine=True
        )
    assert head() == (sequence + 2, sequence + 1)  # the chain moves, the content stays
    with transaction.atomic(), audit_at_end():  # held records: routine, then not
        audit_record(actor=pm, organization=org, action="a.routine", target=org, routine=True)
        audit_record(actor=pm, organization=org, action="a.change", target=org)
        audit_record(actor=pm, organization=org, action="a.routine", target=org, routine=True)
    assert head() == (sequence + 5, sequence + 4)
    assert verify_chain(org) == []


def test_the_hash_is_keyed_with_audit_key(org, use_case, settings):
    event = chain_of(org)[0]
    assert chain.record_hash(chain.event_fields(event)) == event.hash
    settings.AUDIT_KEY = "another-key-of-at-least-thirty-two-characters"
    assert chain.record_hash(chain.event_fields(event)) != event.hash
    report = verify_organization(org)
    assert report.first_problem.sequence == 1
    assert any("AUDIT_KEY is not the key" in note for note in report.notes)


def test_without_audit_key_the_key_comes_from_secret_key(settings):
    settings.AUDIT_KEY = ""
    derived = chain.audit_key()
    settings.SECRET_KEY = "another-secret"
    assert chain.audit_key() != derived
    settings.AUDIT_KEY = "k" * 40
    assert chain.audit_key() == b"k" * 40


def test_no_key_at_all_refuses_to_write(settings):
    settings.AUDIT_KEY = ""
    settings.SECRET_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="Set AUDIT_KEY"):
        chain.audit_key()


@pytest.mark.parametrize(
    "field, value",
    [
        ("actor_id", 999_999),
        ("actor_label", "someone-else@example.com"),
        ("action", "workstream.delete"),
        ("target_type", "phase"),
        ("target_id", "424242"),
        ("target_label", "Another workstream"),
        ("use_case_id", 999_999),
        ("before", {"notes": "forged"}),
        ("after", {"notes": "forged"}),
        ("created_at", dt.datetime(2020, 1, 1, tzinfo=dt.UTC)),
        ("sequence", 999),
        ("prev_hash", "0" * 64),
        ("hash", "f" * 64),
    ],
)
def test_editing_any_field_a_reader_sees_is_found(org, trail, field, value):
    victim = trail[5]
    edit(victim, **{field: value})
    report = verify_organization(org)
    assert report.first_problem.sequence == victim.sequence, report.problems


def test_deleting_the_newest_records_is_found_by_the_checkpoint(org, trail):
    remove(*trail[-3:])
    AuditChainHead.objects.filter(pk=org.pk).update(
        sequence=trail[-4].sequence, hash=trail[-4].hash
    )
    report = verify_organization(org)
    assert report.first_problem.sequence == trail[-3].sequence
    assert "the newest records were deleted" in str(report.first_problem)


def test_deleting_the_newest_records_after_the_checkpoint_is_found_by_the_head(
    org, trail, pm, use_case
):
    services.workstream_update(
        actor=pm, workstream=use_case.workstreams.get(number=2), notes="later"
    )
    remove(chain_of(org)[-1])
    report = verify_organization(org)
    assert report.first_problem.sequence == len(trail) + 1
    assert "chain head" in str(report.first_problem)


def test_rewriting_the_whole_chain_with_the_key_is_found_by_the_checkpoint_file(org, trail):
    """A DBA who also holds the key rewrites every record, the head and the table's checkpoints:
    the checkpoint file outside the database still says otherwise."""
    prev = ""
    with as_dba():
        for event in trail:
            event.actor_label = "nobody@example.com"
            event.prev_hash = prev
            event.hash = chain.record_hash(chain.event_fields(event))
            AuditEvent.objects.filter(pk=event.pk).update(
                actor_label=event.actor_label, prev_hash=prev, hash=event.hash
            )
            prev = event.hash
        AuditChainHead.objects.filter(pk=org.pk).update(hash=prev)
        AuditCheckpoint.objects.filter(organization=org).delete()
        fields = {"organization": org.pk, "sequence": trail[-1].sequence, "head": prev}
        fields["at"] = chain.timestamp(trail[-1].created_at)
        AuditCheckpoint.objects.create(
            organization=org,
            sequence=fields["sequence"],
            head=prev,
            created_at=trail[-1].created_at,
            signature=chain.sign(fields),
        )
    report = verify_organization(org)
    assert report.first_problem.sequence == trail[-1].sequence
    assert "rewritten" in str(report.first_problem)
    assert any("org-" in str(p) and "rewritten" in str(p) for p in report.problems)


def test_an_edited_checkpoint_file_is_found(org, trail, checkpoint_dir):
    path = checkpoints.file_for(org.pk)
    line = json.loads(path.read_text())
    line["sequence"] += 5
    path.write_text(json.dumps(line) + "\nnot json\n")
    found = problems(org)
    assert any("signature does not verify" in p for p in found)
    assert any("line 2" in p and "not a checkpoint" in p for p in found)


def test_a_checkpoint_directory_without_the_organization_is_found(org, trail, settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "elsewhere"
    assert any("is AUDIT_CHECKPOINT_DIR the directory" in p for p in problems(org))


def test_checkpoint_is_signed_and_written_to_file_and_table(org, trail):
    row = AuditCheckpoint.objects.get(organization=org)
    assert (row.sequence, row.head) == (trail[-1].sequence, trail[-1].hash)
    [line] = checkpoints.file_for(org.pk).read_text().splitlines()
    data = json.loads(line)
    assert data["sequence"] == row.sequence and data["slug"] == org.slug
    assert chain.signature_valid(data)
    assert verify_organization(org).latest.sequence == row.sequence


def test_no_checkpoint_for_a_broken_chain(org, trail, pm, use_case):
    services.workstream_update(
        actor=pm, workstream=use_case.workstreams.get(number=2), notes="later"
    )
    edit(chain_of(org)[-1], actor_label="forged@example.com")
    with pytest.raises(services.audit.ChainBroken, match=f"record {len(trail) + 1}"):
        services.audit_checkpoint_create(organization=org)
    assert AuditCheckpoint.objects.filter(organization=org).count() == 1


def test_audit_verify_command_names_the_first_broken_record(org, trail, capsys):
    call_command("audit_verify", "--org", org.slug)
    assert f"{org.slug}: intact: {len(trail)} record(s)" in capsys.readouterr().out
    edit(trail[2], target_label="forged")
    edit(trail[5], after={"forged": True})
    with pytest.raises(CommandError, match="broken audit chain"):
        call_command("audit_verify", "--org", org.slug)
    err = capsys.readouterr().err
    assert f"first: record {trail[2].sequence} does not match its hash" in err
    assert f"record {trail[5].sequence} does not match its hash" in err


def test_audit_verify_reads_logged_heads(
    org, trail, pm, use_case, tmp_path, audit_log, django_capture_on_commit_callbacks
):
    """The newest record and the head rewound after the last checkpoint: only the log, where
    every append's signed head went, still knows the chain was longer."""
    with django_capture_on_commit_callbacks(execute=True):
        services.workstream_update(
            actor=pm, workstream=use_case.workstreams.get(number=2), notes="logged"
        )
    log = tmp_path / "app.log"
    log.write_text("\n".join([*audit_log, "INFO django.request something else"]) + "\n")
    newest = chain_of(org)[-1]
    remove(newest)
    AuditChainHead.objects.filter(pk=org.pk).update(
        sequence=trail[-1].sequence, hash=trail[-1].hash
    )
    assert verify_organization(org).intact  # nothing in the database tells
    report = verify_organization(org, extra_files=[log])
    assert report.first_problem.sequence == newest.sequence
    with pytest.raises(CommandError):
        call_command("audit_verify", "--org", org.slug, "--checkpoints", str(log))


def test_every_append_is_logged_after_commit(
    org, use_case, pm, audit_log, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.workstream_update(
            actor=pm, workstream=use_case.workstreams.get(number=1), notes="logged"
        )
    assert audit_log == []  # nothing before the commit
    for callback in callbacks:
        callback()
    newest = chain_of(org)[-1]
    [record] = audit_log
    line = json.loads(record[record.index("{") :])
    assert line["sequence"] == newest.sequence and line["head"] == newest.hash
    assert chain.signature_valid(line)


def test_audit_checkpoint_command_and_task(org, trail, pm, use_case, other_org, capsys):
    from readiness.tasks import audit_checkpoint

    call_command("audit_checkpoint")
    out = capsys.readouterr().out
    assert f"{org.slug}: record {trail[-1].sequence}" in out
    assert other_org[0].slug in out
    assert audit_checkpoint() == {"written": 2, "broken": 0}
    assert len(checkpoints.file_for(org.pk).read_text().splitlines()) == 3
    services.workstream_update(actor=pm, workstream=use_case.workstreams.get(number=2), notes="x")
    edit(chain_of(org)[-1], action="forged")  # newer than every checkpoint
    with pytest.raises(CommandError, match="not checkpointed"):
        call_command("audit_checkpoint", "--org", org.slug)
    assert audit_checkpoint() == {"written": 1, "broken": 1}


def test_deleting_a_user_or_a_use_case_keeps_the_trail_intact(org, pm):
    use_case = make_use_case(org, pm)
    leaver = add_member(org, Role.PROGRAM_MANAGER)
    services.workstream_update(
        actor=leaver, workstream=use_case.workstreams.get(number=1), notes="by the leaver"
    )
    event = AuditEvent.objects.get(actor_id=leaver.pk)
    User.objects.filter(pk=leaver.pk).delete()
    UseCase.objects.filter(pk=use_case.pk).delete()
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor_id == leaver.pk and event.use_case_id == use_case.pk
    assert event.actor_label == leaver.email
    assert verify_chain(org) == []


def test_events_are_append_only(org, use_case):
    event = AuditEvent.objects.filter(organization=org).first()
    event.action = "something.else"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE readiness_auditevent SET action = 'x'",
        "DELETE FROM readiness_auditevent",
        "UPDATE readiness_auditcheckpoint SET sequence = 1",
        "DELETE FROM readiness_auditcheckpoint",
    ],
)
def test_postgresql_refuses_update_and_delete(org, trail, statement):
    needs_postgres("the append-only trigger")
    from django.db import ProgrammingError

    with (
        pytest.raises(ProgrammingError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert len(chain_of(org)) == len(trail)


def test_no_audit_for_a_no_op(use_case, pm):
    ws = use_case.workstreams.get(number=1)
    before = AuditEvent.objects.count()
    services.workstream_update(actor=pm, workstream=ws, status=ws.status)
    assert AuditEvent.objects.count() == before


def test_audit_at_end_appends_held_records_last_in_order(org, admin):
    with transaction.atomic(), audit_at_end():
        audit_record(actor=admin, organization=org, action="first", target=org)
        count = AuditEvent.objects.count()
        audit_record(actor=admin, organization=org, action="second", target=org)
        assert AuditEvent.objects.count() == count  # held until the block ends
    assert [e.action for e in chain_of(org)[-2:]] == ["first", "second"]
    with pytest.raises(RuntimeError), transaction.atomic(), audit_at_end():
        audit_record(actor=admin, organization=org, action="dropped", target=org)
        raise RuntimeError("the change fails")
    assert not AuditEvent.objects.filter(action="dropped").exists()
    with transaction.atomic(), audit_at_end():
        audit_record(actor=admin, organization=org, action="kept", target=org)
        with pytest.raises(RuntimeError), transaction.atomic(), audit_at_end():
            audit_record(actor=admin, organization=org, action="inner, failed", target=org)
            raise RuntimeError("a nested change fails and is caught")
    assert [e.action for e in chain_of(org)[-1:]] == ["kept"]
    assert verify_chain(org) == []


def test_migration_rehashes_a_version_1_chain(org, admin, audit_log):
    """0006 numbers every organization's records and re-hashes them with the key; breaks the
    unkeyed chain showed are logged, not carried over."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("readiness.migrations.0009_audit_chain_v2_rehash")
    with as_dba():
        AuditEvent.objects.filter(organization=org).delete()
        prev = ""
        for n in range(3):
            event = AuditEvent(
                organization=org,
                sequence=1000 + n,
                actor=admin,
                actor_label=admin.email,
                action=f"v1.{n}",
                target_type="organization",
                target_id=str(org.pk),
                before={"n": n - 1},
                after={"n": n, "ratio": 1.0},
                prev_hash=prev,
                hash="",
            )
            event.hash = migration._v1(event) if n != 1 else "b" * 64  # record 2 was edited
            event.save()
            prev = event.hash
        AuditChainHead.objects.filter(pk=org.pk).delete()
        migration.rehash(apps, None)
    assert [e.sequence for e in chain_of(org)] == [1, 2, 3]
    assert verify_chain(org) == []
    assert any("1 of 3 records did not verify" in line for line in audit_log)

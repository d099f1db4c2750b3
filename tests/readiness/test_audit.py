import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from readiness import services
from readiness.audit import verify_chain
from readiness.models import AuditEvent


def test_every_write_is_audited_with_before_and_after(use_case, pm):
    ws = use_case.workstreams.get(number=3)
    services.workstream_update(actor=pm, workstream=ws, status="in_progress", notes="Kick-off done")
    event = AuditEvent.objects.filter(use_case=use_case, action="workstream.update").get()
    assert event.actor == pm
    assert event.before == {"status": "not_started", "notes": ""}
    assert event.after == {"status": "in_progress", "notes": "Kick-off done"}


def test_chain_is_intact_and_detects_edits(org, use_case, pm):
    assert verify_chain(org) == []
    victim = AuditEvent.objects.filter(organization=org).order_by("id")[1]
    # Tampering straight in the table (the model refuses updates).
    AuditEvent.objects.filter(pk=victim.pk).update(after={"forged": True})
    problems = verify_chain(org)
    assert any(f"event {victim.pk}" in p and "edited" in p for p in problems)
    with pytest.raises(CommandError):
        call_command("audit_verify", "--org", org.slug)


def test_chain_detects_a_removed_event(org, use_case):
    victim = AuditEvent.objects.filter(organization=org).order_by("id")[1]
    AuditEvent.objects.filter(pk=victim.pk)._raw_delete(using="default")
    assert any("removed" in p for p in verify_chain(org))


def test_events_are_append_only(org, use_case):
    event = AuditEvent.objects.filter(organization=org).first()
    event.action = "something.else"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


def test_no_audit_for_a_no_op(use_case, pm):
    ws = use_case.workstreams.get(number=1)
    before = AuditEvent.objects.count()
    services.workstream_update(actor=pm, workstream=ws, status=ws.status)
    assert AuditEvent.objects.count() == before

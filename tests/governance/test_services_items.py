"""Item services: evidence in, sign-offs out, each rule with its forbidden cases next to it."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from governance import services
from governance.models import (
    Evidence,
    GovernanceItem,
    ItemStatus,
    SignOff,
)
from readiness.errors import Conflict
from readiness.models import AuditEvent, Notification, Role
from tests.factories import add_member
from tests.governance.conftest import approve, submit


def test_submit_evidence_sends_to_review_and_notifies_reviewers(item, pm, reviewer):
    evidence = submit(item, pm, text="The data owner confirmed: internal.")
    item.refresh_from_db()
    assert item.status == ItemStatus.SUBMITTED
    assert len(evidence.sha256) == 64
    assert Notification.objects.filter(
        recipient=reviewer, kind="governance.item_submitted"
    ).exists()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EXECUTIVE, Role.GOVERNANCE_REVIEWER])
def test_only_pm_and_admin_submit_evidence(org, item, role):
    user = add_member(org, role)
    with pytest.raises(PermissionDenied):
        submit(item, user)
    assert not Evidence.objects.exists()


def test_evidence_bad_input_saves_nothing(item, pm):
    with pytest.raises(ValidationError) as exc:
        services.evidence_submit(actor=pm, item=item, kind="link", url="ftp://nope")
    assert "url" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.evidence_submit(actor=pm, item=item, kind="text", text="  ")
    assert "text" in exc.value.message_dict
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        services.evidence_submit(
            actor=pm,
            item=item,
            kind="text",
            text="x",
            effective_date=today,
            expires_on=today - dt.timedelta(days=1),
        )
    assert "expires_on" in exc.value.message_dict
    assert not Evidence.objects.exists()
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_file_evidence_size_and_type(item, pm, settings, media_root):
    settings.GOVERNANCE_EVIDENCE_MAX_BYTES = 1000
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"x" * 2000, content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        services.evidence_submit(actor=pm, item=item, kind="file", upload=big)
    assert "limit" in exc.value.message_dict["file"][0]
    exe = SimpleUploadedFile("tool.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    with pytest.raises(ValidationError):
        services.evidence_submit(actor=pm, item=item, kind="file", upload=exe)
    fake = SimpleUploadedFile(
        "renamed.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    with pytest.raises(ValidationError):
        services.evidence_submit(actor=pm, item=item, kind="file", upload=fake)
    assert not Evidence.objects.exists()
    ok = SimpleUploadedFile("dpa.pdf", b"%PDF-1.7 the agreement", content_type="application/pdf")
    evidence = services.evidence_submit(actor=pm, item=item, kind="file", upload=ok)
    assert evidence.file.name.startswith("governance/evidence/")
    assert "dpa" not in evidence.file.name  # stored under a random name
    assert (media_root / evidence.file.name).exists()
    import hashlib

    assert evidence.sha256 == hashlib.sha256(b"%PDF-1.7 the agreement").hexdigest()


def test_sign_off_approves_with_evidence_snapshot_in_audit(item, pm, reviewer):
    evidence = submit(item, pm)
    sign_off = services.item_sign_off(
        actor=reviewer, item=item, decision="approved", comment="Good."
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.APPROVED and item.decided_by == reviewer
    assert sign_off.evidence[0]["sha256"] == evidence.sha256
    event = AuditEvent.objects.get(action="governance.sign_off.approved")
    assert event.after["evidence"][0]["id"] == evidence.pk
    assert event.after["evidence"][0]["text"] == "Evidence text."
    assert event.after["comment"] == "Good."


def test_reject_needs_comment_and_notifies_submitter(item, pm, reviewer):
    submit(item, pm)
    with pytest.raises(ValidationError) as exc:
        services.item_sign_off(actor=reviewer, item=item, decision="rejected", comment=" ")
    assert "comment" in exc.value.message_dict
    services.item_sign_off(actor=reviewer, item=item, decision="rejected", comment="Not enough.")
    item.refresh_from_db()
    assert item.status == ItemStatus.REJECTED
    note = Notification.objects.get(recipient=pm, kind="governance.item_rejected")
    assert "Not enough." in note.body


@pytest.mark.parametrize(
    "role", [Role.PROGRAM_MANAGER, Role.VIEWER, Role.EXECUTIVE, Role.ORG_ADMIN]
)
def test_only_reviewers_sign_off_by_default(org, item, pm, role):
    submit(item, pm)
    user = add_member(org, role)
    with pytest.raises(PermissionDenied):
        services.item_sign_off(actor=user, item=item, decision="approved", comment="ok")
    assert not SignOff.objects.exists()


def test_admins_sign_off_when_the_org_allows(org, admin, item, pm):
    submit(item, pm)
    services.governance_settings_update(actor=admin, organization=org, admins_may_sign_off=True)
    org.refresh_from_db()
    assert org.admins_may_sign_off
    services.item_sign_off(actor=admin, item=item, decision="approved", comment="ok")


def test_reviewer_cannot_sign_off_own_evidence(org, admin, item, reviewer):
    services.governance_settings_update(actor=admin, organization=org, admins_may_sign_off=True)
    submit(item, admin)  # the admin submits ...
    with pytest.raises(PermissionDenied):  # ... and may not approve it themselves
        services.item_sign_off(actor=admin, item=item, decision="approved", comment="mine")
    services.item_sign_off(actor=reviewer, item=item, decision="approved", comment="theirs")


def test_sign_off_of_a_decided_item_is_a_conflict(item, pm, reviewer, reviewer2):
    submit(item, pm)
    services.item_sign_off(actor=reviewer, item=item, decision="approved", comment="ok")
    with pytest.raises(Conflict):
        services.item_sign_off(actor=reviewer2, item=item, decision="rejected", comment="no")
    with pytest.raises(Conflict):  # an open item is not awaiting review either
        other = GovernanceItem.objects.exclude(pk=item.pk).filter(checklist=item.checklist).first()
        services.item_sign_off(actor=reviewer, item=other, decision="approved", comment="ok")


def test_changing_evidence_of_approved_item_sends_it_back(item, pm, reviewer):
    approve(item, pm, reviewer)
    second = submit(item, pm, text="Updated evidence.")
    item.refresh_from_db()
    assert item.status == ItemStatus.SUBMITTED
    assert "changed" in item.review_note
    services.item_sign_off(actor=reviewer, item=item, decision="approved", comment="ok")
    services.evidence_withdraw(actor=pm, evidence=second)
    item.refresh_from_db()
    assert item.status == ItemStatus.SUBMITTED  # the first evidence is still current
    services.evidence_withdraw(
        actor=pm, evidence=Evidence.objects.get(item=item, withdrawn_at__isnull=True)
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_not_applicable_needs_reason_and_a_reviewer(item, pm, reviewer):
    with pytest.raises(ValidationError):
        services.item_mark_not_applicable(actor=reviewer, item=item, reason="")
    with pytest.raises(PermissionDenied):
        services.item_mark_not_applicable(actor=pm, item=item, reason="no")
    services.item_mark_not_applicable(actor=reviewer, item=item, reason="No personal data at all.")
    item.refresh_from_db()
    assert item.status == ItemStatus.NOT_APPLICABLE
    with pytest.raises(ValidationError):
        submit(item, pm)
    services.item_reopen(actor=reviewer, item=item)
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN and item.na_reason == ""


def test_assign_only_to_someone_who_may_sign_off(org, item, pm, reviewer, viewer):
    with pytest.raises(ValidationError):
        services.item_assign(actor=pm, item=item, assigned_reviewer=viewer, due_date=None)
    services.item_assign(
        actor=pm, item=item, assigned_reviewer=reviewer, due_date=timezone.localdate()
    )
    assert Notification.objects.filter(recipient=reviewer, kind="governance.item_assigned").exists()
    with pytest.raises(PermissionDenied):
        services.item_assign(actor=viewer, item=item, assigned_reviewer=None, due_date=None)


def test_expiry_sends_items_back_and_is_idempotent(item, pm, reviewer):
    today = timezone.localdate()
    services.evidence_submit(
        actor=pm,
        item=item,
        kind="text",
        text="valid a week",
        effective_date=today,
        expires_on=today + dt.timedelta(days=7),
    )
    services.item_sign_off(actor=reviewer, item=item, decision="approved", comment="ok")
    assert services.evidence_expire_due(today=today) == 0
    later = today + dt.timedelta(days=8)
    assert services.evidence_expire_due(today=later) == 1
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN  # nothing current left: new evidence needed
    assert services.evidence_expire_due(today=later) == 0
    assert AuditEvent.objects.filter(action="governance.evidence_expired").count() == 1


def test_expire_runs_batches_until_one_is_short_and_stops_at_the_bound(checklist, pm):
    today = timezone.localdate()
    for it in checklist.items.order_by("pk")[:5]:
        services.evidence_submit(
            actor=pm, item=it, kind="text", text="x", effective_date=today, expires_on=today
        )
    later = today + dt.timedelta(days=1)
    assert services.evidence_expire(today=later, batch_size=2, max_batches=2) == 4
    assert services.evidence_expire(today=later, batch_size=2) == 1
    assert services.evidence_expire(today=later, batch_size=2) == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_offs_only_one_wins(item, pm, reviewer, reviewer2):
    """Two reviewers decide the same item at the same moment: one wins, the other gets Conflict."""
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent connections (PostgreSQL); CI runs this on PostgreSQL")
    submit(item, pm)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def attempt(actor, decision) -> None:
        try:
            barrier.wait()
            services.item_sign_off(actor=actor, item=item, decision=decision, comment=decision)
            results.append("won")
        except Conflict:
            results.append("conflict")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=(reviewer, "approved")),
        threading.Thread(target=attempt, args=(reviewer2, "rejected")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["conflict", "won"]
    assert SignOff.objects.filter(item=item).count() == 1

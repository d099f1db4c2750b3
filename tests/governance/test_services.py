"""Governance services: each rule with its forbidden cases next to it."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from governance import services
from governance.models import (
    ChecklistTemplate,
    Evidence,
    GovernanceItem,
    GovernanceSettings,
    ItemStatus,
    ReReview,
    SignOff,
)
from readiness import services as rservices
from readiness.errors import Conflict
from readiness.models import AuditEvent, Notification, Role
from tests.factories import add_member, make_use_case
from tests.governance.conftest import approve, submit, without_checklist


def test_a_new_use_case_gets_the_default_checklist(use_case):
    checklist = use_case.governance_checklists.get()
    assert checklist.items.count() == 12
    assert AuditEvent.objects.filter(
        action="governance.checklist_apply", use_case=use_case
    ).exists()


def test_checklist_ensure_applies_default_once(use_case, admin):
    without_checklist(use_case)
    applied = AuditEvent.objects.filter(action="governance.checklist_apply").count()
    first = services.checklist_ensure(use_case=use_case, actor=admin)
    assert first is not None
    assert services.checklist_ensure(use_case=use_case, actor=admin) is None
    assert first.items.count() == 12
    assert AuditEvent.objects.filter(action="governance.checklist_apply").count() == applied + 1
    # Items carry their framework tags.
    assert first.items.get(title="Data classification recorded").controls.count() == 3


def test_checklist_apply_refuses_twice_and_other_org_template(
    use_case, admin, pm, other_org, checklist
):
    builtin = ChecklistTemplate.objects.get(organization=None)
    with pytest.raises(ValidationError):
        services.checklist_apply(actor=pm, use_case=use_case, template=builtin)
    other, other_admin, _ = other_org
    theirs = services.template_copy(
        actor=other_admin, organization=other, template=builtin, name="Theirs"
    )
    with pytest.raises(ValidationError):
        services.checklist_apply(actor=pm, use_case=use_case, template=theirs)


def test_viewer_cannot_apply(use_case, viewer):
    with pytest.raises(PermissionDenied):
        services.checklist_apply(
            actor=viewer,
            use_case=use_case,
            template=ChecklistTemplate.objects.get(organization=None),
        )


def test_editing_a_template_never_changes_checklists_in_use(org, admin, pm, use_case):
    copy = services.template_copy(
        actor=admin,
        organization=org,
        template=ChecklistTemplate.objects.get(organization=None),
        name="Ours",
    )
    services.template_set_default(actor=admin, template=copy)
    without_checklist(use_case)
    checklist = services.checklist_ensure(use_case=use_case, actor=admin)
    assert checklist.name == "Ours"
    first = copy.items.order_by("gate_phase", "position").first()
    services.template_item_save(
        actor=admin, template=copy, item=first, title="Renamed in the template"
    )
    services.template_item_save(
        actor=admin,
        template=copy,
        area="logging",
        title="New item",
        guidance="g",
        gate_phase=1,
        required=True,
    )
    titles = set(checklist.items.values_list("title", flat=True))
    assert "Renamed in the template" not in titles and "New item" not in titles
    later = make_use_case(org, pm)
    titles_later = set(later.governance_checklists.get().items.values_list("title", flat=True))
    assert {"Renamed in the template", "New item"} <= titles_later


def test_only_admins_edit_templates_and_builtins_are_read_only(org, admin, pm):
    builtin = ChecklistTemplate.objects.get(organization=None)
    with pytest.raises(PermissionDenied):
        services.template_update(actor=admin, template=builtin, name="Mine now")
    with pytest.raises(PermissionDenied):
        services.template_copy(actor=pm, organization=org, template=builtin, name="x")
    with pytest.raises(ValidationError) as exc:
        services.template_copy(actor=admin, organization=org, template=builtin, name="")
    assert "name" in exc.value.message_dict


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
    assert GovernanceSettings.objects.get(organization=org).admins_may_sign_off
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


def test_material_change_after_gate_flags_passed_gate(org, use_case, pm, reviewer, checklist):
    from readiness.models import ChecklistItem
    from tests.governance.conftest import approve_phase, register_model

    register_model(org, reviewer, use_case, pm)
    approve_phase(use_case, 1, pm, reviewer)
    for c in ChecklistItem.objects.filter(phase__use_case=use_case, phase__number=1):
        rservices.checklist_item_set_done(actor=pm, item=c, done=True)
    rservices.phase_transition(actor=pm, use_case=use_case, expected_phase=1)
    # A change of model after the phase-1 gate passed: back to review, reviewers told.
    services.approved_model_save(
        actor=reviewer,
        organization=org,
        provider="Acme AI",
        model_name="acme-xl",
        version="2",
        data_classifications=["internal"],
    )
    services.policy_update(actor=pm, use_case=use_case, model_name="acme-xl", model_version="2")
    rereview = ReReview.objects.get(use_case=use_case)
    assert rereview.kind == "model_provider" and rereview.gate_phases == [1]
    assert "acme-xl" in rereview.description
    assert not GovernanceItem.objects.filter(
        checklist__use_case=use_case, gate_phase=1, status="approved"
    ).exists()
    note = Notification.objects.get(recipient=reviewer, kind="governance.rereview")
    assert "acme-xl" in note.body
    # A behavior spec change does the same through readiness's listener.
    approve_phase(use_case, 1, pm, reviewer)
    spec = dict(
        inputs="a",
        output_format="b",
        uncertainty_behavior="c",
        human_approval="d",
        source_systems="e",
        acceptable_latency="f",
    )
    rservices.behavior_spec_save(actor=pm, use_case=use_case, **spec)
    rservices.behavior_spec_save(actor=pm, use_case=use_case, **{**spec, "inputs": "a2"})
    assert ReReview.objects.filter(use_case=use_case, kind="behavior_spec").exists()
    # So does a high-severity incident.
    approve_phase(use_case, 1, pm, reviewer)
    services.incident_open(
        actor=pm, use_case=use_case, title="Bad", description="d", severity="high"
    )
    assert ReReview.objects.filter(use_case=use_case, kind="incident").exists()


def test_incident_high_notifies_owner_and_reviewers(org, use_case, pm, reviewer, admin):
    use_case.owner = admin
    use_case.save()
    services.incident_open(
        actor=pm, use_case=use_case, title="Leak", description="d", severity="critical"
    )
    assert Notification.objects.filter(recipient=admin, kind="governance.incident_opened").exists()
    assert Notification.objects.filter(
        recipient=reviewer, kind="governance.incident_opened"
    ).exists()
    services.incident_open(
        actor=pm, use_case=use_case, title="Typo", description="d", severity="low"
    )
    assert Notification.objects.filter(kind="governance.incident_opened").count() == 2


def test_incident_lifecycle(use_case, pm, reviewer, viewer):
    incident = services.incident_open(
        actor=pm, use_case=use_case, title="x", description="d", severity="medium"
    )
    with pytest.raises(PermissionDenied):
        services.incident_update(actor=viewer, incident=incident, note="n")
    with pytest.raises(ValidationError):
        services.incident_update(actor=pm, incident=incident, note="n", status="reviewed")
    with pytest.raises(ValidationError):
        services.incident_review(actor=reviewer, incident=incident, review="too early")
    services.incident_update(actor=pm, incident=incident, note="fixed", status="resolved")
    with pytest.raises(PermissionDenied):
        services.incident_review(actor=pm, incident=incident, review="pm cannot")
    services.incident_review(actor=reviewer, incident=incident, review="Cause and actions.")
    incident.refresh_from_db()
    assert incident.status == "reviewed"
    assert list(incident.updates.values_list("status_to", flat=True)) == [
        "open",
        "resolved",
        "reviewed",
    ]


def test_registry_rules(org, reviewer, pm):
    with pytest.raises(PermissionDenied):
        services.approved_model_save(
            actor=pm,
            organization=org,
            provider="a",
            model_name="b",
            data_classifications=["public"],
        )
    with pytest.raises(ValidationError) as exc:
        services.approved_model_save(
            actor=reviewer, organization=org, provider="a", model_name="b", data_classifications=[]
        )
    assert "data_classifications" in exc.value.message_dict
    services.approved_model_save(
        actor=reviewer,
        organization=org,
        provider="a",
        model_name="b",
        data_classifications=["public"],
    )
    with pytest.raises(ValidationError):
        services.approved_model_save(
            actor=reviewer,
            organization=org,
            provider="A",
            model_name="B",
            data_classifications=["public"],
        )


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

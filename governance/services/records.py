"""The approved model registry, per-use-case policies and incidents."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.models import (
    ApprovedModel,
    DataClassification,
    Incident,
    IncidentStatus,
    IncidentUpdate,
    Severity,
    UseCasePolicy,
)
from governance.selectors import reviewers_of
from governance.workstream_facts import facts_push, facts_push_for_model
from readiness import events
from readiness.access import membership_of
from readiness.audit import audit_at_end, audit_record, changed, snapshot
from readiness.models import Organization, Perm, UseCase, User
from readiness.notifications import notify
from readiness.versioning import check_version

# Field lists defined once: the forms, the serializers and the audit snapshots use these.
REGISTRY_FIELDS = (
    "provider",
    "model_name",
    "version",
    "data_classifications",
    "approved_on",
    "expires_on",
    "conditions",
)


@transaction.atomic
@audit_at_end()  # the use cases whose policy names the model follow first, then the record
def approved_model_save(
    *, actor: User, organization: Organization, entry: ApprovedModel | None = None, **fields: Any
) -> ApprovedModel:
    """Add a registry entry (``entry`` None) or change one. Reviewers and admins only."""
    membership_of(actor, organization.pk, perm=Perm.REGISTRY)
    unknown = set(fields) - set(REGISTRY_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    if entry is None:
        entry = ApprovedModel(organization=organization, approved_by=actor)
        before: dict[str, Any] = {}
    else:
        if entry.organization_id != organization.pk:
            raise ValidationError("The entry belongs to another organization.")
        entry = ApprovedModel.objects.select_for_update(no_key=True, of=("self",)).get(pk=entry.pk)
        before = snapshot(entry, REGISTRY_FIELDS)
    for key, value in fields.items():
        setattr(entry, key, value.strip() if isinstance(value, str) else value)
    classes = list(dict.fromkeys(entry.data_classifications or []))
    if not classes:
        raise ValidationError({"data_classifications": "Choose at least one data classification."})
    if any(c not in DataClassification.values for c in classes):
        raise ValidationError({"data_classifications": "Unknown data classification."})
    entry.data_classifications = classes
    entry.full_clean(exclude=["organization"], validate_constraints=False)
    if entry.expires_on and entry.expires_on < entry.approved_on:
        raise ValidationError({"expires_on": "The expiry must be on or after the approval date."})
    duplicate = ApprovedModel.objects.filter(
        organization=organization,
        provider__iexact=entry.provider,
        model_name__iexact=entry.model_name,
        version__iexact=entry.version,
    ).exclude(pk=entry.pk)
    if duplicate.exists():
        raise ValidationError({"model_name": "This model and version is already in the registry."})
    entry.save()
    b, a = changed(before, snapshot(entry, REGISTRY_FIELDS))
    if a:
        audit_record(
            actor=actor,
            organization=organization,
            action="governance.registry_add" if not before else "governance.registry_update",
            target=entry,
            before=b or None,
            after=a,
        )
        facts_push_for_model(entry=entry, before=before, actor=actor)
    return entry


POLICY_FIELDS = (
    "data_classification",
    "provider",
    "model_name",
    "model_version",
    "logging_policy",
    "retention_days",
    "redaction_rules",
    "review_below_confidence",
    "incident_above_escalation_rate",
    "escalation_contacts",
)
MODEL_FIELDS = ("provider", "model_name", "model_version")


@transaction.atomic
@audit_at_end()  # a model change sends passed gates back to review, then the record
def policy_update(
    *, actor: User, use_case: UseCase, expected_version: int | None = None, **fields: Any
) -> UseCasePolicy:
    """Set the use case's governance policy. A change of model, provider or version after a
    gate passed is a material change: the passed gates go back to review. With
    ``expected_version`` (0: no policy yet), StaleVersion if the policy changed since."""
    membership_of(actor, use_case.organization_id, perm=Perm.EDIT)
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    UseCase.objects.select_for_update(no_key=True, of=("self",)).filter(pk=use_case.pk).values_list(
        "pk"
    ).first()
    policy, created = UseCasePolicy.objects.get_or_create(use_case=use_case)
    if expected_version is not None and not (created and expected_version == 0):
        check_version(policy, expected_version)
    before = {} if created else snapshot(policy, POLICY_FIELDS)
    for key, value in fields.items():
        setattr(policy, key, value.strip() if isinstance(value, str) else value)
    policy.updated_by = actor
    policy.full_clean(exclude=["use_case"], validate_constraints=False)
    if bool(policy.provider) != bool(policy.model_name):
        raise ValidationError({"model_name": "Give both the provider and the model, or neither."})
    policy.save()
    after = snapshot(policy, POLICY_FIELDS)
    b, a = changed(before, after)
    if a:
        audit_record(
            actor=actor,
            organization=use_case.organization,
            action="governance.policy_update",
            target=policy,
            use_case=use_case,
            before=b or None,
            after=a,
        )
    if a:
        facts_push(use_case=use_case, actor=actor)
    old_model = " ".join(str(before.get(f) or "") for f in MODEL_FIELDS).strip()
    if before and old_model and any(f in a for f in MODEL_FIELDS):
        events.publish(
            events.MaterialChange(
                use_case=use_case,
                actor=actor,
                kind="model_provider",
                description=f"Model changed from {old_model} to {policy.model_label or 'none'}.",
            )
        )
    return policy


# --- Incidents --------------------------------------------------------------------------------

HIGH_SEVERITY = (Severity.HIGH, Severity.CRITICAL)
# Where an incident may go from each status (reviewed only through incident_review).
NEXT_STATUS = {
    IncidentStatus.OPEN: {IncidentStatus.MITIGATING, IncidentStatus.RESOLVED},
    IncidentStatus.MITIGATING: {IncidentStatus.OPEN, IncidentStatus.RESOLVED},
    IncidentStatus.RESOLVED: {IncidentStatus.OPEN},
    IncidentStatus.REVIEWED: set(),
}


@transaction.atomic
@audit_at_end()  # the outbound event, notifications and re-review come first, then the record
def incident_open(
    *, actor: User, use_case: UseCase, title: str, description: str, severity: str
) -> Incident:
    """Record an incident. High and critical ones notify the use case's owner and the reviewers
    and send passed gates back to review; a critical one that is open blocks every gate."""
    membership_of(actor, use_case.organization_id, perm=Perm.GOVERN)
    incident = Incident(
        use_case=use_case,
        title=(title or "").strip(),
        description=(description or "").strip(),
        severity=severity,
        opened_by=actor,
    )
    incident.full_clean(exclude=["use_case"], validate_constraints=False)
    incident.save()
    IncidentUpdate.objects.create(
        incident=incident, author=actor, note="Incident opened.", status_to=incident.status
    )
    audit_record(
        actor=actor,
        organization=use_case.organization,
        action="governance.incident_open",
        target=incident,
        use_case=use_case,
        after={"title": incident.title, "severity": incident.severity},
    )
    events.emit(
        organization=use_case.organization,
        event="incident.opened",
        payload={
            "use_case": {"id": use_case.pk, "name": use_case.name},
            "incident": {"id": incident.pk, "title": incident.title, "severity": incident.severity},
            "actor": actor.email,
        },
    )
    if incident.severity in HIGH_SEVERITY:
        recipients = [use_case.owner, *reviewers_of(use_case.organization)]
        notify(
            organization=use_case.organization,
            use_case_id=use_case.pk,
            recipients=[r for r in recipients if r is not None and r.pk != actor.pk],
            kind="governance.incident_opened",
            title=f"{incident.get_severity_display()} incident on {use_case.name}: {incident.title}",
            body=f"Opened by {actor.display_name}.\n\n{incident.description}",
            url=incident.get_absolute_url(),
        )
        events.publish(
            events.MaterialChange(
                use_case=use_case,
                actor=actor,
                kind="incident",
                description=f"{incident.get_severity_display()} incident opened: {incident.title}",
            )
        )
    return incident


@transaction.atomic
def incident_update(
    *, actor: User, incident: Incident, note: str, status: str | None = None
) -> IncidentUpdate:
    """Add to the incident's timeline, optionally moving its status (see NEXT_STATUS)."""
    use_case = incident.use_case
    membership_of(actor, use_case.organization_id, perm=Perm.GOVERN)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Write what happened or what was done."})
    incident = Incident.objects.select_for_update(no_key=True, of=("self",)).get(pk=incident.pk)
    old = incident.status
    if status and status != old:
        if status not in NEXT_STATUS.get(IncidentStatus(old), set()):
            raise ValidationError(
                {
                    "status": f"A {incident.get_status_display().lower()} incident cannot become {status}."
                }
            )
        incident.status = status
        if status == IncidentStatus.RESOLVED:
            incident.resolved_at = timezone.now()
        elif status == IncidentStatus.OPEN:
            incident.resolved_at = None
        incident.save(update_fields=["status", "resolved_at", "updated_at"])
    entry = IncidentUpdate.objects.create(
        incident=incident,
        author=actor,
        note=note,
        status_from=old if incident.status != old else "",
        status_to=incident.status if incident.status != old else "",
    )
    audit_record(
        actor=actor,
        organization=use_case.organization,
        action="governance.incident_update",
        target=incident,
        use_case=use_case,
        before={"status": old} if incident.status != old else None,
        after={"status": incident.status, "note": note},
    )
    return entry


@transaction.atomic
def incident_review(*, actor: User, incident: Incident, review: str) -> Incident:
    """The post-incident review of a resolved incident, by a reviewer; the incident is closed."""
    use_case = incident.use_case
    membership_of(actor, use_case.organization_id, perm=Perm.SIGN_OFF)
    review = (review or "").strip()
    if not review:
        raise ValidationError({"post_incident_review": "Write the review: cause, impact, actions."})
    incident = Incident.objects.select_for_update(no_key=True, of=("self",)).get(pk=incident.pk)
    if incident.status != IncidentStatus.RESOLVED:
        raise ValidationError("Only a resolved incident can be reviewed.")
    incident.post_incident_review = review
    incident.status = IncidentStatus.REVIEWED
    incident.reviewed_at = timezone.now()
    incident.save(update_fields=["post_incident_review", "status", "reviewed_at", "updated_at"])
    IncidentUpdate.objects.create(
        incident=incident,
        author=actor,
        note="Post-incident review recorded.",
        status_from=IncidentStatus.RESOLVED,
        status_to=IncidentStatus.REVIEWED,
    )
    audit_record(
        actor=actor,
        organization=use_case.organization,
        action="governance.incident_review",
        target=incident,
        use_case=use_case,
        before={"status": IncidentStatus.RESOLVED},
        after={"status": IncidentStatus.REVIEWED, "review": review},
    )
    return incident

"""Writes for a use case's integrations with its systems of record."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from readiness.access import WRITE, membership_of
from readiness.audit import audit_at_end, audit_record, changed, snapshot
from readiness.models import (
    Integration,
    IntegrationStatus,
    UseCase,
    User,
)
from readiness.services.workstreams import integrations_follow
from readiness.versioning import check_version, lock_checked

INTEGRATION_FIELDS = (
    "name",
    "kind",
    "owner",
    "status",
    *Integration.CONCERNS,
    "notes",
)


def _validate(integration: Integration) -> None:
    if (
        integration.owner is not None
        and not integration.owner.memberships.filter(
            organization_id=integration.use_case.organization_id
        ).exists()
    ):
        raise ValidationError({"owner": "Choose a member of this organization."})
    integration.full_clean(exclude=["use_case"], validate_unique=False, validate_constraints=False)
    if (
        Integration.objects.filter(use_case=integration.use_case, name__iexact=integration.name)
        .exclude(pk=integration.pk)
        .exists()
    ):
        raise ValidationError(
            {
                "name": f"{integration.use_case} already has an integration called “{integration.name}”."
            }
        )
    if integration.status == IntegrationStatus.LIVE and integration.open_concerns:
        raise ValidationError(
            {
                "status": "An integration goes live only when all five concerns are done or not "
                f"applicable; still open: {', '.join(integration.open_concerns)}."
            }
        )


@transaction.atomic
@audit_at_end()  # the items and workstreams follow first, then the records
def integration_save(
    *,
    actor: User,
    use_case: UseCase,
    integration: Integration | None = None,
    expected_version: int | None = None,
    **fields: Any,
) -> Integration:
    """Add an integration to ``use_case`` (``integration`` None) or change one of its own.

    Program managers and admins only. Raises ValidationError naming the field to fix: unknown
    fields, a duplicate name, an owner from outside the organization, or going live with a
    concern still open. Audited with the fields that changed. The integration workstream's
    items follow the concerns of all the use case's integrations. With ``expected_version``,
    StaleVersion if the integration changed since (nothing saved).
    """
    membership_of(actor, use_case.organization_id, perm=WRITE)
    unknown = set(fields) - set(INTEGRATION_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    if integration is None:
        integration = Integration(use_case=use_case)
        before: dict[str, Any] = {}
        action = "integration.created"
    else:
        if integration.use_case_id != use_case.pk:
            raise ValidationError("This integration belongs to another use case.")
        integration = Integration.objects.select_for_update(no_key=True, of=("self",)).get(
            pk=integration.pk
        )
        check_version(integration, expected_version)
        integration.use_case = use_case
        before = snapshot(integration, INTEGRATION_FIELDS)
        action = "integration.updated"
    for key, value in fields.items():
        setattr(integration, key, value.strip() if isinstance(value, str) else value)
    _validate(integration)
    integration.save()
    b, a = changed(before, snapshot(integration, INTEGRATION_FIELDS))
    if a:
        audit_record(
            actor=actor,
            organization=use_case.organization,
            action=action,
            target=integration,
            use_case=use_case,
            before=b or None,
            after=a,
        )
        integrations_follow(use_case=use_case, actor=actor)
    return integration


@transaction.atomic
@audit_at_end()  # recorded, then deleted: the record is appended last
def integration_delete(
    *, actor: User, integration: Integration, expected_version: int | None = None
) -> None:
    """Remove an integration (a connection that was recorded by mistake); audited. The
    integration workstream's items follow the integrations that remain. With
    ``expected_version``, StaleVersion if it changed since (nothing deleted)."""
    use_case = integration.use_case
    membership_of(actor, use_case.organization_id, perm=WRITE)
    lock_checked(Integration, integration.pk, expected_version)
    integration = Integration.objects.get(pk=integration.pk)  # as it stands under the lock
    before = snapshot(integration, INTEGRATION_FIELDS)
    audit_record(
        actor=actor,
        organization=use_case.organization,
        action="integration.deleted",
        target=integration,
        use_case=use_case,
        before=before,
    )
    integration.delete()
    integrations_follow(use_case=use_case, actor=actor)

"""Usage boundaries: published versions and who has read them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from adoption.models import (
    BoundaryAcknowledgement,
    UsageBoundary,
)
from adoption.workstream_facts import facts_push
from readiness.access import membership_of
from readiness.audit import audit_at_end, audit_record
from readiness.models import Perm, UseCase, User


@transaction.atomic
@audit_at_end()  # the items and workstreams follow first, then the records
def usage_boundary_publish(
    *, actor: User, use_case: UseCase, body: str, change_note: str = ""
) -> UsageBoundary:
    """Publish the boundaries as a new version; earlier versions are kept unchanged.

    Raises ValidationError if the text is empty or identical to the current version.
    """
    membership_of(actor, use_case.organization_id, perm=Perm.EDIT)
    UseCase.objects.select_for_update(no_key=True, of=("self",)).filter(pk=use_case.pk).values_list(
        "pk"
    ).first()
    current = UsageBoundary.objects.filter(use_case=use_case).order_by("-version").first()
    boundary = UsageBoundary(
        use_case=use_case,
        version=(current.version + 1) if current else 1,
        # Browsers send textarea line breaks as CRLF; store LF so versions compare by content.
        body=(body or "").replace("\r\n", "\n").replace("\r", "\n").strip(),
        change_note=(change_note or "").strip(),
        published_by=actor,
    )
    boundary.full_clean(exclude=["use_case"], validate_constraints=False)
    if current is not None and current.body == boundary.body:
        raise ValidationError(
            {"body": f"Nothing changed since version {current.version}: edit the text first."}
        )
    boundary.save()
    audit_record(
        actor=actor,
        organization=use_case.organization,
        action="usage_boundary.publish",
        target=boundary,
        use_case=use_case,
        before={"version": current.version, "body": current.body} if current else None,
        after={"version": boundary.version, "body": boundary.body, "note": boundary.change_note},
    )
    facts_push(use_case=use_case, actor=actor)
    return boundary


@transaction.atomic
def usage_boundary_acknowledge(*, actor: User, boundary: UsageBoundary) -> BoundaryAcknowledgement:
    """The actor has read this version. Only the current version can be acknowledged;
    acknowledging twice changes nothing."""
    use_case = boundary.use_case
    membership_of(actor, use_case.organization_id)
    latest = (
        UsageBoundary.objects.filter(use_case=use_case)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    if latest != boundary.version:
        raise ValidationError(
            f"Version {boundary.version} is no longer current: read version {latest} first."
        )
    ack, created = BoundaryAcknowledgement.objects.get_or_create(boundary=boundary, user=actor)
    if created:
        audit_record(
            actor=actor,
            organization=use_case.organization,
            action="usage_boundary.acknowledge",
            target=boundary,
            use_case=use_case,
            after={"version": boundary.version},
        )
    return ack

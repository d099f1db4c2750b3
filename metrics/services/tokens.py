"""Creating and revoking organization API tokens."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from metrics.ingestion.auth import new_token
from metrics.models import ApiToken
from readiness.access import membership_of
from readiness.audit import audit_record
from readiness.models import Organization, Perm, UseCase, User


@transaction.atomic
def api_token_create(
    *,
    actor: User | None,
    organization: Organization,
    name: str,
    use_case_ids: Iterable[int] = (),
    via: str = "",
) -> tuple[ApiToken, str]:
    """A new token for the organization; returns it and the secret token, which is shown once
    and never stored (only its hash is).

    ``actor`` must be an org admin. The command line passes ``actor=None`` and names itself in
    ``via`` (someone with shell access to the server already holds the database). Raises
    ValidationError for a blank or taken name or a use case outside the organization.
    """
    if actor is not None:
        membership_of(actor, organization.pk, perm=Perm.ADMINISTER)
    elif not via:
        raise ValueError("api_token_create needs an actor or, from the command line, via=")
    name = (name or "").strip()
    ids = sorted(set(use_case_ids))
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Name the system that will use this token."
    elif len(name) > 80:
        errors["name"] = "Keep the name under 80 characters."
    elif ApiToken.objects.filter(
        organization=organization, name__iexact=name, revoked_at__isnull=True
    ).exists():
        errors["name"] = f"An active token called “{name}” already exists."
    use_cases = list(UseCase.objects.filter(organization=organization, pk__in=ids))
    if len(use_cases) != len(ids):
        errors["use_cases"] = "Choose use cases of this organization."
    if errors:
        raise ValidationError(errors)
    raw, prefix, digest = new_token()
    token = ApiToken.objects.create(
        organization=organization,
        name=name,
        prefix=prefix,
        secret_hash=digest,
        created_by=actor,
    )
    token.use_cases.set(use_cases)
    audit_record(
        actor=actor or via,
        organization=organization,
        action="metrics.api_token.create",
        target=token,
        after={
            "name": name,
            "prefix": f"rdy_{prefix}",
            "use_cases": [uc.pk for uc in use_cases] or "all",
        },
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke the token at once: the next request that sends it gets 401. Revoking twice is
    a no-op (nothing is audited the second time)."""
    membership_of(actor, token.organization_id, perm=Perm.ADMINISTER)
    token = (
        ApiToken.objects.select_for_update(of=("self",), no_key=True)
        .select_related("organization")
        .get(pk=token.pk)
    )
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.revoked_by = actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        actor=actor,
        organization=token.organization,
        action="metrics.api_token.revoke",
        target=token,
        before={"revoked_at": None},
        after={"revoked_at": token.revoked_at},
    )
    return token

"""What a user has proved about themselves: which email addresses are theirs (and which of those
they verified), and whether they have a second factor. Invitations and the organizations'
two-factor policy ask here; allauth keeps the records (EmailAddress, Authenticator)."""

from __future__ import annotations

from collections.abc import Iterable

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef

from readiness.models import Membership, User


def email_addresses(user: User, *, verified_only: bool) -> set[str]:
    """The user's addresses, lowercased. ``verified_only``: those whose mailbox the user proved
    (a code or link sent there, or a single sign-on provider that said so). Without it, also
    the addresses they typed and never proved, and the account's own ``email``."""
    rows = EmailAddress.objects.filter(user=user)
    if verified_only:
        rows = rows.filter(verified=True)
    found = {e.lower() for e in rows.values_list("email", flat=True)}
    if not verified_only and user.email:
        found.add(user.email.lower())
    return found


def has_second_factor(user: User) -> bool:
    """An authenticator app or a security key (recovery codes only back those up)."""
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def members_with_second_factor() -> Exists:
    """An annotation for a Membership queryset: the member has a second factor."""
    return Exists(
        Authenticator.objects.filter(
            user=OuterRef("user"),
            type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN],
        )
    )


def mfa_demanded_by(memberships: Iterable[Membership]) -> Membership | None:
    """The first membership (by organization name) whose organization requires two-factor
    authentication of this member's role, or None. Reads only the loaded memberships."""
    return next((m for m in memberships if m.must_use_mfa), None)

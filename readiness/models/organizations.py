"""People and the organizations they belong to: users, organizations, roles and the permission
vocabulary, memberships and invitations."""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from readiness import display


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person. Signs in with their email address; belongs to organizations via Membership."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)

    objects = UserManager()  # type: ignore[assignment,misc]

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """Their name; without one, the part of their email address before the @."""
        return display.display_name(self.get_full_name(), self.email)

    @property
    def initials(self) -> str:
        return display.initials(self.display_name)


class MeasuredStatistic(models.TextChoices):
    """The figure a scorecard reports for measured metrics (latency, cycle time...)."""

    P50 = "p50", "Median (p50)"
    P95 = "p95", "95th percentile (p95)"


class Organization(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    admins_may_sign_off = models.BooleanField(
        "org admins may sign off",
        default=False,
        help_text="When off, only governance reviewers approve or reject checklist items.",
    )
    mfa_required = models.BooleanField(
        "require two-factor authentication",
        default=False,
        help_text=(
            "Org admins, governance reviewers and executives must set up an authenticator app "
            "or a security key before they can use Readiness."
        ),
    )
    measured_statistic = models.CharField(
        "figure shown for measured metrics",
        max_length=3,
        choices=MeasuredStatistic.choices,
        default=MeasuredStatistic.P50,
        help_text=(
            "What the scorecards, their exports and the API report for measured metrics such "
            "as latency: the median (half of the samples are better) or the 95th percentile "
            "(all but the slowest 5%)."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("usecase_list", kwargs={"org": self.slug})


class Role(models.TextChoices):
    ORG_ADMIN = "org_admin", "Org admin"
    PROGRAM_MANAGER = "program_manager", "Program manager"
    GOVERNANCE_REVIEWER = "governance_reviewer", "Governance reviewer"
    EXECUTIVE = "executive", "Executive"
    VIEWER = "viewer", "Viewer"


# The roles that approve, govern and decide: an organization may require a second factor of them.
MFA_ROLES = frozenset({Role.ORG_ADMIN, Role.GOVERNANCE_REVIEWER, Role.EXECUTIVE})


class Perm(models.TextChoices):
    """The one vocabulary of permissions: each value names a predicate on :class:`Membership`.

    Access functions and services take a ``Perm``; ``membership.allows(perm)`` asks the
    predicate, and :data:`PERM_DENIED` says, in words a member can act on, who may do it.
    """

    ADMINISTER = "can_administer", "administer the organization"
    EDIT = "can_edit_use_cases", "edit use cases"
    SIGN_OFF = "can_sign_off", "sign off governance items"
    GOVERN = "can_govern", "change governance records"
    REGISTRY = "can_manage_registry", "change the model registry"
    DECIDE_SCALE = "can_decide_scale", "decide on scale"
    COMMENT = "can_comment", "take part in discussions"


PERM_DENIED: dict[str, str] = {
    Perm.ADMINISTER: "Only org admins can do this.",
    Perm.EDIT: "Only program managers and org admins can change this.",
    Perm.SIGN_OFF: "Only governance reviewers sign off here.",
    Perm.GOVERN: "Viewers and executives cannot change governance records.",
    Perm.REGISTRY: "Only governance reviewers and org admins change the registry.",
    Perm.DECIDE_SCALE: "Only executives decide on scale.",
    Perm.COMMENT: "Viewers read discussions but do not comment.",
}


class Membership(models.Model):
    """A user's role in one organization. Every permission is a predicate here (see Perm)."""

    Role = Role

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="uniq_membership"),
        ]
        ordering = ["organization__name", "user__email"]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.get_role_display()})"

    def allows(self, perm: Perm | str) -> bool:
        return bool(getattr(self, Perm(perm).value))

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ORG_ADMIN

    @property
    def can_administer(self) -> bool:
        """Members and roles, templates, metric definitions, API tokens, webhooks, settings."""
        return self.role == Role.ORG_ADMIN

    @property
    def can_manage_members(self) -> bool:
        return self.can_administer

    @property
    def can_edit_use_cases(self) -> bool:
        """Create and edit use cases, workstreams, specs, plans, integrations and the adoption
        rollout; submit governance evidence and edit policies; request transitions."""
        return self.role in (Role.ORG_ADMIN, Role.PROGRAM_MANAGER)

    @property
    def can_sign_off(self) -> bool:
        """Approve, reject or mark governance items not applicable: governance reviewers, and
        org admins only where the organization allows it."""
        if self.role == Role.GOVERNANCE_REVIEWER:
            return True
        return self.role == Role.ORG_ADMIN and self.organization.admins_may_sign_off

    @property
    def can_govern(self) -> bool:
        """Open and update incidents, assign reviewers and due dates."""
        return self.role in (Role.ORG_ADMIN, Role.PROGRAM_MANAGER, Role.GOVERNANCE_REVIEWER)

    @property
    def can_manage_registry(self) -> bool:
        return self.role in (Role.ORG_ADMIN, Role.GOVERNANCE_REVIEWER)

    @property
    def can_decide_scale(self) -> bool:
        return self.role == Role.EXECUTIVE

    @property
    def can_comment(self) -> bool:
        """Write in discussions (and edit or delete one's own comments): every role but viewer."""
        return self.role != Role.VIEWER

    @property
    def must_use_mfa(self) -> bool:
        """The organization requires a second factor of this member's role."""
        return self.organization.mfa_required and self.role in MFA_ROLES


class Invitation(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=32, choices=Role.choices)
    token = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="uniq_pending_invitation",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organization}"

    def get_absolute_url(self) -> str:
        return reverse("invitation_accept", kwargs={"token": self.token})

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )

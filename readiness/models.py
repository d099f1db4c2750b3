"""The ground floor: organizations, memberships, use cases, workstreams, the 90-day plan, audit.

``governance`` and ``metrics`` build on these models; nothing here imports from them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

PLAN_LENGTH_DAYS = 90


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
        return self.get_full_name() or self.email


class Organization(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
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


class Membership(models.Model):
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

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ORG_ADMIN

    @property
    def can_manage_members(self) -> bool:
        return self.role == Role.ORG_ADMIN

    @property
    def can_edit_use_cases(self) -> bool:
        """Create and edit use cases, workstreams, specs and plans; request transitions."""
        return self.role in (Role.ORG_ADMIN, Role.PROGRAM_MANAGER)

    @property
    def can_sign_off(self) -> bool:
        return self.role in (Role.ORG_ADMIN, Role.GOVERNANCE_REVIEWER)

    @property
    def can_decide_scale(self) -> bool:
        return self.role == Role.EXECUTIVE


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


class RiskTier(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class UseCaseStatus(models.TextChoices):
    PILOT = "pilot", "Pilot"
    IN_TRANSITION = "in_transition", "In transition"
    PRODUCTION = "production", "Production"
    SCALED = "scaled", "Scaled"
    RETIRED = "retired", "Retired"


_SCORE = [MinValueValidator(1), MaxValueValidator(5)]


class UseCaseQuerySet(models.QuerySet["UseCase"]):
    def for_user(self, user: Any) -> UseCaseQuerySet:
        return self.filter(organization__memberships__user=user)


class UseCase(models.Model):
    Status = UseCaseStatus

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="use_cases"
    )
    name = models.CharField(max_length=160)
    workflow = models.TextField(
        "workflow it improves", help_text="The workflow the AI improves, exactly."
    )
    team = models.CharField(max_length=120)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_use_cases",
        help_text="Who owns the product after implementation.",
    )
    target_outcome = models.TextField("target business outcome")
    risk_tier = models.CharField(max_length=16, choices=RiskTier.choices, default=RiskTier.MEDIUM)
    status = models.CharField(
        max_length=16, choices=UseCaseStatus.choices, default=UseCaseStatus.PILOT
    )
    start_date = models.DateField(help_text="Day 1 of the 90-day plan.")
    current_phase = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    # Workflow economics, each scored 1 (poor fit) to 5 (strong fit).
    repetition = models.PositiveSmallIntegerField(validators=_SCORE, default=3)
    clear_handoffs = models.PositiveSmallIntegerField(validators=_SCORE, default=3)
    cost_of_delay = models.PositiveSmallIntegerField(validators=_SCORE, default=3)
    knowledge_lookup = models.PositiveSmallIntegerField(
        "frequency of knowledge lookup", validators=_SCORE, default=3
    )
    reviewability = models.PositiveSmallIntegerField(
        "reviewability of output", validators=_SCORE, default=3
    )
    politically_sensitive = models.BooleanField(default=False)
    priority_score = models.PositiveSmallIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UseCaseQuerySet.as_manager()

    class Meta:
        ordering = ["-priority_score", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="uniq_use_case_name"),
            models.CheckConstraint(
                condition=Q(current_phase__gte=1, current_phase__lte=3), name="use_case_phase_range"
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{f}__gte": 1, f"{f}__lte": 5}), name=f"{f}_1_to_5"
                )
                for f in (
                    "repetition",
                    "clear_handoffs",
                    "cost_of_delay",
                    "knowledge_lookup",
                    "reviewability",
                )
            ],
        ]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("usecase_detail", kwargs={"org": self.organization.slug, "pk": self.pk})

    def plan_day(self, today: dt.date | None = None) -> int:
        """Day of the 90-day plan: 1 on the start date; may be <1 before it or >90 after."""
        today = today or timezone.localdate()
        return (today - self.start_date).days + 1

    @property
    def is_in_plan(self) -> bool:
        return self.status in (UseCaseStatus.PILOT, UseCaseStatus.IN_TRANSITION)


class BehaviorSpecVersion(models.Model):
    """One saved version of a use case's production behavior spec; never edited, only added."""

    FIELDS = (
        "inputs",
        "output_format",
        "uncertainty_behavior",
        "human_approval",
        "source_systems",
        "acceptable_latency",
    )

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="spec_versions")
    version = models.PositiveIntegerField()
    inputs = models.TextField("what inputs the AI receives")
    output_format = models.TextField("required output format")
    uncertainty_behavior = models.TextField("what happens when the AI is uncertain")
    human_approval = models.TextField("what requires human approval")
    source_systems = models.TextField("source systems needed")
    acceptable_latency = models.CharField("acceptable latency", max_length=120)
    change_note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["use_case", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["use_case", "version"], name="uniq_spec_version"),
        ]

    def __str__(self) -> str:
        return f"{self.use_case} spec v{self.version}"

    def as_dict(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in self.FIELDS}


class WorkstreamStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    AT_RISK = "at_risk", "At risk"
    BLOCKED = "blocked", "Blocked"
    DONE = "done", "Done"


class Health(models.TextChoices):
    GREEN = "green", "On track"
    AMBER = "amber", "Needs attention"
    RED = "red", "Off track"


class WorkstreamTemplate(models.Model):
    """An organization's template for one of the seven workstreams; copied into each new use case."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="workstream_templates"
    )
    number = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    name = models.CharField(max_length=120)
    purpose = models.TextField(blank=True)
    items = models.JSONField(default=list, help_text="Checklist item texts, in order.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="uniq_workstream_template"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class Workstream(models.Model):
    Status = WorkstreamStatus

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="workstreams")
    number = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    name = models.CharField(max_length=120)
    purpose = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=WorkstreamStatus.choices, default=WorkstreamStatus.NOT_STARTED
    )
    health = models.CharField(max_length=8, choices=Health.choices, default=Health.GREEN)
    due_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["use_case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["use_case", "number"], name="uniq_workstream_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"

    def is_late(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return bool(
            self.due_date and self.due_date < today and self.status != WorkstreamStatus.DONE
        )


class Phase(models.Model):
    """One of the three phases of a use case's 90-day plan."""

    NAMES = {
        1: "Production definition",
        2: "Integration and controlled rollout",
        3: "Operationalization",
    }
    DAY_RANGES = {1: (1, 30), 2: (31, 60), 3: (61, 90)}

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="phases")
    number = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    name = models.CharField(max_length=120)
    first_day = models.PositiveSmallIntegerField()
    last_day = models.PositiveSmallIntegerField()
    planned_start = models.DateField()
    planned_end = models.DateField()
    actual_start = models.DateField(null=True, blank=True)
    actual_end = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["use_case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["use_case", "number"], name="uniq_phase_number"),
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("planned_start")), name="phase_planned_order"
            ),
        ]

    def __str__(self) -> str:
        return f"Phase {self.number}: {self.name}"

    @property
    def is_complete(self) -> bool:
        return self.actual_end is not None

    def is_late(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.actual_end is None and self.planned_end < today


class ChecklistItem(models.Model):
    """A tickable item: either on a workstream, or an exit criterion of a phase (exactly one)."""

    workstream = models.ForeignKey(
        Workstream, on_delete=models.CASCADE, null=True, blank=True, related_name="items"
    )
    phase = models.ForeignKey(
        Phase, on_delete=models.CASCADE, null=True, blank=True, related_name="exit_criteria"
    )
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=300)
    done = models.BooleanField(default=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(workstream__isnull=False, phase__isnull=True)
                    | Q(workstream__isnull=True, phase__isnull=False)
                ),
                name="checklist_item_one_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def kind(self) -> str:
        return "exit_criterion" if self.phase_id else "workstream_item"


class AuditEvent(models.Model):
    """An append-only, hash-chained record of one change.

    Each event's ``hash`` covers its own content and the previous event's hash in the same
    organization, so editing or deleting any past event breaks the chain from there on
    (``python manage.py audit_verify`` finds it). Rows are never updated.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(
        max_length=254, help_text="Who acted, kept even if the user is deleted."
    )
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=300, blank=True)
    use_case = models.ForeignKey(
        UseCase, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_events"
    )
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-id"]),
            models.Index(fields=["use_case", "-id"]),
        ]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.target_type}#{self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("Audit events are append-only")

    def compute_hash(self) -> str:
        payload = {
            "organization": self.organization_id,
            "use_case": self.use_case_id,
            "actor": self.actor_label,
            "action": self.action,
            "target": [self.target_type, self.target_id],
            "before": self.before,
            "after": self.after,
            "at": self.created_at.isoformat(),
            "prev": self.prev_hash,
        }
        blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(blob.encode()).hexdigest()


class Notification(models.Model):
    """A message to one member, shown in the app and (optionally) emailed by a task after commit."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="notifications"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_id}: {self.title}"


class ScaleOutcome(models.TextChoices):
    APPROVED = "approved", "Approve scale"
    DECLINED = "declined", "Decline scale"
    DEFERRED = "deferred", "Defer the decision"


class ScaleDecision(models.Model):
    """An executive's decision on scaling a use case in production; never edited, only added.

    ``evidence`` is the case as it stood when decided: the six answers, the gate's result and
    the readiness score, so the audit trail shows what the decision rested on.
    """

    Outcome = ScaleOutcome

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="scale_decisions")
    outcome = models.CharField(max_length=12, choices=ScaleOutcome.choices)
    rationale = models.TextField()
    revisit_on = models.DateField(
        null=True, blank=True, help_text="When a deferred decision is taken up again."
    )
    evidence = models.JSONField(default=dict)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["use_case", "-decided_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="deferred") | Q(revisit_on__isnull=False),
                name="deferred_scale_needs_revisit_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.use_case}"


class IntegrationKind(models.TextChoices):
    CRM = "crm", "CRM"
    ERP = "erp", "ERP"
    TICKETING = "ticketing", "Ticketing or case management"
    DOCUMENTS = "documents", "Document or knowledge store"
    DATA = "data", "Data warehouse or lake"
    MESSAGING = "messaging", "Messaging or email"
    IDENTITY = "identity", "Identity provider"
    OTHER = "other", "Other system of record"


class IntegrationStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    BUILDING = "building", "Being built"
    LIVE = "live", "Live"
    RETIRED = "retired", "Retired"


class ConcernStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    BLOCKED = "blocked", "Blocked"
    DONE = "done", "Done"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


CONCERN_DONE = (ConcernStatus.DONE, ConcernStatus.NOT_APPLICABLE)


class Integration(models.Model):
    """A system of record a use case connects to, with the five integration concerns.

    An integration goes live only once every concern is done (or not applicable): the services
    enforce it, so "live" on the scale page means the plumbing was actually checked.
    """

    Kind = IntegrationKind
    Status = IntegrationStatus
    # The five integration concerns: field name -> label.
    CONCERNS: ClassVar[dict[str, str]] = {
        "identity_access": "Identity and access",
        "data_mapping": "Data mapping",
        "event_triggers": "Event triggers",
        "api_reliability": "API reliability",
        "logging_audit": "Logging and audit trails",
    }

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="integrations")
    name = models.CharField("system", max_length=120)
    kind = models.CharField(max_length=16, choices=IntegrationKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who answers for this connection.",
    )
    status = models.CharField(
        max_length=12, choices=IntegrationStatus.choices, default=IntegrationStatus.PLANNED
    )
    identity_access = models.CharField(
        "identity and access",
        max_length=16,
        choices=ConcernStatus.choices,
        default=ConcernStatus.NOT_STARTED,
    )
    data_mapping = models.CharField(
        max_length=16, choices=ConcernStatus.choices, default=ConcernStatus.NOT_STARTED
    )
    event_triggers = models.CharField(
        max_length=16, choices=ConcernStatus.choices, default=ConcernStatus.NOT_STARTED
    )
    api_reliability = models.CharField(
        "API reliability",
        max_length=16,
        choices=ConcernStatus.choices,
        default=ConcernStatus.NOT_STARTED,
    )
    logging_audit = models.CharField(
        "logging and audit trails",
        max_length=16,
        choices=ConcernStatus.choices,
        default=ConcernStatus.NOT_STARTED,
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["use_case", "name"]
        constraints = [
            models.UniqueConstraint(fields=["use_case", "name"], name="uniq_integration_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.use_case})"

    def concern_list(self) -> list[tuple[str, str, str, str]]:
        """(field, label, status, status label) for each of the five concerns, in order."""
        return [
            (f, label, getattr(self, f), ConcernStatus(getattr(self, f)).label)
            for f, label in self.CONCERNS.items()
        ]

    @property
    def concerns_done(self) -> int:
        return sum(1 for f in self.CONCERNS if getattr(self, f) in CONCERN_DONE)

    @property
    def open_concerns(self) -> list[str]:
        return [label for f, label in self.CONCERNS.items() if getattr(self, f) not in CONCERN_DONE]

"""Shapes of the governance API. No business rules here: the services decide.

People are named by email address, as in the readiness API.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.models import (
    GATE_PHASES,
    ApprovedModel,
    Checklist,
    ChecklistTemplate,
    ControlArea,
    DataClassification,
    Decision,
    Evidence,
    EvidenceKind,
    Framework,
    FrameworkControl,
    GovernanceItem,
    Incident,
    IncidentStatus,
    IncidentUpdate,
    ItemStatus,
    LoggingPolicy,
    Severity,
    SignOff,
    TemplateItem,
)
from governance.services import ITEM_EDIT_FIELDS, ITEM_FIELDS, REGISTRY_FIELDS, TEMPLATE_FIELDS
from readiness.api.serializers import MemberEmailField, choice_field, email_of

PHASE_HELP = "The phase whose gate the item belongs to: 1, 2 or 3."


class FrameworkControlSerializer(serializers.ModelSerializer):
    framework = choice_field(Framework)
    builtin = serializers.SerializerMethodField()

    class Meta:
        model = FrameworkControl
        fields = ("id", "framework", "identifier", "title", "builtin")

    def get_builtin(self, obj: FrameworkControl) -> bool:
        return obj.organization_id is None


class TemplateItemSerializer(serializers.ModelSerializer):
    area = choice_field(ControlArea)
    gate_phase = serializers.IntegerField(help_text=PHASE_HELP)
    controls = FrameworkControlSerializer(many=True, read_only=True)

    class Meta:
        model = TemplateItem
        fields = ("id", "version", *ITEM_FIELDS, "controls")


class TemplateItemWriteSerializer(serializers.Serializer):
    template = serializers.IntegerField(help_text="Id of one of your organization's templates.")
    area = choice_field(ControlArea)
    title = serializers.CharField(max_length=200)
    guidance = serializers.CharField()
    gate_phase = serializers.ChoiceField(choices=[p for p, _ in GATE_PHASES], help_text=PHASE_HELP)
    required = serializers.BooleanField(default=True)  # type: ignore[assignment]
    controls = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Ids of framework controls."
    )


class TemplateItemUpdateSerializer(TemplateItemWriteSerializer):
    template = None  # type: ignore[assignment]

    class Meta:
        fields = (*ITEM_EDIT_FIELDS, "controls")


class ChecklistTemplateSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)  # type: ignore[var-annotated]
    items = TemplateItemSerializer(many=True, read_only=True)
    builtin = serializers.SerializerMethodField()

    class Meta:
        model = ChecklistTemplate
        fields = ("id", "organization", *TEMPLATE_FIELDS, "is_default", "builtin", "items")

    def get_builtin(self, obj: ChecklistTemplate) -> bool:
        return obj.organization_id is None


class TemplateCopySerializer(serializers.Serializer):
    organization = serializers.SlugField(help_text="Slug of the organization the copy belongs to.")
    name = serializers.CharField(max_length=120)


class EvidenceSerializer(serializers.ModelSerializer):
    kind = choice_field(EvidenceKind)
    submitted_by = email_of("submitted_by")
    current = serializers.SerializerMethodField(help_text="Neither withdrawn nor expired.")
    download_url = serializers.SerializerMethodField(
        help_text="For files: where members download it; null for text and links."
    )

    class Meta:
        model = Evidence
        fields = (
            "id",
            "item",
            "kind",
            "text",
            "url",
            "filename",
            "content_type",
            "size",
            "sha256",
            "effective_date",
            "expires_on",
            "submitted_by",
            "submitted_at",
            "withdrawn_at",
            "expired_at",
            "current",
            "download_url",
        )

    def get_current(self, obj: Evidence) -> bool:
        return obj.is_current()

    @extend_schema_field({"type": "string", "nullable": True})
    def get_download_url(self, obj: Evidence) -> str | None:
        if not obj.file:
            return None
        slug = obj.item.checklist.use_case.organization.slug
        return reverse("governance_evidence_download", kwargs={"org": slug, "pk": obj.pk})


class EvidenceWriteSerializer(serializers.Serializer):
    kind = choice_field(EvidenceKind)
    text = serializers.CharField(required=False, allow_blank=True, default="")
    url = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    file = serializers.FileField(required=False, help_text="For kind `file` (multipart).")
    effective_date = serializers.DateField(required=False)
    expires_on = serializers.DateField(required=False, allow_null=True)


class SignOffSerializer(serializers.ModelSerializer):
    decision = choice_field(Decision)
    reviewer = email_of("reviewer")
    evidence = serializers.ListField(
        child=serializers.DictField(), help_text="The evidence as it stood when signed."
    )

    class Meta:
        model = SignOff
        fields = ("id", "item", "decision", "reviewer", "comment", "evidence", "created_at")


class SignOffWriteSerializer(serializers.Serializer):
    decision = choice_field(Decision)
    comment = serializers.CharField()


class NotApplicableSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ItemSerializer(serializers.ModelSerializer):
    area = choice_field(ControlArea)
    status = choice_field(ItemStatus)
    gate_phase = serializers.IntegerField(help_text=PHASE_HELP)
    use_case = serializers.IntegerField(source="checklist.use_case_id", read_only=True)
    assigned_reviewer = email_of("assigned_reviewer")
    decided_by = email_of("decided_by")
    controls = FrameworkControlSerializer(many=True, read_only=True)

    class Meta:
        model = GovernanceItem
        fields = (
            "id",
            "version",
            "checklist",
            "use_case",
            "area",
            "title",
            "guidance",
            "gate_phase",
            "required",
            "status",
            "na_reason",
            "review_note",
            "assigned_reviewer",
            "due_date",
            "submitted_at",
            "decided_by",
            "decided_at",
            "controls",
        )


class ItemUpdateSerializer(serializers.Serializer):
    assigned_reviewer = MemberEmailField(help_text="Email of a reviewer, or null for anyone.")
    due_date = serializers.DateField(required=False, allow_null=True)


class ChecklistSerializer(serializers.ModelSerializer):
    items = ItemSerializer(many=True, read_only=True)
    applied_by = email_of("applied_by")

    class Meta:
        model = Checklist
        fields = ("id", "use_case", "name", "template", "applied_by", "applied_at", "items")


class ChecklistApplySerializer(serializers.Serializer):
    use_case = serializers.IntegerField()
    template = serializers.IntegerField(help_text="A built-in template or one of yours.")


class ApprovedModelSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)  # type: ignore[var-annotated]
    data_classifications = serializers.ListField(child=choice_field(DataClassification))
    expired = serializers.SerializerMethodField()

    class Meta:
        model = ApprovedModel
        fields = ("id", "organization", *REGISTRY_FIELDS, "expired")

    def get_expired(self, obj: ApprovedModel) -> bool:
        return obj.is_expired()


class ApprovedModelWriteSerializer(serializers.Serializer):
    organization = serializers.SlugField(help_text="Slug of your organization (create only).")
    provider = serializers.CharField(max_length=80)
    model_name = serializers.CharField(max_length=120)
    version = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    data_classifications = serializers.ListField(child=choice_field(DataClassification))
    approved_on = serializers.DateField(required=False)
    expires_on = serializers.DateField(required=False, allow_null=True)
    conditions = serializers.CharField(required=False, allow_blank=True, default="")


class ApprovedModelUpdateSerializer(ApprovedModelWriteSerializer):
    organization = None  # type: ignore[assignment]


class IncidentUpdateSerializer(serializers.ModelSerializer):
    author = email_of("author")
    status_from = serializers.CharField()
    status_to = serializers.CharField()

    class Meta:
        model = IncidentUpdate
        fields = ("id", "author", "note", "status_from", "status_to", "created_at")


class IncidentSerializer(serializers.ModelSerializer):
    severity = choice_field(Severity)
    status = choice_field(IncidentStatus)
    opened_by = email_of("opened_by")
    updates = IncidentUpdateSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = (
            "id",
            "use_case",
            "title",
            "description",
            "severity",
            "status",
            "opened_by",
            "opened_at",
            "resolved_at",
            "reviewed_at",
            "post_incident_review",
            "updates",
        )


class IncidentCreateSerializer(serializers.Serializer):
    use_case = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    severity = choice_field(Severity)


class IncidentNoteSerializer(serializers.Serializer):
    note = serializers.CharField()
    status = choice_field(IncidentStatus, required=False)


class IncidentReviewSerializer(serializers.Serializer):
    post_incident_review = serializers.CharField()


# Declares exactly services.POLICY_FIELDS, in that order (a test holds it to that); the
# docstring below is the schema's description, so this note stays a comment.
class PolicySerializer(serializers.Serializer):
    """A use case's governance policy (read and PATCH)."""

    data_classification = choice_field(DataClassification, required=False)
    provider = serializers.CharField(required=False, allow_blank=True, max_length=80)
    model_name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    model_version = serializers.CharField(required=False, allow_blank=True, max_length=60)
    logging_policy = choice_field(LoggingPolicy, required=False)
    retention_days = serializers.IntegerField(required=False, min_value=1, max_value=3650)
    redaction_rules = serializers.CharField(required=False, allow_blank=True)
    review_below_confidence = serializers.DecimalField(
        max_digits=3, decimal_places=2, required=False, min_value=0, max_value=1
    )
    incident_above_escalation_rate = serializers.DecimalField(
        max_digits=3, decimal_places=2, required=False, min_value=0, max_value=1
    )
    escalation_contacts = serializers.CharField(required=False, allow_blank=True)

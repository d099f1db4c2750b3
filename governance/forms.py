"""Forms for the governance pages: they shape input; the services own the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q

from governance import uploads
from governance.models import (
    GATE_PHASES,
    ApprovedModel,
    ChecklistTemplate,
    ControlArea,
    DataClassification,
    Decision,
    EvidenceKind,
    Framework,
    FrameworkControl,
    IncidentStatus,
    Severity,
    TemplateItem,
    UseCasePolicy,
)
from governance.services import ITEM_EDIT_FIELDS, POLICY_FIELDS, REGISTRY_FIELDS
from readiness.form_versions import VersionedFormMixin
from readiness.forms import DateInput
from readiness.models import Organization, Role, UseCase, User

ANY = [("", "Any")]


class QueueFilterForm(forms.Form):
    use_case = forms.TypedChoiceField(
        label="Use case", required=False, coerce=int, empty_value=None
    )
    area = forms.ChoiceField(
        label="Control area", required=False, choices=ANY + ControlArea.choices
    )
    phase = forms.TypedChoiceField(
        label="Gate",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any"), *GATE_PHASES],
    )
    assigned = forms.ChoiceField(
        label="Assigned to",
        required=False,
        choices=[("", "Anyone"), ("me", "Me")],
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = UseCase.objects.filter(organization=organization).order_by("name")
        self.fields["use_case"].choices = ANY + [(uc.pk, uc.name) for uc in names]  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "use_case": data.get("use_case"),
            "area": data.get("area") or "",
            "phase": data.get("phase"),
            "mine": data.get("assigned") == "me",
        }


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of evidence",
        choices=EvidenceKind.choices,
        initial=EvidenceKind.TEXT,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label="Evidence or note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The evidence itself (for text), or a note on the link or file.",
    )
    url = forms.URLField(label="Link", required=False, assume_scheme="https", max_length=500)
    file = forms.FileField(
        label="File",
        required=False,
        help_text=(
            f"Up to {uploads.human_size(uploads.max_bytes())}; {uploads.allowed_extensions()}."
        ),
    )
    effective_date = forms.DateField(label="Effective from", widget=DateInput())
    expires_on = forms.DateField(
        label="Expires on",
        required=False,
        widget=DateInput(),
        help_text="When it expires the item goes back to review.",
    )


class SignOffForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision", choices=Decision.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="Comment",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the audit trail with the evidence as it stands now.",
    )


class NotApplicableForm(forms.Form):
    na_reason = forms.CharField(
        label="Why it does not apply",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown in the statement of applicability.",
    )


class AssignForm(VersionedFormMixin, forms.Form):
    assigned_reviewer = forms.ModelChoiceField(
        label="Reviewer", queryset=User.objects.none(), required=False, empty_label="Anyone"
    )
    due_date = forms.DateField(label="Due date", required=False, widget=DateInput())

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assigned_reviewer"]
        field.queryset = User.objects.filter(  # type: ignore[attr-defined]
            memberships__organization=organization,
            memberships__role__in=[Role.GOVERNANCE_REVIEWER, Role.ORG_ADMIN],
        ).order_by("email")
        field.label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]


class ApplyTemplateForm(forms.Form):
    template = forms.ModelChoiceField(label="Template", queryset=ChecklistTemplate.objects.none())

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = ChecklistTemplate.objects.filter(  # type: ignore[attr-defined]
            Q(organization=organization) | Q(organization__isnull=True)
        ).order_by("organization_id", "name")


class TemplateForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class TemplateCopyForm(forms.Form):
    name = forms.CharField(label="Name of the copy", max_length=120)


class TemplateItemForm(VersionedFormMixin, forms.ModelForm):
    controls = forms.ModelMultipleChoiceField(
        label="Framework controls",
        queryset=FrameworkControl.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = TemplateItem
        fields = (*ITEM_EDIT_FIELDS, "controls")
        widgets = {"guidance": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["controls"]
        field.queryset = FrameworkControl.objects.filter(  # type: ignore[attr-defined]
            Q(organization=organization) | Q(organization__isnull=True)
        ).order_by("framework", "identifier")
        field.label_from_instance = (  # type: ignore[attr-defined]
            lambda c: f"{Framework(c.framework).label.split(' (')[0]} · {c.identifier} — {c.title}"
        )


class ControlForm(forms.Form):
    framework = forms.ChoiceField(label="Framework", choices=Framework.choices)
    identifier = forms.CharField(label="Control identifier", max_length=40)
    title = forms.CharField(label="Short title (your own words)", max_length=160)


class SettingsForm(forms.Form):
    admins_may_sign_off = forms.BooleanField(
        label="Org admins may sign off checklist items", required=False
    )


class ApprovedModelForm(forms.ModelForm):
    data_classifications = forms.MultipleChoiceField(
        label="Approved for data classified",
        choices=DataClassification.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ApprovedModel
        fields = REGISTRY_FIELDS
        widgets = {
            "approved_on": DateInput(),
            "expires_on": DateInput(),
            "conditions": forms.Textarea(attrs={"rows": 3}),
        }


class PolicyForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = UseCasePolicy
        fields = POLICY_FIELDS
        widgets = {
            "redaction_rules": forms.Textarea(attrs={"rows": 3}),
            "escalation_contacts": forms.Textarea(attrs={"rows": 3}),
        }


class IncidentForm(forms.Form):
    use_case = forms.ModelChoiceField(label="Use case", queryset=UseCase.objects.none())
    title = forms.CharField(label="Title", max_length=200)
    severity = forms.ChoiceField(
        label="Severity",
        choices=Severity.choices,
        help_text="High and critical notify the owner and the reviewers; an open critical "
        "incident blocks the use case's gates.",
    )
    description = forms.CharField(label="What happened", widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["use_case"].queryset = UseCase.objects.filter(  # type: ignore[attr-defined]
            organization=organization
        ).order_by("name")


class IncidentUpdateForm(forms.Form):
    note = forms.CharField(label="Update", widget=forms.Textarea(attrs={"rows": 3}))
    status = forms.ChoiceField(
        label="Move to status",
        required=False,
        choices=[("", "Keep the status")]
        + [c for c in IncidentStatus.choices if c[0] != IncidentStatus.REVIEWED],
    )


class IncidentReviewForm(forms.Form):
    post_incident_review = forms.CharField(
        label="Post-incident review",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Cause, impact and the actions taken so it does not happen again.",
    )

"""Forms of the adoption pages. They shape and check input; the services own the rules and
their ValidationErrors are put back onto these forms by the views."""

from __future__ import annotations

from typing import Any

from django import forms

from adoption.models import Cohort, Feedback, IterationEntry, UsageBoundary
from adoption.services import COHORT_FIELDS, FEEDBACK_FIELDS, ITERATION_FIELDS
from readiness.form_versions import VersionedFormMixin
from readiness.forms import DateInput
from readiness.models import Organization, User


def _label(user: Any) -> str:
    name = user.get_full_name()
    return f"{name} ({user.email})" if name else user.email


def org_people(organization: Organization) -> Any:
    return User.objects.filter(memberships__organization=organization).order_by(
        "first_name", "last_name", "email"
    )


class PeopleField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Any) -> str:
        return _label(obj)


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _label(obj)


class CohortForm(VersionedFormMixin, forms.ModelForm):
    managers = PeopleField(
        queryset=User.objects.none(),
        required=False,
        help_text="They are trained before their team goes live.",
    )
    members = PeopleField(
        queryset=User.objects.none(),
        required=False,
        help_text="The people who use the AI and give weekly feedback once the cohort is live.",
    )

    class Meta:
        model = Cohort
        fields = (*COHORT_FIELDS, "managers", "members")
        widgets = {"planned_go_live": DateInput()}

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = org_people(organization)
        self.fields["managers"].queryset = people  # type: ignore[attr-defined]
        self.fields["members"].queryset = people  # type: ignore[attr-defined]

    def validate_unique(self) -> None:
        """The service checks the name per use case (the form has no use case)."""


class TrainingForm(forms.Form):
    user = PersonField(queryset=User.objects.none(), label="Person")
    topic = forms.CharField(
        label="Course or topic",
        max_length=160,
        help_text="For example: “Reviewing AI suggestions” or “Escalating exceptions”.",
    )
    completed_on = forms.DateField(label="Completed on", widget=DateInput())

    def __init__(self, *args: Any, cohort: Cohort, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = {u.pk for u in cohort.managers.all()} | {u.pk for u in cohort.members.all()}
        self.fields["user"].queryset = User.objects.filter(pk__in=ids).order_by(  # type: ignore[attr-defined]
            "first_name", "last_name", "email"
        )


class BoundaryForm(forms.ModelForm):
    class Meta:
        model = UsageBoundary
        fields = ("body", "change_note")
        labels = {"body": "Usage boundaries", "change_note": "What changed and why"}
        widgets = {"body": forms.Textarea(attrs={"rows": 12})}


SCALE = [(n, str(n)) for n in range(1, 6)]


class FeedbackForm(forms.ModelForm):
    usefulness = forms.TypedChoiceField(
        choices=SCALE,
        coerce=int,
        widget=forms.RadioSelect,
        label="How useful was the AI this week?",
        help_text="1 = not at all, 5 = very useful.",
    )
    trust = forms.TypedChoiceField(
        choices=SCALE,
        coerce=int,
        widget=forms.RadioSelect,
        label="How far did you trust its output?",
        help_text="1 = checked everything, 5 = relied on it where allowed.",
    )

    class Meta:
        model = Feedback
        fields = FEEDBACK_FIELDS
        labels = {"minutes_saved": "Minutes saved this week", "comment": "Anything else?"}
        help_texts = {"minutes_saved": "Your best estimate; 0 if none."}
        widgets = {
            "minutes_saved": forms.NumberInput(attrs={"min": 0, "step": 5}),
            "comment": forms.Textarea(attrs={"rows": 3}),
        }


class IterationForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = IterationEntry
        fields = ITERATION_FIELDS
        widgets = {
            "happened_on": DateInput(),
            "change": forms.Textarea(attrs={"rows": 3}),
            "reason": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.Textarea(attrs={"rows": 3}),
        }

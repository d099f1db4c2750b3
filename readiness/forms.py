"""Forms of readiness's pages: use cases, workstreams, the behavior spec, the plan, integrations,
and the organization pages (create an organization, invite, edit workstream templates).

Forms only shape and check input; the services own the rules (slug uniqueness, who may invite,
the last org admin, a unique use case name ...) and their ValidationErrors are put back onto
these forms by the views."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst

from readiness import selectors
from readiness.discussion import MENTION_HELP
from readiness.facts import facts_of_workstream
from readiness.form_versions import VersionedFormMixin
from readiness.models import (
    MAX_COMMENT,
    BehaviorSpecVersion,
    ChecklistItem,
    Integration,
    Organization,
    Phase,
    RiskTier,
    Role,
    UseCase,
    UseCaseStatus,
    Workstream,
    WorkstreamTemplate,
)
from readiness.scoring import CRITERIA
from readiness.services.integrations import INTEGRATION_FIELDS
from readiness.services.use_cases import USE_CASE_FIELDS
from readiness.services.workstreams import ITEM_FIELDS, WORKSTREAM_FIELDS

FIT_CHOICES = [
    (1, "1 - weak fit"),
    (2, "2 - limited fit"),
    (3, "3 - moderate fit"),
    (4, "4 - good fit"),
    (5, "5 - strong fit"),
]

CRITERION_HELP = {
    "repetition": "How often the task recurs. Daily, high-volume work scores high.",
    "clear_handoffs": "Are the handoffs between people and systems well defined?",
    "cost_of_delay": "What a slow answer costs the business.",
    "knowledge_lookup": "How often people stop to look something up to do the task.",
    "reviewability": "Can a person check the output quickly and reliably?",
}

# Copied from readiness/scoring.py so the person scoring sees exactly how the number is made.
PRIORITY_FORMULA = (
    "priority = round(100 * (mean of the five criteria - 1) / 4) - 25 if politically sensitive, "
    "floored at 0."
)
PRIORITY_HELP = (
    "The priority score runs from 0 to 100: " + PRIORITY_FORMULA + " The five criteria weigh the "
    "same. Political sensitivity costs 25 points because an early win should build trust, and "
    "the most contested process in the company is the worst place to learn. A criterion left "
    "“Not scored yet” keeps the priority unranked and its Workflow economics item open."
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        # ISO format is what <input type=date> sends and expects.
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.email})" if name else obj.email


class UseCaseForm(VersionedFormMixin, forms.ModelForm):
    """Create or edit a use case: what it is, who owns it, and its workflow economics."""

    ABOUT = ("name", "team", "owner", "risk_tier", "start_date", "workflow", "target_outcome")
    ECONOMICS = (*CRITERIA, "politically_sensitive")

    class Meta:
        model = UseCase
        fields = USE_CASE_FIELDS
        widgets = {
            "start_date": DateInput(),
            "workflow": forms.Textarea(attrs={"rows": 3}),
            "target_outcome": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "team": "The team whose workflow changes, e.g. Customer support.",
            "target_outcome": "The business result that proves value, with a number if you can.",
            "politically_sensitive": (
                "Tick if this is one of the most contested processes in the company "
                "(costs 25 priority points)."
            ),
        }

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"] = MemberChoiceField(
            queryset=selectors.org_members(organization),
            required=False,
            label="Owner after implementation",
            empty_label="No owner yet",
            help_text=UseCase._meta.get_field("owner").help_text,
        )
        for name in CRITERIA:
            model_field = UseCase._meta.get_field(name)
            # "Not scored yet" until someone judges it: a preset 3 would tick the workflow
            # economics item for a score nobody gave.
            self.fields[name] = forms.TypedChoiceField(
                label=capfirst(str(getattr(model_field, "verbose_name", name))),
                choices=[("", "Not scored yet"), *FIT_CHOICES],
                coerce=int,
                empty_value=None,
                required=False,
                help_text=CRITERION_HELP[name],
            )
        self.order_fields([*self.ABOUT, *self.ECONOMICS])

    def about_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.ABOUT]

    def economics_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.ECONOMICS]


class WorkstreamForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Workstream
        fields = WORKSTREAM_FIELDS
        widgets = {"due_date": DateInput(), "notes": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "status": "Follows the checklist (not started, in progress, done); choose at risk or "
            "blocked to flag unfinished work.",
            "health": "Your judgement of how it is going, whatever the status.",
            "due_date": "Open items due on the same day move with it.",
        }

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"] = MemberChoiceField(
            queryset=selectors.org_members(organization),
            required=False,
            label="Owner",
            empty_label="No owner yet",
        )

    @classmethod
    def for_partial_post(
        cls, data: Any, *, instance: Workstream, organization: Organization
    ) -> WorkstreamForm:
        """A form whose data is the workstream as it stands, overlaid with the posted fields.

        The inline status control posts only ``status``; merging keeps the other fields as
        they are instead of clearing them. A full form posts every field, so it is unaffected.
        ``version`` is checked only when posted (the full form sends it).
        """
        current = cls(instance=instance, organization=organization)
        merged: dict[str, Any] = {}
        for name, field in current.fields.items():
            value = current.initial.get(name) if name != "version" else None
            merged[name] = field.prepare_value(value) if value is not None else ""
        for name in current.fields:
            if name in data:
                merged[name] = data.get(name)
        return cls(data=merged, instance=instance, organization=organization)


class ChecklistItemForm(VersionedFormMixin, forms.ModelForm):
    """Who owns a workstream item or exit criterion, and when it is due."""

    class Meta:
        model = ChecklistItem
        fields = ITEM_FIELDS
        widgets = {"due_date": DateInput()}

    def __init__(self, *args: Any, organization: Organization, inherited: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = MemberChoiceField(
            queryset=selectors.org_members(organization),
            required=False,
            label="Owner",
            empty_label=f"Same as {inherited}",
            help_text="Who is reminded when it is due soon or late.",
        )
        self.fields[
            "due_date"
        ].help_text = "Reminders go to the owner three days before and every day it is late."

    def _post_clean(self) -> None:
        # The service applies, checks and audits the change.
        pass


class BehaviorSpecForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = BehaviorSpecVersion
        fields = (*BehaviorSpecVersion.FIELDS, "change_note")
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in BehaviorSpecVersion.FIELDS
            if name != "acceptable_latency"
        }
        help_texts = {
            "inputs": "Everything the AI is given: fields, documents, context.",
            "output_format": "The exact shape of a good answer.",
            "uncertainty_behavior": "What it does when it is not sure: abstain, escalate, ask.",
            "human_approval": "Which outputs or actions a person must approve first.",
            "source_systems": "The systems of record it reads from or writes to.",
            "acceptable_latency": "For example: under 2 seconds at the 95th percentile.",
            "change_note": "Why this version: it appears in the version history.",
        }

    def _post_clean(self) -> None:
        # The service validates the new version as a whole (and numbers it); the bare
        # instance here has no use case, so model validation would only add false errors.
        pass


class PhaseDatesForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Phase
        fields = ("planned_start", "planned_end")
        widgets = {"planned_start": DateInput(), "planned_end": DateInput()}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", "The planned end must be on or after the planned start.")
        return data

    def _post_clean(self) -> None:
        # Leave the instance untouched: the service applies and audits the change.
        pass


class UseCaseFilterForm(forms.Form):
    """The list page's search and filters (GET). Every field is optional."""

    q = forms.CharField(
        label="Search",
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, team or workflow"}),
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *UseCaseStatus.choices]
    )
    risk_tier = forms.ChoiceField(
        label="Risk tier", required=False, choices=[("", "Any risk"), *RiskTier.choices]
    )
    phase = forms.TypedChoiceField(
        label="Phase",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", "Any phase"),
            *[(n, f"Phase {n}: {name}") for n, name in Phase.NAMES.items()],
        ],
    )
    team = forms.ChoiceField(label="Team", required=False)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, teams: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        assert isinstance(team, forms.ChoiceField)
        team.choices = [("", "Any team"), *[(t, t) for t in teams]]

    def filters(self) -> dict[str, Any]:
        """The valid filters as selector keyword arguments; invalid values are ignored."""
        if not self.is_valid():
            data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        else:
            data = self.cleaned_data
        return {
            "q": (data.get("q") or "").strip(),
            "status": data.get("status") or "",
            "risk_tier": data.get("risk_tier") or "",
            "phase": data.get("phase"),
            "team": data.get("team") or "",
        }

    @property
    def is_filtered(self) -> bool:
        return any(v for v in self.filters().values())


class IntegrationForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Integration
        fields = INTEGRATION_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "status": "Live only once all five concerns below are done or not applicable.",
        }

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"] = MemberChoiceField(
            queryset=selectors.org_members(organization),
            required=False,
            label="Owner",
            help_text="Who answers for this connection.",
        )

    def _post_clean(self) -> None:
        # The service validates the whole integration (it needs the use case); skip the
        # model's own full_clean here so errors are not reported twice.
        pass


# The organization pages


class OrganizationForm(forms.Form):
    name = forms.CharField(
        label="Organization name",
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "organization", "autofocus": True}),
    )
    slug = forms.SlugField(
        label="Web address",
        max_length=60,
        required=False,
        help_text="Used in links, as in /o/your-address/. Leave empty to derive it from the name.",
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="Email address", widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.VIEWER)


class OrganizationSecurityForm(forms.Form):
    mfa_required = forms.BooleanField(
        label="Require two-factor authentication of org admins, governance reviewers and executives",
        required=False,
        help_text=(
            "From their next page, each of them is sent to set up an authenticator app or a "
            "security key before anything else."
        ),
    )


class WorkstreamTemplateForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)
    purpose = forms.CharField(
        label="Purpose",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What this workstream proves before the use case may scale.",
    )
    facts = forms.MultipleChoiceField(
        label="Items that follow the records",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Each is ticked from the record it names, never by hand. Untick one to leave "
        "it out of new use cases.",
    )
    items = forms.CharField(
        label="Checklist items ticked by hand",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="The judgments, one per line, in order; they follow the items above. Empty "
        "lines are ignored.",
    )

    def __init__(self, *args: Any, number: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stated = facts_of_workstream(number)
        field = self.fields["facts"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(d.fact.value, f"{d.text} (from {d.record})") for d in stated]
        if not stated:
            del self.fields["facts"]

    @classmethod
    def for_template(cls, template: WorkstreamTemplate, data: Any = None) -> WorkstreamTemplateForm:
        initial = {
            "name": template.name,
            "purpose": template.purpose,
            "facts": list(template.facts),
            "items": "\n".join(template.items),
        }
        return cls(data=data, initial=initial, number=template.number)

    def chosen_facts(self) -> list[str]:
        return list(self.cleaned_data.get("facts") or [])

    def item_lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["items"].splitlines() if line.strip()]


class AuditRangeForm(forms.Form):
    """The organization's audit trail page and its exports (GET): a range of days, either end
    open. ``span`` is the valid range; errors name the field to fix."""

    since = forms.DateField(label="From", required=False, widget=DateInput())
    until = forms.DateField(label="To", required=False, widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end of the range must be on or after its start.")
        for name in self.errors:  # screen readers announce the field as invalid, and why
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": "audit-range-errors"}
                )
        return data


class CommentForm(VersionedFormMixin, forms.Form):
    """A comment's text (new, or an edit carrying the version it was shown with). The service
    checks the length and characters; the widget's limit only helps the browser."""

    body = forms.CharField(
        label="Your comment",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_COMMENT}),
        max_length=MAX_COMMENT,
        strip=False,
        help_text=MENTION_HELP,
    )

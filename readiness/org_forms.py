"""Forms for the organization pages: create an organization, invite, edit workstream templates.

Forms only shape and check input; the services own the rules (slug uniqueness, who may invite,
the last org admin) and their ValidationErrors are put back onto these forms by the views.
"""

from __future__ import annotations

from typing import Any

from django import forms

from readiness.models import Role, WorkstreamTemplate


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
        help_text="Used in links, as in /o/<em>address</em>/. Leave empty to derive it from the name.",
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="Email address", widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.VIEWER)


class WorkstreamTemplateForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)
    purpose = forms.CharField(
        label="Purpose",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What this workstream proves before the use case may scale.",
    )
    items = forms.CharField(
        label="Checklist items",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="One item per line, in order. Empty lines are ignored.",
    )

    @classmethod
    def for_template(cls, template: WorkstreamTemplate, data: Any = None) -> WorkstreamTemplateForm:
        initial = {
            "name": template.name,
            "purpose": template.purpose,
            "items": "\n".join(template.items),
        }
        return cls(data=data, initial=initial)

    def item_lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["items"].splitlines() if line.strip()]

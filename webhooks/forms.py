from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from readiness.events import EVENTS
from readiness.form_versions import VersionedFormMixin
from readiness.models import Organization
from webhooks.formats import EVENT_LABELS
from webhooks.models import DeliveryStatus, Endpoint, Format


class EndpointForm(VersionedFormMixin, forms.Form):
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        help_text="Where events are POSTed. Must be https:// on a public address (plain http and internal addresses only on a development server).",
        widget=forms.URLInput(attrs={"placeholder": "https://hooks.example.com/readiness"}),
    )
    description = forms.CharField(
        max_length=200,
        required=False,
        help_text="What this endpoint is for, e.g. “#ai-program channel”.",
    )
    events = forms.MultipleChoiceField(
        choices=[(k, f"{k} — {v}") for k, v in EVENTS.items()],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event to send."},
    )
    format = forms.ChoiceField(
        choices=Format.choices,
        initial=Format.JSON,
        widget=forms.RadioSelect,
        help_text="Slack format posts a readable message to a Slack (or compatible) incoming webhook.",
    )

    @classmethod
    def for_endpoint(
        cls, endpoint: Endpoint, data: Mapping[str, Any] | None = None
    ) -> EndpointForm:
        return cls(
            data,
            initial={
                "url": endpoint.url,
                "description": endpoint.description,
                "events": endpoint.events,
                "format": endpoint.format,
            },
            version=endpoint.version,
        )


class DeliveryFilterForm(forms.Form):
    endpoint = forms.ModelChoiceField(
        queryset=Endpoint.objects.none(), required=False, empty_label="All endpoints"
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), *DeliveryStatus.choices], required=False
    )
    event = forms.ChoiceField(
        choices=[("", "Any event"), *((k, k) for k in EVENT_LABELS)], required=False
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["endpoint"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Endpoint.objects.filter(organization=organization).order_by("url", "pk")

"""Forms of the metrics pages: API tokens, CSV upload, definitions, targets, and the portfolio
scorecard's filters. They shape input; the services in :mod:`metrics.services` own the rules."""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.db.models import QuerySet

from metrics.ingestion.uploads import max_bytes, max_rows
from metrics.models import (
    DEFINITION_FIELDS,
    EDITABLE_DEFINITION_FIELDS,
    TARGET_FIELDS,
    MetricDefinition,
    MetricKind,
    MetricTarget,
)
from metrics.selectors.catalog import LEVEL_LABELS
from readiness.form_versions import VersionedFormMixin
from readiness.models import MeasuredStatistic, UseCase, UseCaseStatus


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=80,
        help_text="Which system will use it, e.g. claims-triage-service.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    use_cases = forms.ModelMultipleChoiceField(
        label="Limit to use cases",
        queryset=UseCase.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to let the token write to every use case.",
    )

    def __init__(self, *args: Any, use_cases: QuerySet[UseCase], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["use_cases"].queryset = use_cases  # type: ignore[attr-defined]


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file", widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        megabytes = max_bytes() // (1024 * 1024)
        self.fields[
            "file"
        ].help_text = (
            f"UTF-8, first line naming the columns; at most {megabytes} MB and {max_rows():,} rows."
        )


class MetricDefinitionForm(forms.ModelForm):
    # The name comes first on the page; the rest in the catalog's order.
    field_order = ["name"]

    class Meta:
        model = MetricDefinition
        fields = DEFINITION_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "key": "Lower case, digits, - and _. Production systems send samples under this key; "
            "it cannot change later.",
            "kind": "A measured value (e.g. a duration), a count, or a rate of successes over "
            "trials. It cannot change later.",
        }


class MetricDefinitionEditForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = MetricDefinition
        fields = EDITABLE_DEFINITION_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


def _finite(value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):
        raise forms.ValidationError("Give a finite number.")
    return value


class MetricsSettingsForm(forms.Form):
    measured_statistic = forms.ChoiceField(
        label="Figure shown for measured metrics",
        choices=MeasuredStatistic.choices,
        widget=forms.RadioSelect,
        help_text=(
            "What scorecards, their exports and the API report for metrics such as latency: "
            "the median (half of the samples are better) or the 95th percentile (all but the "
            "worst 5%). The metric gate judges the mean with its confidence interval either way."
        ),
    )


class TargetsForm(forms.Form):
    """One row of three inputs (target, warning, baseline) per metric. Rates are typed as
    percentages and stored as fractions."""

    def __init__(
        self,
        *args: Any,
        metrics: list[MetricDefinition],
        targets: dict[int, MetricTarget],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.metrics = metrics
        for metric in metrics:
            current = targets.get(metric.pk)
            unit = "%" if metric.kind == MetricKind.RATE else metric.unit
            for name in TARGET_FIELDS:
                value = getattr(current, name) if current else None
                if value is not None and metric.kind == MetricKind.RATE:
                    value = round(value * 100, 6)
                if value is not None and float(value).is_integer():
                    value = int(value)  # 75, not 75.0
                self.fields[f"{metric.key}-{name}"] = forms.FloatField(
                    label=f"{metric.name} {name} ({unit})" if unit else f"{metric.name} {name}",
                    required=False,
                    initial=value,
                    widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
                )

    def rows(self) -> list[dict[str, Any]]:
        """For the template: each metric with its three bound fields."""
        return [
            {"metric": m, "fields": [self[f"{m.key}-{name}"] for name in TARGET_FIELDS]}
            for m in self.metrics
        ]

    def groups(self) -> list[dict[str, Any]]:
        """The rows under their level's label, levels in the order the metrics came in."""
        groups: list[dict[str, Any]] = []
        for row in self.rows():
            label = LEVEL_LABELS[row["metric"].level]
            if not groups or groups[-1]["label"] != label:
                groups.append({"label": label, "rows": []})
            groups[-1]["rows"].append(row)
        return groups

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, value in list(cleaned.items()):
            try:
                cleaned[name] = _finite(value)
            except forms.ValidationError as exc:
                self.add_error(name, exc)
        return cleaned

    def values(self) -> dict[MetricDefinition, tuple[float | None, float | None, float | None]]:
        out = {}
        for metric in self.metrics:
            triple = []
            for name in TARGET_FIELDS:
                value = self.cleaned_data.get(f"{metric.key}-{name}")
                if value is not None and metric.kind == MetricKind.RATE:
                    value = value / 100
                triple.append(value)
            out[metric] = (triple[0], triple[1], triple[2])
        return out


class PortfolioFilterForm(forms.Form):
    """The portfolio's search and filters (GET). Every field is optional; bad values are ignored."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name or team"}),
    )
    team = forms.ChoiceField(label="Team", required=False)
    status = forms.ChoiceField(
        label="Use case status",
        required=False,
        choices=[("", "Any status"), *UseCaseStatus.choices],
    )

    def __init__(self, *args: Any, teams: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        assert isinstance(team, forms.ChoiceField)
        team.choices = [("", "Any team"), *[(t, t) for t in teams]]

    def filters(self) -> dict[str, str]:
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return {
            "q": (data.get("q") or "").strip(),
            "team": data.get("team") or "",
            "status": data.get("status") or "",
        }

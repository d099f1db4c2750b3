"""Forms for the executive pages: portfolio filters and the scale decision.

They shape and check input; the services own the rules (portfolio.services.scale) and the
views put their ValidationErrors back on the form.
"""

from __future__ import annotations

from typing import Any

from django import forms

from portfolio.models import ScaleOutcome
from portfolio.rows import PHASES, VERDICTS
from readiness.forms import DateInput
from readiness.models import RiskTier


class PortfolioFilterForm(forms.Form):
    """The dashboard's filters (GET); every field optional, bad values ignored."""

    q = forms.CharField(
        label="Search",
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, team or workflow"}),
    )
    verdict = forms.ChoiceField(
        label="Verdict", required=False, choices=[("", "Any verdict"), *VERDICTS.items()]
    )
    phase = forms.ChoiceField(
        label="Phase", required=False, choices=[("", "Any phase"), *PHASES.items()]
    )
    risk_tier = forms.ChoiceField(
        label="Risk tier", required=False, choices=[("", "Any risk"), *RiskTier.choices]
    )
    team = forms.ChoiceField(label="Team", required=False)

    def __init__(self, *args: Any, teams: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        assert isinstance(team, forms.ChoiceField)
        team.choices = [("", "Any team"), *[(t, t) for t in teams]]

    def filters(self) -> dict[str, str]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {k: str(v) for k, v in data.items() if v and k not in self.errors}


class ScaleDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Decision", choices=ScaleOutcome.choices, widget=forms.RadioSelect
    )
    rationale = forms.CharField(
        label="Rationale",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Why you decide this, in a few sentences: it is kept in the audit trail with "
        "the evidence as it stands now.",
    )
    revisit_on = forms.DateField(
        label="Revisit on",
        required=False,
        widget=DateInput(),
        help_text="For a deferred decision: when to take it up again.",
    )

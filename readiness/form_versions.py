"""The edit forms' guard against lost updates: a hidden ``version`` (issue 10).

A form for a :class:`readiness.models.Versioned` row carries the version it was shown with.
The view passes :meth:`VersionedFormMixin.expected_version` to the service, which refuses a
stale one under the row lock (:class:`readiness.errors.StaleVersion`); the view then calls
:meth:`VersionedFormMixin.refuse_stale`, and the page re-renders with what the person typed,
a message saying what changed since, who changed it and when, and nothing saved. The hidden
field then carries the current version: saving again, having read the message, is deliberate.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict

from readiness.errors import StaleVersion


class VersionedFormMixin(forms.BaseForm):
    """Put it first in the bases of a form that edits a versioned row. ``version`` defaults to
    the instance's (ModelForm); pass it for anything else (the behavior spec's number)."""

    def __init__(self, *args: Any, version: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"] = forms.IntegerField(
            widget=forms.HiddenInput, required=False, min_value=0
        )
        instance = getattr(self, "instance", None)
        if version is None and instance is not None and instance.pk is not None:
            version = instance.version
        if version is not None:
            self.initial["version"] = version

    def expected_version(self) -> int | None:
        """The version the form was shown with (None: not sent), taken out of
        ``cleaned_data`` so that the rest can go to the service as fields."""
        value = self.cleaned_data.pop("version", None)
        return int(value) if value is not None else None

    def refuse_stale(self, exc: StaleVersion) -> None:
        """Say what changed since, keep what the person typed, and arm the form with the current
        version."""
        self.add_error(None, exc.message())
        data: Any = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
        data["version"] = str(exc.current)
        self.data = data

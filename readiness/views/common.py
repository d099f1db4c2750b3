"""Small pieces every page module uses: the request type and turning service errors into form errors."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from readiness.models import User


class AuthedRequest(HttpRequest):
    """A request behind @login_required and django-htmx (for the type checker)."""

    user: User
    htmx: HtmxDetails


def add_errors(form: BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError onto the form, by field where the service named one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def error_messages(exc: ValidationError) -> list[str]:
    """Every message of a ValidationError, flattened, for a flash message."""
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)

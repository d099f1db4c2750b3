"""Small pieces every page module uses: the request type, the member check, and turning service
errors into form errors."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django_htmx.middleware import HtmxDetails

from readiness.access import require
from readiness.models import Membership, Perm, User


class AuthedRequest(HttpRequest):
    """A request behind :func:`member_required` (or @login_required) and django-htmx."""

    user: User
    htmx: HtmxDetails
    membership: Membership
    memberships: list[Membership]


V = TypeVar("V", bound=Callable[..., HttpResponseBase])


def member_required(perm: Perm | None = None) -> Callable[[V], V]:
    """A page of one organization (its URL has ``org``): sign-in required, then the user must be
    a member (404 otherwise, as for an organization that does not exist) and, with ``perm``,
    have a role that allows it (403). The view reads ``request.membership``."""

    def decorate(view: V) -> V:
        @functools.wraps(view)
        def wrapper(request: AuthedRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            membership = getattr(request, "membership", None)
            if membership is None:
                raise Http404("No such organization")
            require(membership, perm)
            return view(request, *args, **kwargs)

        return login_required(wrapper)  # type: ignore[return-value]

    return decorate


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

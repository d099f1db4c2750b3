"""Resolve the signed-in user's membership once per request.

Pages under ``/o/<org>/`` need the user's membership of that organization (to scope every
lookup and to check the role), and the header needs all of the user's memberships (the
organization switcher). :class:`OrganizationMiddleware` loads them in one query when a view
with an ``org`` argument is about to run, and sets:

* ``request.memberships``: every membership of the user, organizations loaded, by name;
* ``request.membership``: the one of the organization in the URL, or None when the user is
  not a member (the view's :func:`readiness.views.common.member_required` turns that into 404).

Requests without an ``org`` in the URL (the API, the home page) get the list lazily on first
use through :func:`memberships_of`, so the API pays nothing for the header.

:class:`MfaRequiredMiddleware` then holds back a member whose organization requires a second
factor of their role until they have one (see its docstring).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from readiness.accounts import has_second_factor, mfa_demanded_by
from readiness.models import Membership
from readiness.text import CONTROL_MESSAGE, has_control_characters


class ControlCharacterMiddleware:
    """Refuse control characters in the path and the query string, for every URL at once.

    A NUL reaching PostgreSQL in a filter or a path segment is a 500; any C0 control but tab,
    line feed and carriage return is refused here before a view runs: 400 in JSON under
    ``/api/`` naming the parameter (``{"status": ["Control characters ..."]}``, ``path`` for
    the path), the product's 400 page elsewhere. Bodies are checked by the API's parsers
    (:mod:`readiness.api_parsers`).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        bad = self._bad_fields(request)
        if bad:
            if request.path.startswith("/api/"):
                return JsonResponse({name: [CONTROL_MESSAGE] for name in bad}, status=400)
            raise BadRequest(f"{', '.join(bad)}: {CONTROL_MESSAGE}")
        return self.get_response(request)

    @staticmethod
    def _bad_fields(request: HttpRequest) -> list[str]:
        bad = ["path"] if has_control_characters(request.path) else []
        for name, values in request.GET.lists():
            if has_control_characters(name) or any(has_control_characters(v) for v in values):
                bad.append(name if not has_control_characters(name) else repr(name)[1:-1])
        return bad


def memberships_of(request: HttpRequest) -> list[Membership]:
    """The user's memberships, loaded once per request (empty for anonymous users)."""
    cached = getattr(request, "memberships", None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    found: list[Membership] = []
    if user is not None and user.is_authenticated:
        found = list(
            Membership.objects.filter(user=user)
            .select_related("organization")
            .order_by("organization__name", "pk")
        )
    request.memberships = found  # type: ignore[attr-defined]
    return found


class OrganizationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> None:
        slug = view_kwargs.get("org")
        if not isinstance(slug, str):
            return None
        request.membership = next(  # type: ignore[attr-defined]
            (m for m in memberships_of(request) if m.organization.slug == slug), None
        )
        return None


# allauth's own pages (sign-out, two-factor setup and the re-authentication it asks for, email
# addresses, password) stay open: they are how a held-back member gets through.
_OPEN_MODULES = ("allauth.", "readiness.views.accounts")


def mfa_required_message(membership: Membership) -> str:
    role = membership.get_role_display().lower()
    return (
        f"{membership.organization.name} requires two-factor authentication of its {role}s. "
        "Set up an authenticator app or a security key to continue."
    )


class MfaRequiredMiddleware:
    """Enforce the organizations' two-factor policy at every request.

    A signed-in member whose organization requires a second factor of their role (org admins,
    governance reviewers and executives; ``Organization.mfa_required``) and who has none is
    sent, from any page, to the two-factor setup page with a message saying which organization
    asks for it; an htmx request is redirected the same way (``HX-Redirect``), and the API,
    used with a session, answers 403 in JSON (``code``: ``mfa_required``). API tokens are not
    users and are not concerned. The check reads the memberships already loaded for the
    request, and asks for the member's authenticators only when their organization requires
    one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if getattr(view_func, "__module__", "").startswith(_OPEN_MODULES):
            return None
        demanding = mfa_demanded_by(memberships_of(request))
        if demanding is None or has_second_factor(user):
            return None
        message = mfa_required_message(demanding)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "code": "mfa_required"}, status=403)
        setup = reverse("mfa_index")
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = setup
            messages.warning(request, message)
            return response
        messages.warning(request, message)
        return redirect(setup)

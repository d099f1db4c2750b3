"""Response headers that no other middleware sets: Permissions-Policy.

Content-Security-Policy comes from django-csp (``csp.middleware.CSPMiddleware``), HSTS,
X-Content-Type-Options, Referrer-Policy and Cross-Origin-Opener-Policy from Django's
SecurityMiddleware; all are configured in config/settings.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Permissions-Policy"


def permissions_policy(policy: Mapping[str, Sequence[str]]) -> str:
    """The header's value: ``camera=(), fullscreen=(self)``; an empty list refuses the feature
    to every origin. ``self`` and ``*`` are written bare, other origins quoted."""

    def origin(value: str) -> str:
        return value if value in ("self", "*") else f'"{value}"'

    return ", ".join(
        f"{feature}=({' '.join(origin(o) for o in origins)})" for feature, origins in policy.items()
    )


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # Settings are fixed for the process; tests that change them rebuild the stack.
        self.value = permissions_policy(getattr(settings, "PERMISSIONS_POLICY", {}))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.value:
            response.headers.setdefault(HEADER, self.value)
        return response

"""The Content-Security-Policy, built in one place for settings.py and for the tests that
configure single sign-on at run time (tests/browser/test_browser_sso.py)."""

from __future__ import annotations

from typing import Any

from csp.constants import NONE, SELF


def content_security_policy(*, sso_origin: str | None) -> dict[str, Any]:
    """Everything from this origin, no inline script or style anywhere (pages set computed
    widths with classes, see readiness_tags.pct), data: images for the authenticator app's QR
    code, never framed, and forms post only here, plus to the single sign-on provider
    (``sso_origin``): allauth's "Sign in with ..." form posts here and is redirected there,
    and browsers hold a form's redirects to form-action too."""
    form_action = [SELF, sso_origin] if sso_origin else [SELF]
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF],
            "style-src": [SELF],
            "img-src": [SELF, "data:"],
            "font-src": [SELF],
            "connect-src": [SELF],
            "object-src": [NONE],
            "base-uri": [SELF],
            "frame-ancestors": [NONE],
            "form-action": form_action,
        },
    }

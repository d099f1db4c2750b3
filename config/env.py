"""Small typed readers for settings from the environment.

Each fails loudly on a value it cannot read, naming the variable, so that a typo in a
deployment stops the process at start-up instead of silently taking a default.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}"
    )


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number; got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, schemes: set[str]) -> str | None:
    """A URL whose scheme is one of ``schemes``, or None when the variable is unset or empty."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in schemes:
        allowed = ", ".join(sorted(schemes))
        raise ImproperlyConfigured(f"{name} must be a URL with scheme {allowed}; got {raw!r}")
    return raw


@dataclass(frozen=True)
class OidcSettings:
    """One OpenID Connect provider for single sign-on (allauth's ``openid_connect``)."""

    provider_id: str
    name: str
    server_url: str
    client_id: str
    client_secret: str

    @property
    def origin(self) -> str:
        """``scheme://host[:port]`` of the provider, for the policy's form-action."""
        parsed = urlparse(self.server_url)
        return f"{parsed.scheme}://{parsed.netloc}"


_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def env_oidc() -> OidcSettings | None:
    """Single sign-on from ``OIDC_SERVER_URL`` and ``OIDC_CLIENT_ID`` (both, or neither: SSO is
    off), with ``OIDC_CLIENT_SECRET`` (empty for a public client, which PKCE protects),
    ``OIDC_PROVIDER_ID`` (in the callback URL; default ``sso``) and ``OIDC_NAME`` (the button
    says "Sign in with <name>"). The issuer must be https, except on this machine (loopback),
    since the ID token's keys are fetched from it."""
    server_url = os.environ.get("OIDC_SERVER_URL", "").strip()
    client_id = os.environ.get("OIDC_CLIENT_ID", "").strip()
    if not server_url and not client_id:
        return None
    missing = [
        n for n, v in (("OIDC_SERVER_URL", server_url), ("OIDC_CLIENT_ID", client_id)) if not v
    ]
    if missing:
        raise ImproperlyConfigured(
            f"Single sign-on needs {' and '.join(missing)} too (or unset every OIDC_ variable)."
        )
    parsed = urlparse(server_url)
    secure = parsed.scheme == "https" or (
        parsed.scheme == "http" and parsed.hostname in _LOOPBACK_HOSTS
    )
    if not secure or not parsed.hostname:
        raise ImproperlyConfigured(
            f"OIDC_SERVER_URL must be an https URL (http only on 127.0.0.1); got {server_url!r}"
        )
    provider_id = os.environ.get("OIDC_PROVIDER_ID", "sso").strip()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,39}", provider_id):
        raise ImproperlyConfigured(
            "OIDC_PROVIDER_ID must be lowercase letters, digits, - or _ (it is part of the "
            f"callback URL); got {provider_id!r}"
        )
    return OidcSettings(
        provider_id=provider_id,
        name=os.environ.get("OIDC_NAME", "").strip() or "single sign-on",
        server_url=server_url.rstrip("/"),
        client_id=client_id,
        client_secret=os.environ.get("OIDC_CLIENT_SECRET", "").strip(),
    )


def env_secret(name: str, *, min_length: int) -> str:
    """A secret, or "" when unset; one that is set but shorter than ``min_length`` is refused."""
    raw = os.environ.get(name, "").strip()
    if raw and len(raw) < min_length:
        raise ImproperlyConfigured(
            f"{name} must be at least {min_length} characters long (got {len(raw)}); "
            f"generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    return raw

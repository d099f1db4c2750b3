"""Organization API tokens: their format, hashing, and the DRF authentication that accepts them.

A token looks like ``rdy_<prefix>_<secret>``: ``prefix`` is 8 random characters that are shown
in lists (not secret), ``secret`` is 32 random bytes. Only the SHA-256 of the whole token is
stored, so a database leak reveals no usable token.

A request with a valid token authenticates as the organization's **machine client**, not as a
person: :class:`MachineClient` is not authenticated in the Django sense (``is_authenticated``
is False), so every endpoint that requires a signed-in user refuses it. Only views that declare
``accepts_api_tokens = True`` (the metrics ingestion endpoint) let a token through at all; any
other view answers with a clear refusal instead of treating the token as anonymous.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from metrics.models import ApiToken

TOKEN_PREFIX = "rdy_"  # noqa: S105  (a label, not a secret)
_PREFIX_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no look-alikes (l, o, 0, 1)
# last_used_at is written at most this often per token, so busy senders do not queue on it.
LAST_USED_RESOLUTION = timedelta(seconds=60)


def new_token() -> tuple[str, str, str]:
    """A fresh token: (the token to show once, its public prefix, the hash to store)."""
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(8))
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return token, prefix, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class MachineClient:
    """The principal of a request made with an API token: an organization's production system.

    Deliberately not a user: ``is_authenticated`` is False so user-only permissions refuse it.
    """

    token: ApiToken
    allowed_use_case_ids: frozenset[int] | None = field(default=None)  # None: every use case

    is_authenticated = False
    is_anonymous = False
    is_active = True
    pk = None

    @property
    def organization_id(self) -> int:
        return self.token.organization_id

    def __str__(self) -> str:
        return f"API token {self.token.name} (rdy_{self.token.prefix}…)"


def authenticate_token(raw: str) -> ApiToken:
    """The active token for ``raw``; raises AuthenticationFailed for a bad or revoked one."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        raise exceptions.AuthenticationFailed("Invalid API token.")
    token = (
        ApiToken.objects.select_related("organization")
        .filter(secret_hash=hash_token(raw))
        .order_by()  # unique hash: no ordering needed
        .first()
    )
    if token is None:
        raise exceptions.AuthenticationFailed("Invalid API token.")
    if token.revoked_at is not None:
        raise exceptions.AuthenticationFailed("This API token was revoked.")
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
        # A conditional UPDATE outside the caller's transaction: concurrent requests with the
        # same token do not wait on each other, and at most one write per minute happens.
        ApiToken.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION),
            pk=token.pk,
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer rdy_…``: the organization's machine client, on opted-in views only."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[MachineClient, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as 'Authorization: Bearer <token>', with nothing else."
            )
        view = (getattr(request, "parser_context", None) or {}).get("view")
        if not getattr(view, "accepts_api_tokens", False):
            raise exceptions.AuthenticationFailed(
                "API tokens are accepted only by the metrics ingestion endpoints; "
                "sign in as a person to use this endpoint."
            )
        try:
            raw = header[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid API token.") from exc
        token = authenticate_token(raw)
        allowed = frozenset(token.use_cases.order_by().values_list("id", flat=True))
        return MachineClient(token=token, allowed_use_case_ids=allowed or None), token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Names the token scheme in the OpenAPI schema."""

    target_class = "metrics.auth.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An organization API token (rdy_…), created by an org admin.",
        }

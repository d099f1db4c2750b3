"""Organization API tokens: their format, hashing, and the DRF authentication that accepts them.

A token looks like ``rdy_<prefix>_<secret>``: ``prefix`` is 8 random characters that are shown
in lists (not secret), ``secret`` is 32 random bytes. Only the SHA-256 of the whole token is
stored, so a database leak reveals no usable token.

A request with a valid token authenticates as the organization's **machine client**, not as a
person: :class:`MachineClient` is not authenticated in the Django sense (``is_authenticated``
is False), so every endpoint that requires a signed-in user refuses it. Only views that declare
``accepts_api_tokens = True`` (metrics ingestion, and the read API of roll-ups and
scorecards) let a token through at all; any
other view answers with a clear refusal instead of treating the token as anonymous.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import orjson
from django.db import connection, models
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from metrics.ingestion.validation import MetricInfo
from metrics.models import ApiToken, MetricDefinition
from readiness.models import Organization, UseCase

TOKEN_PREFIX = "rdy_"  # noqa: S105  (a label, not a secret)
_PREFIX_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no look-alikes (l, o, 0, 1)
# The organization's use-case ids, and its metrics by key.
Scope = tuple[frozenset[int], dict[str, MetricInfo]]
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
    # The organization's use cases and metrics, when read with the token (PostgreSQL: see _scoped_token).
    scope: Scope | None = field(default=None)

    is_authenticated = False
    is_anonymous = False
    is_active = True
    pk = None

    @property
    def organization_id(self) -> int:
        return self.token.organization_id

    def __str__(self) -> str:
        return f"API token {self.token.name} (rdy_{self.token.prefix}…)"


def metric_info(pk: int, kind: str, lo: float | None, hi: float | None) -> MetricInfo:
    """A metric as ingestion checks it: (id, kind, smallest and largest valid value)."""
    return (pk, kind, *_value_range(kind, lo, hi))


@functools.lru_cache(maxsize=1024)
def _value_range(kind: str, lo: float | None, hi: float | None) -> tuple[float, float]:
    """The model's own rule (MetricDefinition.value_range), worked out once per bounds: every
    batch reads every metric of its organization."""
    return MetricDefinition(kind=kind, min_value=lo, max_value=hi).value_range()


@dataclass(frozen=True)
class Authenticated:
    """A valid token, and on PostgreSQL what was read with it (:func:`_scoped_token`)."""

    token: ApiToken
    allowed_use_case_ids: frozenset[int] | None = None  # None: not read (other databases)
    scope: Scope | None = None


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return connection.ops.quote_name(field.column)


@functools.cache
def _scoped_token_sql() -> str:
    """The token, its organization, the token's use cases, the organization's use cases and
    the metrics it sees (built-in and its own) in one statement. Built once per process from
    the models' tables and columns: compiling an equivalent ORM query cost more than the
    round trips it saved."""
    q = connection.ops.quote_name
    through = ApiToken.use_cases.through
    token_org = _column(ApiToken, "organization")
    metric_org = _column(MetricDefinition, "organization")
    metric_row = ", ".join(
        f"m.{_column(MetricDefinition, name)}"
        for name in ("key", "id", "kind", "min_value", "max_value")
    )
    token_columns = ", ".join(f"t.{q(f.column)}" for f in _TOKEN_FIELDS)
    org_columns = ", ".join(f"o.{q(f.column)}" for f in _ORG_FIELDS)
    return (
        f"SELECT {token_columns}, {org_columns},"  # noqa: S608 (names from the models)
        f" ARRAY(SELECT a.{_column(through, 'usecase')} FROM {q(through._meta.db_table)} a"
        f" WHERE a.{_column(through, 'apitoken')} = t.{_column(ApiToken, 'id')}),"
        f" ARRAY(SELECT u.{_column(UseCase, 'id')} FROM {q(UseCase._meta.db_table)} u"
        f" WHERE u.{_column(UseCase, 'organization')} = t.{token_org}),"
        f" ARRAY(SELECT json_build_array({metric_row})::text"
        f" FROM {q(MetricDefinition._meta.db_table)} m"
        f" WHERE m.{metric_org} IS NULL OR m.{metric_org} = t.{token_org})"
        f" FROM {q(ApiToken._meta.db_table)} t"
        f" JOIN {q(Organization._meta.db_table)} o ON o.{_column(Organization, 'id')} = t.{token_org}"
        f" WHERE t.{_column(ApiToken, 'secret_hash')} = %s"
    )


_TOKEN_FIELDS = ApiToken._meta.concrete_fields
_ORG_FIELDS = Organization._meta.concrete_fields


def _scoped_token(secret_hash: str) -> Authenticated | None:
    """PostgreSQL: the token with this hash, and its scope, in one round trip (the instances
    are what ``select_related("organization")`` would give)."""
    with connection.cursor() as cursor:
        cursor.execute(_scoped_token_sql(), [secret_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(_TOKEN_FIELDS)
    end = split + len(_ORG_FIELDS)
    token = ApiToken.from_db(connection.alias, [f.attname for f in _TOKEN_FIELDS], row[:split])
    organization = Organization.from_db(
        connection.alias, [f.attname for f in _ORG_FIELDS], row[split:end]
    )
    # As select_related("organization") leaves it: token.organization needs no query.
    ApiToken.organization.field.set_cached_value(token, organization)
    allowed, use_cases, metrics = row[end:]
    by_key: dict[str, MetricInfo] = {}
    for text in metrics:
        key, pk, kind, lo, hi = orjson.loads(text)
        by_key[key] = metric_info(pk, kind, lo, hi)
    return Authenticated(token, frozenset(allowed), (frozenset(use_cases), by_key))


def _lookup(raw: str) -> Authenticated:
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        raise exceptions.AuthenticationFailed("Invalid API token.")
    secret_hash = hash_token(raw)
    if connection.vendor == "postgresql":
        found = _scoped_token(secret_hash)
    else:
        token = (
            ApiToken.objects.select_related("organization")
            .filter(secret_hash=secret_hash)
            .order_by()  # unique hash: no ordering needed
            .first()
        )
        found = Authenticated(token) if token is not None else None
    if found is None:
        raise exceptions.AuthenticationFailed("Invalid API token.")
    token = found.token
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
    return found


def authenticate_token(raw: str) -> ApiToken:
    """The active token for ``raw``; raises AuthenticationFailed for a bad or revoked one.

    Nothing is cached between requests: a revoked token is refused from the next request on,
    by every process.
    """
    return _lookup(raw).token


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
                "API tokens are accepted only by metrics ingestion and the read API of "
                "roll-ups and scorecards; sign in as a person to use this endpoint."
            )
        try:
            raw = header[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid API token.") from exc
        found = _lookup(raw)
        token = found.token
        if found.allowed_use_case_ids is not None:  # read with the token (PostgreSQL)
            allowed = found.allowed_use_case_ids
        else:
            allowed = frozenset(token.use_cases.order_by().values_list("id", flat=True))
        client = MachineClient(token=token, allowed_use_case_ids=allowed or None, scope=found.scope)
        return client, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Names the token scheme in the OpenAPI schema."""

    target_class = "metrics.ingestion.auth.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An organization API token (rdy_…), created by an org admin.",
        }

"""What every viewset of the API shares: the documented error answers, the scoping to the
caller's organizations, the id filter, and the querysets the plan endpoints have in common."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Count, Prefetch, Q, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request

from readiness.api.serializers import (
    ErrorSerializer,
    GateRefusedSerializer,
    ValidationErrorSerializer,
)
from readiness.models import ChecklistItem, Membership, User, Workstream

# --- Documented error answers (bodies shaped by readiness.api_errors) -------------------------

BAD_REQUEST = OpenApiResponse(
    ValidationErrorSerializer, description="Invalid input, by field. Nothing was saved."
)
BAD_FILTER = OpenApiResponse(ValidationErrorSerializer, description="Invalid filter value.")
FORBIDDEN = OpenApiResponse(
    ErrorSerializer,
    description="Not signed in, or your role in the organization may not do this.",
)
NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="No such object in the organizations you belong to."
)
GATE_REFUSED = OpenApiResponse(
    GateRefusedSerializer,
    description=(
        "The gate is shut: `blockers` lists everything missing. Also answered, with no "
        "blockers, when the use case is no longer in `expected_phase` or has no next gate."
    ),
)
READ_ERRORS = {403: FORBIDDEN, 404: NOT_FOUND}
WRITE_ERRORS = {400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND}


def member_org_ids(user: Any) -> QuerySet[Membership, Any]:
    """The ids of the user's organizations, as a subquery for ``organization__in``."""
    return Membership.objects.filter(user=user).values("organization_id")


def actor(request: Request) -> User:
    """The signed-in user; every view here requires authentication (DRF's IsAuthenticated)."""
    return cast(User, request.user)


class StableOrderingFilter(OrderingFilter):
    """``?ordering=`` with the primary key as the last tie-breaker, so pages never overlap."""

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        ordering = super().get_ordering(request, queryset, view)
        return [*ordering, "pk"] if ordering else ordering


# Ids are PostgreSQL bigints (BigAutoField): 1 to 2**63 - 1.
MAX_ID = 2**63 - 1
ID_MESSAGE = f"An id is a whole number from 1 to {MAX_ID}."


def check_path_ids(kwargs: dict[str, Any], also: str | None = None) -> None:
    """400 naming the path parameter when an id in the path (``pk``, ``<thing>_pk``) is not a
    whole number in the range of ids, rather than a 404 that reads like a missing object or a
    database error on an out-of-range number."""
    bad = {
        # The router's ``pk`` is ``{id}`` in the schema: named as the client knows it.
        ("id" if name == "pk" else name): [ID_MESSAGE]
        for name, value in kwargs.items()
        if (name == "pk" or name.endswith("_pk") or name == also)
        and not (
            isinstance(value, int)
            or (
                value.isascii()
                and value.isdigit()
                and len(value) <= 19
                and 0 < int(value) <= MAX_ID
            )
        )
    }
    if bad:
        raise ValidationError(bad)


class PathIdsMixin:
    """For viewsets and API views: ids in the path are checked (:func:`check_path_ids`) once
    the caller is authenticated and allowed, before any lookup."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        check_path_ids(kwargs, also=getattr(self, "lookup_url_kwarg", None))


class ScopedViewSet(PathIdsMixin, viewsets.GenericViewSet):
    """Base for the API's viewsets: ``scoped_queryset`` sees only the user's organizations."""

    model: type[Any]

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return self.model.objects.none()
        return self.scoped_queryset(member_org_ids(self.request.user))

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[Any]:
        raise NotImplementedError

    def fresh(self, pk: int) -> Any:
        """The object again, as the read endpoints show it (after a service changed it)."""
        return self.scoped_queryset(member_org_ids(self.request.user)).get(pk=pk)


class IdFormField(forms.IntegerField):
    """A whole number in the range of ids: ``0.5``, ``null`` or ``1e99`` answer 400."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """An id in the query string. No existence check, so other tenants' ids reveal nothing."""

    field_class = IdFormField


class StrictBooleanFormField(forms.Field):
    """``true``/``false`` (or ``1``/``0``); django-filter's default reads anything else, ``null``
    included, as "no filter", so a typo silently returned every row."""

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        text = str(value).lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError("Give true or false.", code="invalid")


class BooleanFilter(filters.BooleanFilter):
    """A boolean in the query string: 400 for anything but true, false, 1 or 0."""

    field_class = StrictBooleanFormField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The raw text reaches the field (django-filter's BooleanWidget maps "null" to None).
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


def query_id(request: Request, name: str) -> int | None:
    """An optional id in the query string, for views that read it by hand; 400 naming it when
    it is not a whole number in the range of ids."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19 and 0 < int(raw) <= MAX_ID):
        raise ValidationError({name: [ID_MESSAGE]})
    return int(raw)


def workstreams_with_progress() -> QuerySet[Workstream]:
    return (
        Workstream.objects.select_related("owner")
        .annotate(
            items_total=Count("items"),
            items_done=Count("items", filter=Q(items__done=True)),
        )
        .order_by("number")
    )


def exit_criteria() -> Prefetch:
    return Prefetch(
        "exit_criteria",
        queryset=ChecklistItem.objects.select_related("done_by", "owner").order_by(
            "position", "id"
        ),
    )

"""ETags and ``If-Match`` for every API resource a person edits (issue 10: no lost updates).

A versioned resource's detail answers carry ``ETag: "<version>"`` (the row's ``version``). A
write (PATCH, PUT, DELETE, or the POST that replaces a resource's content) may send
``If-Match`` with that ETag; the service compares it with the row it locked and a stale one
answers 412 with what changed since, saving nothing. Without ``If-Match`` the write goes
through as before, unless ``API_REQUIRE_IF_MATCH`` is on (428). ``If-Match: *`` matches any
version. The logic is here once: a viewset mixes in :class:`VersionedMixin` and passes
``self.expected_version()`` to its service; :func:`versioned_write` documents the header and
the answers in the OpenAPI schema.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from readiness.api.serializers import ErrorSerializer, StaleVersionSerializer

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,10})"?\s*$')

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        'The ETag of your last GET of this resource, e.g. `"3"`. When the resource changed '
        "since, the write answers 412 and saves nothing. Without it the write goes through "
        "(unless the server requires it: 428). `*` matches any version."
    ),
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201, 412],
    description='The version of the resource, e.g. `"3"`: send it back in `If-Match`.',
)
PRECONDITION_FAILED = OpenApiResponse(
    StaleVersionSerializer,
    description=(
        "The resource changed since the ETag sent in If-Match: the body names the current "
        "version and what changed, by whom and when. Nothing was saved."
    ),
)
PRECONDITION_REQUIRED = OpenApiResponse(
    ErrorSerializer,
    description="This server requires If-Match on writes (API_REQUIRE_IF_MATCH).",
)


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = (
        "Send If-Match with the ETag of your last GET of this resource; this server refuses "
        "writes without it."
    )
    default_code = "precondition_required"


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(request: Request) -> int | None:
    """The version in ``If-Match``; None when absent or ``*``. 400 naming the header when it is
    not one of our ETags; 428 when absent and the server requires it."""
    value = request.headers.get("If-Match")
    if value is None or not value.strip():
        if settings.API_REQUIRE_IF_MATCH:
            raise PreconditionRequired()
        return None
    if value.strip() == "*":
        return None
    match = _ETAG.match(value)
    if match is None:
        raise ValidationError(
            {"If-Match": [f'Send the ETag of your last GET, e.g. "3"; got {value!r}.']}
        )
    return int(match.group(1))


def versioned_write(**kwargs: Any) -> Any:
    """``extend_schema`` for a versioned write: If-Match documented, 412 (and 428) added, and
    the ETag of the answer."""
    responses = dict(kwargs.pop("responses", {}))
    responses.setdefault(412, PRECONDITION_FAILED)
    responses.setdefault(428, PRECONDITION_REQUIRED)
    parameters = [*kwargs.pop("parameters", []), IF_MATCH, ETAG]
    return extend_schema(responses=responses, parameters=parameters, **kwargs)


def versioned_read(**kwargs: Any) -> Any:
    """``extend_schema`` for a versioned resource's GET: the ETag header of the answer."""
    parameters = [*kwargs.pop("parameters", []), ETAG]
    return extend_schema(parameters=parameters, **kwargs)


class VersionedMixin(viewsets.GenericViewSet):
    """For a viewset whose detail answers show a versioned row: sets ``ETag`` on them and
    reads ``If-Match`` for the services (:meth:`expected_version`). Put it first in the bases."""

    def expected_version(self) -> int | None:
        return parse_if_match(self.request)

    def etag_version(self, data: Any) -> int | None:
        """The version a detail answer shows; override for a resource shaped otherwise."""
        if isinstance(data, dict) and isinstance(data.get("version"), int):
            return int(data["version"])
        return None

    def finalize_response(
        self, request: Request, response: Any, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            isinstance(response, Response)
            and 200 <= response.status_code < 300
            and not response.has_header("ETag")
        ):
            version = self.etag_version(response.data)
            if version is not None:
                response["ETag"] = etag(version)
        return response

"""DRF exception handler: domain errors become the answers the API promises."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from readiness.errors import Conflict, GateRefused, StaleVersion


def validation_detail(error: DjangoValidationError) -> dict[str, Any]:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [
                str(m) for e in errs for m in e.messages
            ]
            for field, errs in error.error_dict.items()
        }
    return {"non_field_errors": list(error.messages)}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, GateRefused):
        return Response(
            {
                "detail": f"The gate to {exc.target} is shut: {len(exc.blockers)} blocker(s).",
                "target": exc.target,
                "blockers": [b.as_dict() for b in exc.blockers],
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, StaleVersion):
        return Response(
            {
                "detail": exc.message(),
                "current_version": exc.current,
                "your_version": exc.expected,
                "changed_fields": exc.changed_fields,
                "changed_by": exc.changed_by,
                "changed_at": exc.changed_at,
            },
            status=status.HTTP_412_PRECONDITION_FAILED,
            headers={"ETag": f'"{exc.current}"'},
        )
    if isinstance(exc, Conflict):
        return Response({"detail": str(exc), "blockers": []}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        return Response(validation_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoPermissionDenied):
        return Response(
            {"detail": str(exc) or "You do not have permission."}, status=status.HTTP_403_FORBIDDEN
        )
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {"detail": "The body is larger than the server accepts."},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    return drf_exception_handler(exc, context)

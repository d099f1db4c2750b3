"""``POST /api/v1/metrics/samples/``: production systems send samples with their organization's
API token (``Authorization: Bearer rdy_…``) and nothing else. It is the only endpoint that
accepts a token. It reads the raw body and hands it to the fast path in :mod:`metrics.ingestion`.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from metrics import services
from metrics.ingestion.auth import ApiTokenAuthentication, MachineClient
from metrics.ingestion.validation import BatchRefused, batch_error, max_batch, parse_batch
from metrics.serializers import BatchErrorSerializer, IngestResultSerializer, SampleSerializer
from readiness.api.serializers import ErrorSerializer

UNAUTHORIZED = OpenApiResponse(
    ErrorSerializer, description="No token, an unknown token or a revoked one."
)


class HasApiToken(permissions.BasePermission):
    """The request came with a valid organization API token."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.user, MachineClient)


def max_body_bytes() -> int:
    return int(getattr(settings, "METRICS_INGEST_MAX_BYTES", 16 * 1024 * 1024))


@extend_schema(tags=["metrics"])
class SampleIngestView(APIView):
    """Production systems send samples here with their organization's API token."""

    accepts_api_tokens = True
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [HasApiToken]

    @extend_schema(
        summary="Send a batch of metric samples",
        description=(
            f"A JSON list of at most {10_000:,} samples. The whole batch is checked first: if "
            "any sample is bad, the batch is refused with every sample's errors (by its index "
            "in the list) and **nothing is stored**.\n\n"
            "**Every sample needs a `client_id`** (your id for it, e.g. the request id): it is "
            "what makes a retry safe. A sample whose use case, metric and `client_id` were "
            "already stored with the same timestamp and value is skipped and counted in "
            "`duplicates`, so a retried batch stores nothing twice. A resend under a stored "
            "key with **another** timestamp or value is not counted either: the batch is "
            "refused with 409, naming the row. To **correct** a stored sample, send it again "
            'with the same key and `"replace": true`: the stored sample is replaced (counted '
            "in `replaced`, audited) and the roll-ups of the periods it left and entered are "
            "recomputed.\n\n"
            "**The key is unique within a month**: raw samples are stored by calendar month "
            "(UTC) of their timestamp, and the key is checked within the sample's month. A "
            "resend whose timestamp moved to **another month** is not recognized: it is stored "
            'as a new sample. A correction (`"replace": true`) finds the key in any month and '
            "moves the sample.\n\n"
            "**How far back**: a timestamp may be up to `METRICS_MAX_AGE_DAYS` old, or the "
            "retention of raw samples (`METRICS_SAMPLE_RETENTION_DAYS`) when that is shorter; an "
            "older one is refused with its row named.\n\n"
            "**Valid values**: finite, inside the metric's range (`min_value` to `max_value` "
            "in the catalog; e.g. `latency_ms` 0 to 86,400,000), counts whole and not "
            "negative, and never larger than 1e15 in size. Rates are sent as `numerator` "
            "(successes) and `denominator` (trials, at least 1), never as a percentage.\n\n"
            "Needs an organization API token (`Authorization: Bearer rdy_…`); a token limited "
            "to some use cases may write only to those."
        ),
        request=SampleSerializer(many=True),
        responses={
            201: IngestResultSerializer,
            400: OpenApiResponse(BatchErrorSerializer, description="Refused; nothing stored."),
            409: OpenApiResponse(
                BatchErrorSerializer,
                description="A row resends a stored key with another timestamp or value and no "
                '"replace": true; nothing stored.',
            ),
            401: UNAUTHORIZED,
            403: OpenApiResponse(
                ErrorSerializer, description="A person's session instead of a token."
            ),
            413: OpenApiResponse(
                BatchErrorSerializer, description="Too many samples, or a body too large."
            ),
        },
        examples=[
            OpenApiExample(
                "A measured value",
                request_only=True,
                value={
                    "use_case": 12,
                    "metric": "latency_ms",
                    "timestamp": "2026-03-01T09:30:00Z",
                    "value": 840.5,
                    "client_id": "req-7f3a",
                },
            ),
            OpenApiExample(
                "A rate, as successes over trials",
                request_only=True,
                value={
                    "use_case": 12,
                    "metric": "acceptance_rate",
                    "timestamp": "2026-03-01T09:00:00Z",
                    "numerator": 41,
                    "denominator": 50,
                    "client_id": "hour-2026-03-01T09",
                },
            ),
            OpenApiExample(
                "A correction of a stored sample",
                request_only=True,
                value={
                    "use_case": 12,
                    "metric": "latency_ms",
                    "timestamp": "2026-03-01T09:30:00Z",
                    "value": 804.5,
                    "client_id": "req-7f3a",
                    "replace": True,
                },
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        client = cast(MachineClient, request.user)
        try:
            samples = parse_batch(self._body(request))
            result = services.samples_ingest(
                actor=client,
                organization=client.token.organization,
                samples=samples,
                require_client_id=True,
            )
        except BatchRefused as refused:
            return Response({"errors": refused.errors}, status=refused.status)
        return Response(result.as_dict(), status=status.HTTP_201_CREATED)

    def _body(self, request: Request) -> bytes:
        """The raw body, refused over the size limit before it is read."""
        limit = max_body_bytes()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            raise batch_error(
                f"The body is larger than {limit // (1024 * 1024)} MB; send at most "
                f"{max_batch():,} samples per batch.",
                status=413,
            )
        stream = request.stream
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise batch_error(f"The body is larger than {limit // (1024 * 1024)} MB.", status=413)
        return body

"""Governance checklists, their items, evidence and sign-offs under ``/api/v1/governance/``."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from governance import access as gaccess
from governance import services
from governance.api.common import LIST_ERRORS
from governance.models import Checklist, ControlArea, Evidence, GovernanceItem, ItemStatus, SignOff
from governance.serializers import (
    ChecklistApplySerializer,
    ChecklistSerializer,
    EvidenceSerializer,
    EvidenceWriteSerializer,
    ItemSerializer,
    ItemUpdateSerializer,
    NotApplicableSerializer,
    SignOffSerializer,
    SignOffWriteSerializer,
)
from readiness import access
from readiness.api import (
    FORBIDDEN,
    NOT_FOUND,
    READ_ERRORS,
    WRITE_ERRORS,
    IdFilter,
    ScopedViewSet,
    VersionedMixin,
    actor,
    versioned_read,
    versioned_write,
)
from readiness.api.serializers import GateRefusedSerializer
from readiness.api_parsers import FormParser, JSONParser, MultiPartParser
from readiness.models import Perm

CONFLICT = OpenApiResponse(
    GateRefusedSerializer,
    description="The item changed meanwhile (another reviewer decided it first); `blockers` is empty.",
)


def _items() -> QuerySet[GovernanceItem]:
    return (
        GovernanceItem.objects.select_related("checklist", "assigned_reviewer", "decided_by")
        .prefetch_related("controls")
        .order_by("checklist_id", "gate_phase", "position", "pk")
    )


class ChecklistFilter(filters.FilterSet):
    use_case = IdFilter(field_name="use_case_id", help_text="Id of a use case.")

    class Meta:
        model = Checklist
        fields = ("use_case",)


@extend_schema_view(
    list=extend_schema(
        summary="Governance checklists of your use cases",
        responses={200: ChecklistSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One checklist with its items", responses={200: ChecklistSerializer, **READ_ERRORS}
    ),
)
@extend_schema(tags=["governance"])
class ChecklistViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Checklist
    serializer_class = ChecklistSerializer
    filterset_class = ChecklistFilter

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[Checklist]:
        return (
            Checklist.objects.filter(use_case__organization__in=org_ids)
            .select_related("applied_by")
            .prefetch_related(Prefetch("items", queryset=_items()))
            .order_by("pk")
        )

    @extend_schema(
        summary="Apply a template to a use case",
        description="Copies the template's items onto the use case. Admins, program managers "
        "and reviewers.",
        request=ChecklistApplySerializer,
        responses={201: ChecklistSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        serializer = ChecklistApplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        use_case = access.access_use_case(
            request.user, serializer.validated_data["use_case"], perm=Perm.GOVERN
        )
        template = gaccess.access_template(request.user, serializer.validated_data["template"])
        checklist = services.checklist_apply(
            actor=actor(request), use_case=use_case, template=template
        )
        return Response(ChecklistSerializer(self.fresh(checklist.pk)).data, status=201)


class ItemFilter(filters.FilterSet):
    use_case = IdFilter(field_name="checklist__use_case_id", help_text="Id of a use case.")
    checklist = IdFilter(field_name="checklist_id", help_text="Id of a checklist.")
    status = filters.ChoiceFilter(choices=ItemStatus.choices)
    area = filters.ChoiceFilter(choices=ControlArea.choices)
    gate_phase = filters.TypedChoiceFilter(
        choices=[(n, str(n)) for n in (1, 2, 3)], coerce=int, help_text="1, 2 or 3."
    )

    class Meta:
        model = GovernanceItem
        fields = ("use_case", "checklist", "status", "area", "gate_phase")


@extend_schema_view(
    list=extend_schema(
        summary="Governance checklist items",
        description="`?status=submitted` lists what awaits review, oldest first by `submitted_at` "
        "when ordered by the client.",
        responses={200: ItemSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=versioned_read(summary="One item", responses={200: ItemSerializer, **READ_ERRORS}),
)
@extend_schema(tags=["governance"])
class ItemViewSet(VersionedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = GovernanceItem
    serializer_class = ItemSerializer
    filterset_class = ItemFilter

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[GovernanceItem]:
        return _items().filter(checklist__use_case__organization__in=org_ids)

    @versioned_write(
        summary="Assign a reviewer and a due date",
        request=ItemUpdateSerializer,
        responses={200: ItemSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        item = gaccess.access_item(request.user, pk, perm=Perm.GOVERN)
        serializer = ItemUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.item_assign(
            actor=actor(request),
            item=item,
            assigned_reviewer=data.get("assigned_reviewer", item.assigned_reviewer),
            due_date=data.get("due_date", item.due_date),
            expected_version=self.expected_version(),
        )
        return Response(ItemSerializer(self.fresh(item.pk)).data)

    @extend_schema(
        summary="Approve or reject an item awaiting review",
        description="Governance reviewers (and org admins where the organization allows). Nobody "
        "signs off evidence they submitted (403). Of two concurrent sign-offs one wins; the "
        "other answers 409.",
        request=SignOffWriteSerializer,
        responses={201: SignOffSerializer, **WRITE_ERRORS, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request: Request, pk: str) -> Response:
        item = gaccess.access_item(request.user, pk, perm=Perm.SIGN_OFF)
        serializer = SignOffWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sign_off = services.item_sign_off(
            actor=actor(request), item=item, **serializer.validated_data
        )
        return Response(SignOffSerializer(sign_off).data, status=201)

    @extend_schema(
        summary="Mark an item not applicable, with the reason (reviewers)",
        request=NotApplicableSerializer,
        responses={200: ItemSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="not-applicable")
    def not_applicable(self, request: Request, pk: str) -> Response:
        item = gaccess.access_item(request.user, pk, perm=Perm.SIGN_OFF)
        serializer = NotApplicableSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.item_mark_not_applicable(
            actor=actor(request), item=item, reason=serializer.validated_data["reason"]
        )
        return Response(ItemSerializer(self.fresh(item.pk)).data)

    @extend_schema(
        methods=["GET"],
        summary="The item's evidence, newest first",
        responses={200: EvidenceSerializer(many=True), **READ_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        summary="Submit evidence (text, link or a file as multipart)",
        description="Program managers and org admins. Files: size and type checked; stored "
        "outside the web root and downloadable by members only.",
        request={
            "multipart/form-data": EvidenceWriteSerializer,
            "application/json": EvidenceWriteSerializer,
        },
        responses={201: EvidenceSerializer, **WRITE_ERRORS},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser, JSONParser],
        pagination_class=None,  # the whole list, as the schema says
    )
    def evidence(self, request: Request, pk: str) -> Response:
        if request.method == "POST":
            item = gaccess.access_item(request.user, pk, perm=Perm.EDIT)
            serializer = EvidenceWriteSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            evidence = services.evidence_submit(
                actor=actor(request),
                item=item,
                kind=data["kind"],
                text=data.get("text", ""),
                url=data.get("url", ""),
                upload=data.get("file"),
                effective_date=data.get("effective_date"),
                expires_on=data.get("expires_on"),
            )
            return Response(EvidenceSerializer(_evidence().get(pk=evidence.pk)).data, status=201)
        item = self.get_object()
        rows = _evidence().filter(item=item)
        return Response(EvidenceSerializer(rows, many=True).data)


def _evidence() -> QuerySet[Evidence]:
    return Evidence.objects.select_related(
        "submitted_by", "item__checklist__use_case__organization"
    ).order_by("-submitted_at", "-pk")


class EvidenceFilter(filters.FilterSet):
    item = IdFilter(field_name="item_id", help_text="Id of a checklist item.")

    class Meta:
        model = Evidence
        fields = ("item",)


@extend_schema_view(
    list=extend_schema(
        summary="Evidence", responses={200: EvidenceSerializer(many=True), **LIST_ERRORS}
    ),
    retrieve=extend_schema(
        summary="One piece of evidence", responses={200: EvidenceSerializer, **READ_ERRORS}
    ),
)
@extend_schema(tags=["governance"])
class EvidenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Evidence
    serializer_class = EvidenceSerializer
    filterset_class = EvidenceFilter

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[Evidence]:
        return _evidence().filter(item__checklist__use_case__organization__in=org_ids)

    @extend_schema(
        summary="Withdraw evidence (it stays on record); an approved item goes back to review",
        request=None,
        responses={200: EvidenceSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        evidence = gaccess.access_evidence(request.user, pk, perm=Perm.EDIT)
        services.evidence_withdraw(actor=actor(request), evidence=evidence)
        return Response(EvidenceSerializer(self.fresh(evidence.pk)).data)


class SignOffFilter(filters.FilterSet):
    item = IdFilter(field_name="item_id", help_text="Id of a checklist item.")
    use_case = IdFilter(field_name="item__checklist__use_case_id", help_text="Id of a use case.")

    class Meta:
        model = SignOff
        fields = ("item", "use_case")


@extend_schema_view(
    list=extend_schema(
        summary="Sign-offs, newest first, each with the evidence as it stood",
        responses={200: SignOffSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One sign-off", responses={200: SignOffSerializer, **READ_ERRORS}
    ),
)
@extend_schema(tags=["governance"])
class SignOffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = SignOff
    serializer_class = SignOffSerializer
    filterset_class = SignOffFilter

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[SignOff]:
        return (
            SignOff.objects.filter(item__checklist__use_case__organization__in=org_ids)
            .select_related("reviewer")
            .order_by("-created_at", "-pk")
        )

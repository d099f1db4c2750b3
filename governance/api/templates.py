"""Checklist templates under ``/api/v1/governance/templates/`` and their items under
``/api/v1/governance/template-items/`` (org admins edit their organization's own)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from governance import access as gaccess
from governance import services
from governance.api.common import organization_for
from governance.models import ChecklistTemplate, FrameworkControl, TemplateItem
from governance.serializers import (
    ChecklistTemplateSerializer,
    TemplateCopySerializer,
    TemplateItemSerializer,
    TemplateItemUpdateSerializer,
    TemplateItemWriteSerializer,
)
from readiness.api import (
    FORBIDDEN,
    NOT_FOUND,
    READ_ERRORS,
    WRITE_ERRORS,
    ScopedViewSet,
    VersionedMixin,
    actor,
    versioned_write,
)
from readiness.models import Perm


def _controls(organization_id: int, ids: list[int]) -> list[FrameworkControl]:
    found = list(
        FrameworkControl.objects.filter(
            Q(organization_id=organization_id) | Q(organization__isnull=True), pk__in=ids
        )
    )
    if len(found) != len(set(ids)):
        from django.core.exceptions import ValidationError

        raise ValidationError({"controls": "Unknown framework control."})
    return found


@extend_schema_view(
    list=extend_schema(
        summary="Checklist templates: built-in ones and your organizations' own",
        responses={200: ChecklistTemplateSerializer(many=True), 403: FORBIDDEN},
    ),
    retrieve=extend_schema(
        summary="One template with its items",
        responses={200: ChecklistTemplateSerializer, **READ_ERRORS},
    ),
)
@extend_schema(tags=["governance"])
class TemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = ChecklistTemplate
    serializer_class = ChecklistTemplateSerializer
    filter_backends: list[Any] = []

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[ChecklistTemplate]:
        items = TemplateItem.objects.prefetch_related("controls").order_by(
            "gate_phase", "position", "pk"
        )
        return (
            ChecklistTemplate.objects.filter(
                Q(organization__in=org_ids) | Q(organization__isnull=True)
            )
            .select_related("organization")
            .prefetch_related(Prefetch("items", queryset=items))
            .order_by("pk")
        )

    @extend_schema(
        summary="Copy a template into your organization (org admins)",
        request=TemplateCopySerializer,
        responses={201: ChecklistTemplateSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def copy(self, request: Request, pk: str) -> Response:
        template = self.get_object()
        serializer = TemplateCopySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = organization_for(
            request, serializer.validated_data["organization"], Perm.ADMINISTER
        )
        copy = services.template_copy(
            actor=actor(request),
            organization=organization,
            template=template,
            name=serializer.validated_data["name"],
        )
        return Response(ChecklistTemplateSerializer(self.fresh(copy.pk)).data, status=201)


@extend_schema(tags=["governance"])
class TemplateItemViewSet(VersionedMixin, ScopedViewSet):
    """Items of your organization's templates (org admins). Built-in templates are read-only."""

    model = TemplateItem
    serializer_class = TemplateItemSerializer

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[TemplateItem]:
        return TemplateItem.objects.filter(template__organization__in=org_ids)

    @extend_schema(
        summary="Add an item to a template",
        request=TemplateItemWriteSerializer,
        responses={201: TemplateItemSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        template_id = request.data.get("template") if hasattr(request.data, "get") else None
        template = gaccess.access_template(request.user, template_id, perm=Perm.ADMINISTER)
        serializer = TemplateItemWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("template")
        assert template.organization_id is not None
        controls = _controls(template.organization_id, fields.pop("controls", []))
        item = services.template_item_save(
            actor=actor(request), template=template, controls=controls, **fields
        )
        return Response(TemplateItemSerializer(item).data, status=201)

    @versioned_write(
        summary="Change a template item (checklists already applied keep their copy)",
        request=TemplateItemUpdateSerializer,
        responses={200: TemplateItemSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        item = gaccess.access_template_item(request.user, pk, perm=Perm.ADMINISTER)
        serializer = TemplateItemUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        assert item.template.organization_id is not None
        controls = (
            _controls(item.template.organization_id, fields.pop("controls"))
            if "controls" in fields
            else None
        )
        item = services.template_item_save(
            actor=actor(request),
            template=item.template,
            item=item,
            controls=controls,
            expected_version=self.expected_version(),
            **fields,
        )
        return Response(TemplateItemSerializer(item).data)

    @versioned_write(
        summary="Remove an item from a template",
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def destroy(self, request: Request, pk: str) -> Response:
        item = gaccess.access_template_item(request.user, pk, perm=Perm.ADMINISTER)
        services.template_item_delete(
            actor=actor(request), item=item, expected_version=self.expected_version()
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

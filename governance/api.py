"""The governance REST API under ``/api/v1/governance/``: a thin layer over governance's access
functions, services and selectors, in the same shape as :mod:`readiness.api`.

Reads are scoped to the caller's organizations (another tenant's objects answer 404); writes
look the object up through :mod:`governance.access` with the action's rule (404, then 403) and
call one service, whose errors :mod:`readiness.api_errors` turns into 400, 403 and 409.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from governance import access as gaccess
from governance import services
from governance.models import (
    ApprovedModel,
    Checklist,
    ChecklistTemplate,
    ControlArea,
    Evidence,
    FrameworkControl,
    GovernanceItem,
    Incident,
    IncidentStatus,
    ItemStatus,
    Severity,
    SignOff,
    TemplateItem,
    UseCasePolicy,
)
from governance.serializers import (
    ApprovedModelSerializer,
    ApprovedModelUpdateSerializer,
    ApprovedModelWriteSerializer,
    ChecklistApplySerializer,
    ChecklistSerializer,
    ChecklistTemplateSerializer,
    EvidenceSerializer,
    EvidenceWriteSerializer,
    IncidentCreateSerializer,
    IncidentNoteSerializer,
    IncidentReviewSerializer,
    IncidentSerializer,
    ItemSerializer,
    ItemUpdateSerializer,
    NotApplicableSerializer,
    PolicySerializer,
    SignOffSerializer,
    SignOffWriteSerializer,
    TemplateCopySerializer,
    TemplateItemSerializer,
    TemplateItemUpdateSerializer,
    TemplateItemWriteSerializer,
)
from readiness import access
from readiness.api import (
    BAD_FILTER,
    FORBIDDEN,
    NOT_FOUND,
    READ_ERRORS,
    WRITE_ERRORS,
    IdFilter,
    ScopedViewSet,
    actor,
)
from readiness.serializers import GateRefusedSerializer

CONFLICT = OpenApiResponse(
    GateRefusedSerializer,
    description="The item changed meanwhile (another reviewer decided it first); `blockers` is empty.",
)
LIST_ERRORS = {400: BAD_FILTER, 403: FORBIDDEN}


def _organization(request: Request, slug: Any, action_name: str) -> Any:
    membership = access.membership_for(request.user, str(slug or ""))
    gaccess.require(request.user, membership.organization_id, action_name)
    return membership.organization


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


# --- Templates --------------------------------------------------------------------------------


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
        organization = _organization(
            request, serializer.validated_data["organization"], gaccess.ADMIN
        )
        copy = services.template_copy(
            actor=actor(request),
            organization=organization,
            template=template,
            name=serializer.validated_data["name"],
        )
        return Response(ChecklistTemplateSerializer(self.fresh(copy.pk)).data, status=201)


@extend_schema(tags=["governance"])
class TemplateItemViewSet(ScopedViewSet):
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
        template = gaccess.access_template(request.user, template_id, action=gaccess.ADMIN)
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

    @extend_schema(
        summary="Change a template item (checklists already applied keep their copy)",
        request=TemplateItemUpdateSerializer,
        responses={200: TemplateItemSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        item = gaccess.access_template_item(request.user, pk, action=gaccess.ADMIN)
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
            actor=actor(request), template=item.template, item=item, controls=controls, **fields
        )
        return Response(TemplateItemSerializer(item).data)

    @extend_schema(
        summary="Remove an item from a template",
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def destroy(self, request: Request, pk: str) -> Response:
        item = gaccess.access_template_item(request.user, pk, action=gaccess.ADMIN)
        services.template_item_delete(actor=actor(request), item=item)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Checklists and items ---------------------------------------------------------------------


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
        use_case = access.access_use_case(request.user, serializer.validated_data["use_case"])
        gaccess.require(request.user, use_case.organization_id, gaccess.GOVERN)
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
    retrieve=extend_schema(summary="One item", responses={200: ItemSerializer, **READ_ERRORS}),
)
@extend_schema(tags=["governance"])
class ItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = GovernanceItem
    serializer_class = ItemSerializer
    filterset_class = ItemFilter

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[GovernanceItem]:
        return _items().filter(checklist__use_case__organization__in=org_ids)

    @extend_schema(
        summary="Assign a reviewer and a due date",
        request=ItemUpdateSerializer,
        responses={200: ItemSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        item = gaccess.access_item(request.user, pk, action=gaccess.GOVERN)
        serializer = ItemUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.item_assign(
            actor=actor(request),
            item=item,
            assigned_reviewer=data.get("assigned_reviewer", item.assigned_reviewer),
            due_date=data.get("due_date", item.due_date),
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
        item = gaccess.access_item(request.user, pk, action=gaccess.SIGN_OFF)
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
        item = gaccess.access_item(request.user, pk, action=gaccess.SIGN_OFF)
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
    )
    def evidence(self, request: Request, pk: str) -> Response:
        if request.method == "POST":
            item = gaccess.access_item(request.user, pk, action=gaccess.SUBMIT)
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
        evidence = gaccess.access_evidence(request.user, pk, action=gaccess.SUBMIT)
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


# --- Registry ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Approved models and providers",
        responses={200: ApprovedModelSerializer(many=True), 403: FORBIDDEN},
    ),
    retrieve=extend_schema(
        summary="One registry entry", responses={200: ApprovedModelSerializer, **READ_ERRORS}
    ),
)
@extend_schema(tags=["governance"])
class RegistryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = ApprovedModel
    serializer_class = ApprovedModelSerializer
    filter_backends: list[Any] = []

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[ApprovedModel]:
        return (
            ApprovedModel.objects.filter(organization__in=org_ids)
            .select_related("organization")
            .order_by("pk")
        )

    @extend_schema(
        summary="Approve a model (reviewers and org admins)",
        request=ApprovedModelWriteSerializer,
        responses={201: ApprovedModelSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        slug = request.data.get("organization") if hasattr(request.data, "get") else None
        organization = _organization(request, slug, gaccess.REGISTRY)
        serializer = ApprovedModelWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("organization")
        entry = services.approved_model_save(
            actor=actor(request), organization=organization, **fields
        )
        return Response(ApprovedModelSerializer(self.fresh(entry.pk)).data, status=201)

    @extend_schema(
        summary="Change a registry entry (renew, restrict, expire)",
        request=ApprovedModelUpdateSerializer,
        responses={200: ApprovedModelSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        entry = gaccess.access_approved_model(request.user, pk, action=gaccess.REGISTRY)
        serializer = ApprovedModelUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.approved_model_save(
            actor=actor(request),
            organization=entry.organization,
            entry=entry,
            **serializer.validated_data,
        )
        return Response(ApprovedModelSerializer(self.fresh(entry.pk)).data)


# --- Policies ---------------------------------------------------------------------------------


@extend_schema(tags=["governance"])
class PolicyViewSet(ScopedViewSet):
    """A use case's governance policy, addressed by the use case's id."""

    model = UseCasePolicy
    serializer_class = PolicySerializer
    lookup_url_kwarg = "use_case"
    lookup_value_regex = "[0-9]+"

    @extend_schema(
        summary="The governance policy of a use case (empty defaults if none yet)",
        responses={200: PolicySerializer, **READ_ERRORS},
    )
    def retrieve(self, request: Request, use_case: str) -> Response:
        uc = access.access_use_case(request.user, use_case)
        policy = UseCasePolicy.objects.filter(use_case=uc).first() or UseCasePolicy(use_case=uc)
        return Response(PolicySerializer(policy).data)

    @extend_schema(
        summary="Change the policy (program managers and org admins)",
        description="Changing the model after a gate passed sends that gate back to review.",
        request=PolicySerializer,
        responses={200: PolicySerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, use_case: str) -> Response:
        uc = access.access_use_case(request.user, use_case)
        gaccess.require(request.user, uc.organization_id, gaccess.SUBMIT)
        serializer = PolicySerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        policy = services.policy_update(
            actor=actor(request), use_case=uc, **serializer.validated_data
        )
        return Response(PolicySerializer(policy).data)


# --- Incidents --------------------------------------------------------------------------------


class IncidentFilter(filters.FilterSet):
    use_case = IdFilter(field_name="use_case_id", help_text="Id of a use case.")
    status = filters.ChoiceFilter(choices=IncidentStatus.choices)
    severity = filters.ChoiceFilter(choices=Severity.choices)

    class Meta:
        model = Incident
        fields = ("use_case", "status", "severity")


@extend_schema_view(
    list=extend_schema(
        summary="Incidents, newest first",
        responses={200: IncidentSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One incident with its timeline", responses={200: IncidentSerializer, **READ_ERRORS}
    ),
)
@extend_schema(tags=["governance"])
class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Incident
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[Incident]:
        return (
            Incident.objects.filter(use_case__organization__in=org_ids)
            .select_related("opened_by")
            .prefetch_related(Prefetch("updates", queryset=_updates()))
            .order_by("-opened_at", "-pk")
        )

    @extend_schema(
        summary="Record an incident",
        description="High and critical incidents notify the owner and the reviewers; an open "
        "critical incident blocks the use case's gates.",
        request=IncidentCreateSerializer,
        responses={201: IncidentSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        serializer = IncidentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        use_case = access.access_use_case(request.user, fields.pop("use_case"))
        gaccess.require(request.user, use_case.organization_id, gaccess.GOVERN)
        incident = services.incident_open(actor=actor(request), use_case=use_case, **fields)
        return Response(IncidentSerializer(self.fresh(incident.pk)).data, status=201)

    @extend_schema(
        summary="Add an update to the timeline, optionally moving the status",
        request=IncidentNoteSerializer,
        responses={201: IncidentSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def updates(self, request: Request, pk: str) -> Response:
        incident = gaccess.access_incident(request.user, pk, action=gaccess.GOVERN)
        serializer = IncidentNoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.incident_update(
            actor=actor(request),
            incident=incident,
            note=serializer.validated_data["note"],
            status=serializer.validated_data.get("status"),
        )
        return Response(IncidentSerializer(self.fresh(incident.pk)).data, status=201)

    @extend_schema(
        summary="Record the post-incident review of a resolved incident (reviewers)",
        request=IncidentReviewSerializer,
        responses={200: IncidentSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str) -> Response:
        incident = gaccess.access_incident(request.user, pk, action=gaccess.SIGN_OFF)
        serializer = IncidentReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.incident_review(
            actor=actor(request),
            incident=incident,
            review=serializer.validated_data["post_incident_review"],
        )
        return Response(IncidentSerializer(self.fresh(incident.pk)).data)


def _updates() -> QuerySet[Any]:
    from governance.models import IncidentUpdate

    return IncidentUpdate.objects.select_related("author").order_by("created_at", "pk")

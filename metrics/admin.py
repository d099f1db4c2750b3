"""Read-only admin for support staff; every change goes through the services and their audit.
Raw samples are not listed (millions of rows, no surrogate key)."""

from django.contrib import admin

from metrics.models import ApiToken, CsvUpload, DirtyPeriod, MetricDefinition, MetricTarget, Rollup
from readiness.admin import ReadOnlyAdmin


@admin.register(MetricDefinition)
class MetricDefinitionAdmin(ReadOnlyAdmin):
    list_display = ("key", "name", "level", "kind", "unit", "direction", "organization")
    list_filter = ("level", "kind")
    search_fields = ("key", "name")


@admin.register(MetricTarget)
class MetricTargetAdmin(ReadOnlyAdmin):
    list_display = ("use_case", "metric", "target", "warning", "baseline", "updated_at")
    list_select_related = ("use_case", "metric")


@admin.register(Rollup)
class RollupAdmin(ReadOnlyAdmin):
    list_display = ("use_case", "metric", "period", "period_start", "count", "p95", "rate")
    list_filter = ("period",)
    list_select_related = ("use_case", "metric")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "prefix", "organization", "created_at", "last_used_at", "revoked_at")
    exclude = ("secret_hash",)


@admin.register(CsvUpload)
class CsvUploadAdmin(ReadOnlyAdmin):
    list_display = ("filename", "organization", "status", "rows_total", "rows_rejected")
    exclude = ("content", "rejected_report")


@admin.register(DirtyPeriod)
class DirtyPeriodAdmin(ReadOnlyAdmin):
    list_display = ("use_case", "metric", "period", "period_start", "generation", "claimed_until")

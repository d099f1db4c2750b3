"""Read-only admin for support staff: endpoint changes go through the services and their audit.
The signing secret is not shown here (org admins read it on the endpoint page)."""

from django.contrib import admin
from django.db import models

from readiness.admin import ReadOnlyAdmin
from webhooks.models import Delivery, Endpoint


@admin.register(Endpoint)
class EndpointAdmin(ReadOnlyAdmin):
    list_display = ("url", "organization", "format", "active", "created_at")
    list_filter = ("active", "format")
    list_select_related = ("organization",)
    exclude = ("secret",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("event", "endpoint", "status", "attempts", "response_status", "created_at")
    list_filter = ("status", "event")
    list_select_related = ("endpoint",)

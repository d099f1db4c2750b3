"""Pages of the webhooks app, mounted at /o/<org>/webhooks/."""

from django.urls import path  # noqa: F401

urlpatterns: list[object] = []

"""Pages of the adoption app, mounted at /o/<org>/adoption/."""

from django.urls import path  # noqa: F401

urlpatterns: list[object] = []

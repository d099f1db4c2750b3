"""API of the adoption app under /api/v1/."""

urlpatterns: list[object] = []

"""API of the webhooks app under /api/v1/."""

urlpatterns: list[object] = []

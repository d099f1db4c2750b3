"""The background-jobs page, mounted at /o/<org>/jobs/ (org admins only)."""

from django.urls import path

from ops.jobs import views

urlpatterns = [
    path("", views.jobs_page, name="ops_jobs"),
    path("rollups/<int:pk>/retry/", views.rollup_failure_retry, name="ops_jobs_rollup_retry"),
    path("uploads/<int:pk>/requeue/", views.upload_requeue, name="ops_jobs_upload_requeue"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry, name="ops_jobs_delivery_retry"),
]

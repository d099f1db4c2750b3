"""Pages of the adoption app, mounted at /o/<org>/adoption/."""

from django.urls import path

from adoption import views

urlpatterns = [
    path("feedback/", views.my_feedback, name="adoption_my_feedback"),
    path("use-cases/<int:pk>/", views.usecase_adoption, name="adoption_usecase"),
    path("use-cases/<int:pk>/cohorts/new/", views.cohort_create, name="adoption_cohort_create"),
    path("use-cases/<int:pk>/boundaries/", views.boundaries, name="adoption_boundaries"),
    path(
        "use-cases/<int:pk>/boundaries/acknowledge/",
        views.boundary_acknowledge,
        name="adoption_boundary_acknowledge",
    ),
    path("use-cases/<int:pk>/iterations/new/", views.iteration_add, name="adoption_iteration_add"),
    path("iterations/<int:pk>/", views.iteration_edit, name="adoption_iteration_edit"),
    path("cohorts/<int:pk>/", views.cohort_detail, name="adoption_cohort"),
    path("cohorts/<int:pk>/edit/", views.cohort_edit, name="adoption_cohort_edit"),
    path("cohorts/<int:pk>/training/", views.training_add, name="adoption_training_add"),
    path("cohorts/<int:pk>/go-live/", views.cohort_go_live, name="adoption_cohort_go_live"),
]

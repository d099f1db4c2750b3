"""Pages of the adoption app, mounted at /o/<org>/adoption/."""

from django.urls import path

from adoption.views import boundaries, cohorts, feedback, iterations, overview

urlpatterns = [
    path("feedback/", feedback.my_feedback, name="adoption_my_feedback"),
    path("use-cases/<int:pk>/", overview.usecase_adoption, name="adoption_usecase"),
    path("use-cases/<int:pk>/cohorts/new/", cohorts.cohort_create, name="adoption_cohort_create"),
    path(
        "use-cases/<int:pk>/feedback-trend/",
        feedback.feedback_panel,
        name="adoption_feedback_panel",
    ),
    path("use-cases/<int:pk>/boundaries/", boundaries.boundaries, name="adoption_boundaries"),
    path(
        "use-cases/<int:pk>/boundaries/acknowledge/",
        boundaries.boundary_acknowledge,
        name="adoption_boundary_acknowledge",
    ),
    path(
        "use-cases/<int:pk>/iterations/new/",
        iterations.iteration_add,
        name="adoption_iteration_add",
    ),
    path("iterations/<int:pk>/", iterations.iteration_edit, name="adoption_iteration_edit"),
    path("cohorts/<int:pk>/", cohorts.cohort_detail, name="adoption_cohort"),
    path("cohorts/<int:pk>/edit/", cohorts.cohort_edit, name="adoption_cohort_edit"),
    path("cohorts/<int:pk>/training/", cohorts.training_add, name="adoption_training_add"),
    path("cohorts/<int:pk>/go-live/", cohorts.cohort_go_live, name="adoption_cohort_go_live"),
]

"""Pages of the governance app under /o/<org>/governance/."""

from django.urls import path

from governance.views import catalog, records, review

urlpatterns = [
    path("", review.queue, name="governance_queue"),
    path("use-cases/<int:pk>/", review.usecase, name="governance_usecase"),
    path("use-cases/<int:pk>/apply/", review.apply_template, name="governance_apply"),
    path("use-cases/<int:pk>/policy/", records.policy, name="governance_policy"),
    path("items/<int:pk>/", review.item_detail, name="governance_item"),
    path("items/<int:pk>/evidence/", review.evidence_add, name="governance_evidence_add"),
    path("items/<int:pk>/sign-off/", review.sign_off, name="governance_sign_off"),
    path("items/<int:pk>/not-applicable/", review.not_applicable, name="governance_na"),
    path("items/<int:pk>/reopen/", review.reopen, name="governance_reopen"),
    path("items/<int:pk>/assign/", review.assign, name="governance_assign"),
    path(
        "evidence/<int:pk>/download/",
        review.evidence_download,
        name="governance_evidence_download",
    ),
    path(
        "evidence/<int:pk>/withdraw/",
        review.evidence_withdraw,
        name="governance_evidence_withdraw",
    ),
    path("templates/", catalog.template_list, name="governance_templates"),
    path("templates/<int:pk>/", catalog.template_detail, name="governance_template"),
    path("templates/<int:pk>/copy/", catalog.template_copy, name="governance_template_copy"),
    path(
        "templates/<int:pk>/default/", catalog.template_default, name="governance_template_default"
    ),
    path(
        "templates/<int:pk>/items/new/",
        catalog.template_item_edit,
        name="governance_template_item_add",
    ),
    path(
        "templates/<int:pk>/items/<int:item_pk>/",
        catalog.template_item_edit,
        name="governance_template_item",
    ),
    path(
        "template-items/<int:pk>/delete/",
        catalog.template_item_delete,
        name="governance_template_item_delete",
    ),
    path("controls/", catalog.controls, name="governance_controls"),
    path("coverage/", catalog.coverage, name="governance_coverage"),
    path("registry/", records.registry, name="governance_registry"),
    path("registry/<int:pk>/", records.registry_edit, name="governance_registry_edit"),
    path("incidents/", records.incident_list, name="governance_incidents"),
    path("incidents/new/", records.incident_create, name="governance_incident_create"),
    path("incidents/<int:pk>/", records.incident_detail, name="governance_incident"),
    path("incidents/<int:pk>/update/", records.incident_update, name="governance_incident_update"),
    path("incidents/<int:pk>/review/", records.incident_review, name="governance_incident_review"),
]

from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    """Checklists, sign-offs, the model registry and incidents (built on readiness).

    ``ready`` plugs governance into readiness's three registries: three gate checks, the records
    that have a discussion thread (checklist items, incidents), and the domain events it
    follows (a new use case gets its checklist; a material change sends passed gates back to
    review; a passed gate brings the next gate's items into the Governance workstream's facts).
    """

    name = "governance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from governance import checks, comments
        from governance.services.checklists import on_material_change, on_use_case_created
        from governance.workstream_facts import on_gate_passed
        from readiness import events

        checks.register()
        comments.register()
        events.subscribe(events.UseCaseCreated, "governance.checklist", on_use_case_created)
        events.subscribe(events.MaterialChange, "governance.rereview", on_material_change)
        events.subscribe(events.GatePassed, "governance.workstream_facts", on_gate_passed)

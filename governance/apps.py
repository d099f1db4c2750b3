from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    """Checklists, sign-offs, the model registry and incidents (built on readiness).

    ``ready`` plugs governance into readiness without readiness importing it: three gate checks,
    a material-change listener (passed gates go back to review) and the demo seeder.
    """

    name = "governance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from governance import checks, contrib, demo
        from governance.services.checklists import (
            on_gate_outcome,
            on_material_change,
            on_use_case_created,
        )
        from readiness import demo as readiness_demo
        from readiness import gate

        checks.register()
        contrib.register()
        gate.register_change_listener("governance.rereview", on_material_change)
        gate.register_created_listener("governance.checklist", on_use_case_created)
        gate.register_outcome_listener("governance.notify", on_gate_outcome)
        readiness_demo.register_seeder("governance", demo.seed)
        # seed_demo passes the demo use cases through their gates; with governance's checks
        # on the gate, it asks governance to sign the gate's items off first (see demo.py).
        readiness_demo.register_gate_preparer("governance", demo.prepare_gate)

import logging
from typing import Any

from django.apps import AppConfig

log = logging.getLogger(__name__)


def _sweep_outbox_on_worker_start(**_: Any) -> None:
    """A worker that starts (after an outage, a crash) queues an outbox sweep at once rather
    than waiting for beat's next one."""
    from readiness.tasks import outbox_sweep

    try:
        outbox_sweep.apply_async()
    except Exception as exc:  # the broker: beat's sweep comes anyway
        log.warning("outbox sweep not queued at worker start: %s", exc.__class__.__name__)


class ReadinessConfig(AppConfig):
    """The ground floor: organizations, members, use cases, workstreams, the 90-day plan, the
    gate and its registry, domain events and the audit trail. Imports no other app."""

    name = "readiness"
    verbose_name = "Readiness"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from celery.signals import worker_ready

        from readiness import discussion, gate
        from readiness.api_parsers import require_text_for_char_fields

        gate.register_builtin_checks()
        discussion.register_builtin_targets()
        worker_ready.connect(
            _sweep_outbox_on_worker_start, weak=False, dispatch_uid="readiness.outbox_sweep"
        )
        require_text_for_char_fields()

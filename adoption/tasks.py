"""Adoption's periodic jobs. Thin: each calls one idempotent service."""

from __future__ import annotations

from celery import shared_task

from adoption import services, workstream_facts
from readiness.retry import TRANSIENT_DB_ERRORS


@shared_task(
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def send_feedback_reminders() -> int:
    """Weekly: remind members of live cohorts who have not given this week's feedback.

    Safe to retry and to run twice: nobody is reminded twice in a week, and nobody who has
    answered every live cohort of theirs is reminded (see services.feedback_reminders_send).
    """
    return services.feedback_reminders_send()


@shared_task(
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def sync_workstream_facts() -> int:
    """Daily: untick the weekly-feedback item of use cases whose feedback stopped coming (see
    workstream_facts.facts_sync). Idempotent."""
    return workstream_facts.facts_sync()

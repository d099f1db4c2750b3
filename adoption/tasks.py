"""Adoption's periodic job. Thin: it calls one service, which is idempotent per user and week."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from adoption import services


@shared_task(
    autoretry_for=(OperationalError,),
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

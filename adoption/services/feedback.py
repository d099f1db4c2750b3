"""Weekly feedback of cohort members and the weekly reminder."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from adoption.calc import week_start
from adoption.models import (
    Cohort,
    CohortStatus,
    Feedback,
    FeedbackReminder,
)
from adoption.workstream_facts import facts_push
from readiness.access import membership_of
from readiness.audit import audit_at_end, audit_record, changed, snapshot
from readiness.errors import Conflict
from readiness.models import Membership, Organization, User
from readiness.notifications import notify

# A member's answer for one week (the form, the API and the audit snapshots use this list).
FEEDBACK_FIELDS = ("usefulness", "trust", "minutes_saved", "comment")


@transaction.atomic
@audit_at_end()  # the items and workstreams follow first, then the records
def feedback_submit(
    *,
    actor: User,
    cohort: Cohort,
    usefulness: int,
    trust: int,
    minutes_saved: int,
    comment: str = "",
    today: dt.date | None = None,
) -> Feedback:
    """The actor's feedback on a live cohort for the current ISO week.

    Submitting again in the same week edits that week's answer (one per user per week); a
    past week cannot be changed. Only members of the cohort may answer, once it is live.
    """
    membership_of(actor, cohort.use_case.organization_id)
    if not cohort.members.filter(pk=actor.pk).exists():
        raise PermissionDenied(f"You are not a member of the cohort {cohort.name}.")
    today = today or timezone.localdate()
    if not cohort.is_live or (cohort.actual_go_live and cohort.actual_go_live > today):
        raise ValidationError(f"{cohort.name} is not live yet: feedback opens at go-live.")
    week = week_start(today)
    existing = (
        Feedback.objects.select_for_update(no_key=True, of=("self",))
        .filter(cohort=cohort, user=actor, week=week)
        .first()
    )
    feedback = existing or Feedback(cohort=cohort, user=actor, week=week)
    before = snapshot(feedback, FEEDBACK_FIELDS) if existing else None
    feedback.usefulness, feedback.trust = usefulness, trust
    feedback.minutes_saved, feedback.comment = minutes_saved, (comment or "").strip()
    feedback.full_clean(exclude=["cohort", "user"], validate_constraints=False)
    after = snapshot(feedback, FEEDBACK_FIELDS)
    if before is not None:
        b, a = changed(before, after)
        if not a:
            return feedback
        feedback.save(update_fields=[*a, "updated_at"])
    else:
        try:
            with transaction.atomic():
                feedback.save()
        except IntegrityError as exc:  # a concurrent first answer won the race
            raise Conflict(
                "Your feedback for this week was just saved; reload and edit it."
            ) from exc
        b, a = {}, after
    audit_record(
        actor=actor,
        organization=cohort.use_case.organization,
        action="feedback.update" if existing else "feedback.submit",
        target=feedback,
        # Answers are personal: recorded in the trail, but kept off the use case's history page,
        # which every member reads (pages show weekly averages only).
        use_case=None,
        before=b or None,
        after={"week": week, **a},
    )
    if existing is None:
        # A first answer this week may tick the weekly-feedback item; recorded as the system's
        # doing, since who answered stays off the use case's history (see above).
        facts_push(use_case=cohort.use_case, today=today)
    return feedback


def _due_reminders(week: dt.date, today: dt.date) -> list[tuple[int, int]]:
    """(organization id, user id) of members of live cohorts who have not answered every live
    cohort of theirs this week and were not reminded this week, in (org, user) order."""
    live = Cohort.objects.filter(status=CohortStatus.LIVE, actual_go_live__lte=today)
    answered = Feedback.objects.filter(
        cohort_id=OuterRef("cohort_id"), user_id=OuterRef("user_id"), week=week
    )
    pending = (
        Cohort.members.through.objects.filter(cohort__in=live)
        .exclude(Exists(answered))
        .values_list("cohort__use_case__organization_id", "user_id")
        .distinct()
    )
    due = set(pending)
    reminded = set(
        FeedbackReminder.objects.filter(week=week).values_list("organization_id", "user_id")
    )
    # Only people who still belong to the organization are reminded.
    members = set(
        Membership.objects.filter(
            organization_id__in={o for o, _ in due}, user_id__in={u for _, u in due}
        ).values_list("organization_id", "user_id")
    )
    return sorted((due - reminded) & members)


def feedback_reminders_send(*, today: dt.date | None = None, batch_size: int = 200) -> int:
    """Remind each member of a live cohort who has not answered this week, once per week.

    Idempotent: a reminder is recorded per organization, user and week, together with its
    notification, so running twice (or concurrently) reminds nobody twice. Returns how many
    people were reminded.
    """
    today = today or timezone.localdate()
    week = week_start(today)
    due = _due_reminders(week, today)
    sent = 0
    for start in range(0, len(due), batch_size):
        for org_id, user_id in due[start : start + batch_size]:
            sent += _remind(org_id, user_id, week)
    return sent


def _remind(org_id: int, user_id: int, week: dt.date) -> int:
    with transaction.atomic():
        try:
            with transaction.atomic():
                _, created = FeedbackReminder.objects.get_or_create(
                    organization_id=org_id, user_id=user_id, week=week
                )
        except IntegrityError:
            return 0
        if not created:
            return 0
        organization = Organization.objects.get(pk=org_id)
        user = User.objects.get(pk=user_id)
        notify(
            organization=organization,
            recipients=[user],
            kind="adoption.feedback_reminder",
            title=f"Your weekly feedback for the week of {week:%d %b %Y}",
            body="Two minutes: how useful was the AI this week, how far do you trust it, and "
            "how much time did it save you?",
            url=reverse("adoption_my_feedback", kwargs={"org": organization.slug}),
        )
        return 1

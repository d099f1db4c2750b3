"""The Adoption rollout workstream's items of existing use cases follow their cohorts, training,
usage boundaries and weekly feedback as they stand (see adoption.workstream_facts)."""

from collections import defaultdict

from django.db import migrations
from django.db.models import Max
from django.utils import timezone

from adoption.calc import week_start
from adoption.workstream_facts import adoption_facts
from readiness.fact_migrations import apply_facts


def forwards(apps, schema_editor):
    UseCase = apps.get_model("readiness", "UseCase")
    Cohort = apps.get_model("adoption", "Cohort")
    TrainingRecord = apps.get_model("adoption", "TrainingRecord")
    UsageBoundary = apps.get_model("adoption", "UsageBoundary")
    Feedback = apps.get_model("adoption", "Feedback")
    today = timezone.localdate()
    cohorts = defaultdict(int)
    managers = defaultdict(set)
    for cohort in Cohort.objects.prefetch_related("managers"):
        cohorts[cohort.use_case_id] += 1
        managers[cohort.use_case_id].update(m.pk for m in cohort.managers.all())
    trained = defaultdict(set)
    for uc_id, user_id in TrainingRecord.objects.filter(completed_on__lte=today).values_list(
        "use_case_id", "user_id"
    ):
        trained[uc_id].add(user_id)
    published = set(UsageBoundary.objects.values_list("use_case_id", flat=True))
    weeks = dict(
        Feedback.objects.filter(week__lte=week_start(today))
        .values_list("cohort__use_case_id")
        .annotate(last=Max("week"))
        .order_by()
    )
    found = {
        uc_id: {
            str(k): v
            for k, v in adoption_facts(
                cohorts=cohorts[uc_id],
                managers=managers[uc_id],
                trained=trained[uc_id],
                boundaries=1 if uc_id in published else 0,
                last_feedback_week=weeks.get(uc_id),
                today=today,
            ).items()
        }
        for uc_id in UseCase.objects.values_list("pk", flat=True)
    }
    apply_facts(apps, found)


class Migration(migrations.Migration):
    dependencies = [
        ("adoption", "0001_cohorts_training_boundaries_feedback"),
        ("readiness", "0007_workstream_items_follow_records"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

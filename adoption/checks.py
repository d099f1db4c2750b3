"""Adoption's check on the readiness gate (registered in AdoptionConfig.ready).

``adoption.managers_trained``, on the ``production`` and ``scale`` targets:

- every cohort marked live has every manager trained (a manager named after go-live counts
  too); each untrained manager is a blocker that names them and links to the cohort;
- for ``scale``, at least one cohort is live: a use case scales from a team that uses it.

The check only reads, and judges many use cases at once in a constant number of queries
(readiness.gate's contract).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from adoption.models import Cohort, CohortStatus, TrainingRecord
from adoption.selectors import SOURCE
from readiness.gate import Blocker, Target
from readiness.links import org_slugs
from readiness.models import UseCase, User

TARGETS = ("production", "scale")


def managers_trained_check(
    use_cases: Sequence[UseCase], targets: Mapping[int, Target]
) -> dict[int, list[Blocker]]:
    asked = [uc for uc in use_cases if uc.pk in targets and targets[uc.pk].key in TARGETS]
    result: dict[int, list[Blocker]] = {uc.pk: [] for uc in use_cases}
    if not asked:
        return result
    live_by_uc: dict[int, list[Cohort]] = defaultdict(list)
    for cohort in (
        Cohort.objects.filter(use_case__in=[uc.pk for uc in asked], status=CohortStatus.LIVE)
        .prefetch_related(
            Prefetch("managers", queryset=User.objects.order_by("first_name", "email"))
        )
        .order_by("use_case_id", "name", "pk")
    ):
        live_by_uc[cohort.use_case_id].append(cohort)
    manager_ids = {m.pk for cs in live_by_uc.values() for c in cs for m in c.managers.all()}
    trained = (
        set(
            TrainingRecord.objects.filter(
                use_case__in=list(live_by_uc),
                user_id__in=manager_ids,
                completed_on__lte=timezone.localdate(),
            ).values_list("use_case_id", "user_id")
        )
        if manager_ids
        else set()
    )
    needs_url = [
        uc
        for uc in asked
        if (targets[uc.pk].key == "scale" and not live_by_uc[uc.pk])
        or any((uc.pk, m.pk) not in trained for c in live_by_uc[uc.pk] for m in c.managers.all())
    ]
    slugs = org_slugs(needs_url)
    for use_case in needs_url:
        slug = slugs[use_case.pk]
        blockers = result[use_case.pk]
        live = live_by_uc[use_case.pk]
        if targets[use_case.pk].key == "scale" and not live:
            blockers.append(
                Blocker(
                    code="adoption_no_live_cohort",
                    message=f"No cohort of {use_case.name} is live yet: take one team live, "
                    "with its managers trained, before scaling.",
                    source=SOURCE,
                    url=reverse("adoption_usecase", kwargs={"org": slug, "pk": use_case.pk}),
                )
            )
        for cohort in live:
            url = reverse("adoption_cohort", kwargs={"org": slug, "pk": cohort.pk})
            for manager in cohort.managers.all():
                if (use_case.pk, manager.pk) in trained:
                    continue
                blockers.append(
                    Blocker(
                        code="adoption_live_manager_untrained",
                        message=f"{manager.display_name} manages the live cohort {cohort.name} "
                        f"but has no training record for {use_case.name}: record their training.",
                        source=SOURCE,
                        url=f"{url}#training",
                        detail={"cohort_id": cohort.pk, "user": manager.email},
                    )
                )
    return result


def register() -> None:
    from readiness import gate

    gate.register_check("adoption.managers_trained", managers_trained_check)
